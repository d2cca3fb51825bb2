"""What viewers' activity says about each title (rating count, mean, trending), handed to the catalog."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Avg, Count, Max

from catalog.services import title_stats_update
from personalization.models import Rating

TRENDING_WINDOW = timedelta(days=365)


def title_stats_refresh() -> int:
    """Recompute every title's rating count, mean and trending count; returns how many changed.

    Trending counts the ratings of the last year of activity: MovieLens' clock stops in 2018, so
    "now" is its newest rating. Run by `seed_demo` and by the nightly retrain.
    """
    totals = {
        row["title_id"]: (row["n"], row["mean"])
        for row in Rating.objects.values("title_id").annotate(n=Count("id"), mean=Avg("rating"))
    }
    latest = Rating.objects.aggregate(latest=Max("rated_at"))["latest"]
    recent = {}
    if latest is not None:
        recent = dict(
            Rating.objects.filter(rated_at__gte=latest - TRENDING_WINDOW)
            .values("title_id")
            .annotate(n=Count("id"))
            .values_list("title_id", "n")
        )
    return title_stats_update({title_id: (n, mean, recent.get(title_id, 0)) for title_id, (n, mean) in totals.items()})
