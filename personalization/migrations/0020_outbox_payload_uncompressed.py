"""Store the impressions outbox's payload uncompressed (PostgreSQL).

Every page view inserts one outbox row (~14 KB of JSON for a homepage) before it answers. Past 2 KB
PostgreSQL compresses a value with pglz by default: a third of the insert, inside the page's response
time and on the database server's share of the cores (a homepage's payload, inserts interleaved on
the reference machine: 3.0 ms compressed to 6.6 KB, 2.0 ms stored as it is; lz4 2.2 ms). The rows
live for seconds (the impressions worker deletes them as it stores the batch), so the disk that
compression would save does not matter.
"""

from django.db import migrations


def _storage(storage: str):
    def alter(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite does not compress
        table = schema_editor.quote_name(apps.get_model("personalization", "ImpressionOutbox")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN payload SET STORAGE {storage}")

    return alter


class Migration(migrations.Migration):
    dependencies = [
        ("personalization", "0019_bandit_variant_offsets"),
    ]

    operations = [
        migrations.RunPython(_storage("EXTERNAL"), reverse_code=_storage("EXTENDED")),
    ]
