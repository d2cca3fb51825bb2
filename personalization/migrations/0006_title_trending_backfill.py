"""Fill the catalog's new Title.trending from the ratings already loaded (what the snapshot used to
compute on every build), so an existing demo keeps its Trending row until the nightly refresh."""

from datetime import timedelta

from django.db import migrations
from django.db.models import Count, Max


def backfill(apps, schema_editor):
    Rating = apps.get_model("personalization", "Rating")
    Title = apps.get_model("catalog", "Title")
    latest = Rating.objects.aggregate(latest=Max("rated_at"))["latest"]
    if latest is None:
        return
    recent = (
        Rating.objects.filter(rated_at__gte=latest - timedelta(days=365)).values("title_id").annotate(n=Count("id"))
    )
    titles = []
    for row in recent:
        titles.append(Title(pk=row["title_id"], trending=row["n"]))
    Title.objects.bulk_update(titles, ["trending"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_title_trending"),
        ("personalization", "0005_retrain_permission_snapshot_order"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
