"""Logging impressions: one message per page view through Celery, bulk-inserted by a worker.

The web request builds one compact, columnar batch per page view (or lazy row) and publishes it.
A worker inserts it idempotently on the impression ids, so a redelivered message never
duplicates rows. If the broker is down, the batch goes into a one-row outbox in the database and a
periodic task drains it: the page still renders and nothing is lost.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from kombu.exceptions import OperationalError as BrokerError

from personalization.models import Event, Impression, ImpressionDaily, ImpressionOutbox

logger = logging.getLogger(__name__)

BATCH_VERSION = 1
_COLUMNS = ("ids", "title_ids", "artwork_ids", "themes", "rows", "positions", "propensities")
_SCALARS = (
    "page_view_id",
    "profile_id",
    "shown_at",
    "daypart",
    "device",
    "policy",
    "policy_version",
    "model_version",
    "experiment_variant",
)


class InvalidBatch(ValueError):
    """A batch that does not have the documented shape; it is quarantined, never dropped."""


@dataclass(frozen=True)
class ShownCard:
    """What the page builder knows of one shown card, before it becomes an impression row."""

    impression_id: uuid.UUID
    title_id: int
    artwork_id: int | None
    theme: str
    row_index: int
    position: int
    propensity: float


def impression_batch(
    *,
    page_view_id: str,
    profile_id: int,
    shown_at: datetime,
    daypart: str,
    device: str,
    policy: str,
    policy_version: str,
    model_version: str,
    experiment_variant: str,
    row_keys: dict[int, str],
    cards: Sequence[ShownCard],
) -> dict:
    """The message for one page view: scalars once, per-card fields as parallel lists (small JSON)."""
    return {
        "v": BATCH_VERSION,
        "page_view_id": page_view_id,
        "profile_id": profile_id,
        "shown_at": shown_at.isoformat(),
        "daypart": daypart,
        "device": device,
        "policy": policy,
        "policy_version": policy_version,
        "model_version": model_version,
        "experiment_variant": experiment_variant,
        "row_keys": {str(index): key for index, key in row_keys.items()},
        "ids": [c.impression_id.hex for c in cards],
        "title_ids": [c.title_id for c in cards],
        "artwork_ids": [c.artwork_id for c in cards],
        "themes": [c.theme for c in cards],
        "rows": [c.row_index for c in cards],
        "positions": [c.position for c in cards],
        "propensities": [round(c.propensity, 6) for c in cards],
    }


def impressions_publish(batch: dict) -> str:
    """Hand the batch to the broker; if that fails, keep it in the outbox. Returns where it went."""
    from personalization.tasks import impressions_log_task  # tasks import services, not the reverse

    try:
        # A short argsrepr: Celery would otherwise repr the whole batch for its monitoring headers.
        impressions_log_task.apply_async(
            args=[batch], retry=False, argsrepr=f"(page view {batch['page_view_id']}, {len(batch['ids'])} impressions)"
        )
        return "broker"
    except (BrokerError, OSError) as exc:
        logger.warning("Broker unavailable (%s): page view %s kept in the outbox", exc, batch.get("page_view_id"))
        ImpressionOutbox.objects.create(payload=batch, reason=f"broker unavailable: {exc}"[:200])
        return "outbox"


@transaction.atomic
def impressions_ingest(batches: Iterable[dict]) -> int:
    """Insert the batches' impressions in one transaction, skipping ids already stored.

    Returns the rows inserted. Every batch is validated before any is written.
    """
    pages = [_page(batch) for batch in batches]
    if connection.vendor == "postgresql":
        return sum(_insert_postgres(page) for page in pages)
    # SQLite (the zero-set-up demo): the ORM's INSERT OR IGNORE, then count what is new.
    rows = [row for page in pages for row in page.rows()]
    ids = [row["id"] for row in rows]
    before = Impression.objects.filter(id__in=ids).count()
    now = timezone.now()
    Impression.objects.bulk_create(
        [Impression(**row, ingested_at=now) for row in rows], ignore_conflicts=True, batch_size=500
    )
    return Impression.objects.filter(id__in=ids).count() - before


@dataclass(frozen=True)
class _Page:
    """One validated batch: what all its impressions share, and one list per varying field."""

    shared: dict  # page_view_id, profile_id, shown_at, daypart, device, policy, ...
    columns: dict[str, list]  # id, title_id, artwork_id, theme, row_key, row_index, position, propensity

    def rows(self) -> list[dict]:
        names = list(self.columns)
        return [
            {**self.shared, **dict(zip(names, values, strict=True))}
            for values in zip(*self.columns.values(), strict=True)
        ]


def _page(batch: dict) -> _Page:
    try:
        if batch.get("v") != BATCH_VERSION:
            raise InvalidBatch(f"unknown batch version {batch.get('v')!r}")
        lengths = {len(batch[c]) for c in _COLUMNS}
        if len(lengths) != 1:
            raise InvalidBatch(f"columns of different lengths {sorted(lengths)}")
        shown_at = parse_datetime(batch["shown_at"])
        if shown_at is None:
            raise InvalidBatch(f"shown_at {batch['shown_at']!r} is not a timestamp")
        row_keys = batch["row_keys"]
        shared = {k: batch[k] for k in _SCALARS if k not in ("page_view_id", "profile_id", "shown_at")}
        shared.update(
            page_view_id=uuid.UUID(batch["page_view_id"]), profile_id=int(batch["profile_id"]), shown_at=shown_at
        )
        columns = {
            "id": [uuid.UUID(value) for value in batch["ids"]],
            "title_id": [int(value) for value in batch["title_ids"]],
            "artwork_id": [None if value is None else int(value) for value in batch["artwork_ids"]],
            "theme": [str(value) for value in batch["themes"]],
            "row_key": [row_keys[str(row)] for row in batch["rows"]],
            "row_index": [int(value) for value in batch["rows"]],
            "position": [int(value) for value in batch["positions"]],
            "propensity": [float(value) for value in batch["propensities"]],
        }
        if not all(0.0 < p <= 1.0 for p in columns["propensity"]):
            raise InvalidBatch("propensities must be in (0, 1]")
        return _Page(shared=shared, columns=columns)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidBatch(f"malformed impression batch: {exc!r}") from exc


# What a page's impressions share is sent once; only the varying fields travel as arrays, in
# binary (%b: psycopg's text array format costs more than the insert itself).
_PG_INSERT = """
INSERT INTO personalization_impression (
    page_view_id, profile_id, shown_at, daypart, device, policy, policy_version, experiment_variant,
    model_version, id, title_id, artwork_id, theme, row_key, row_index, position, propensity, ingested_at
)
SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s, u.*, clock_timestamp() FROM unnest(
    %b::uuid[], %b::bigint[], %b::bigint[], %b::varchar[], %b::varchar[], %b::smallint[], %b::smallint[],
    %b::float8[]
) AS u
ON CONFLICT (id) DO NOTHING
"""
_PG_SHARED = (
    "page_view_id",
    "profile_id",
    "shown_at",
    "daypart",
    "device",
    "policy",
    "policy_version",
    "experiment_variant",
    "model_version",
)
_PG_COLUMNS = ("id", "title_id", "artwork_id", "theme", "row_key", "row_index", "position", "propensity")


def _insert_postgres(page: _Page) -> int:
    """One statement a page: ON CONFLICT DO NOTHING makes a redelivered page a no-op.

    ingested_at is clock_timestamp(), not now(): the learner's cursor needs the real insertion
    time even when many inserts share one long transaction (the simulator's replays).
    """
    params = [page.shared[f] for f in _PG_SHARED] + [page.columns[f] for f in _PG_COLUMNS]
    connection.ensure_connection()
    # A server-binding psycopg cursor: Django's default client-side cursor would quote every
    # array element into the SQL text, which costs more than the insert itself.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_PG_INSERT, params)
        return cursor.rowcount


def impressions_quarantine(batch: object, error: str) -> None:
    """Keep a batch the worker could not read, for a developer to look at: logged data is never dropped."""
    ImpressionOutbox.objects.create(payload={"quarantined": batch}, reason=f"invalid: {error}"[:200])


@transaction.atomic
def impressions_outbox_drain(*, limit: int = 200) -> int:
    """Insert up to `limit` outbox entries (broker outages) and remove them. Returns entries handled.

    An entry that cannot be read is marked invalid and kept, so one bad entry never blocks the rest.
    """
    pending = list(
        ImpressionOutbox.objects.select_for_update(skip_locked=True)
        .exclude(reason__startswith="invalid:")
        .order_by("id")[:limit]
    )
    inserted = 0
    for entry in pending:
        try:
            with transaction.atomic():
                inserted += impressions_ingest([entry.payload])
        except InvalidBatch as exc:
            entry.reason = f"invalid: {exc}"[:200]
            entry.save(update_fields=["reason"])
        else:
            entry.delete()
    if pending:
        logger.info("Drained %d outbox entries: %d impressions inserted", len(pending), inserted)
    return len(pending)


@dataclass(frozen=True)
class RollupStats:
    impressions: int
    aggregates: int


@transaction.atomic
def impressions_rollup(*, older_than: timedelta, now: datetime | None = None) -> RollupStats:
    """Fold raw impressions older than the retention age into daily counts, then delete those rows.

    Counts, clicks and inverse-propensity clicks per day, title, artwork, policy, variant and device
    are added to `ImpressionDaily` in the same transaction that deletes the rows.
    """
    started = timezone.now()
    cutoff = (now or started) - older_than
    # Rows ingested after this pass began are left for the next one, so reading and deleting agree.
    old = Impression.objects.filter(shown_at__lt=cutoff, ingested_at__lte=started)
    clicked = set(
        Event.objects.filter(kind=Event.Kind.CLICK, impression_id__in=old.values("id")).values_list(
            "impression_id", flat=True
        )
    )
    totals: dict[tuple, list] = defaultdict(lambda: [0, 0, 0.0])
    count = 0
    for impression_id, shown_at, title_id, artwork_id, theme, policy, variant, device, propensity in old.values_list(
        "id", "shown_at", "title_id", "artwork_id", "theme", "policy", "experiment_variant", "device", "propensity"
    ).iterator(chunk_size=5000):
        key = (timezone.localdate(shown_at), title_id, artwork_id, theme, policy, variant, device)
        total = totals[key]
        total[0] += 1
        if impression_id in clicked:
            total[1] += 1
            total[2] += 1.0 / propensity if propensity > 0 else 0.0
        count += 1
    for (day, title_id, artwork_id, theme, policy, variant, device), (shown, clicks, ipw) in totals.items():
        daily, _ = ImpressionDaily.objects.select_for_update().get_or_create(
            day=day,
            title_id=title_id,
            artwork_id=artwork_id,
            policy=policy,
            experiment_variant=variant,
            device=device,
            defaults={"theme": theme, "impressions": 0, "clicks": 0},
        )
        daily.impressions += shown
        daily.clicks += clicks
        daily.inverse_propensity_clicks += ipw
        daily.save(update_fields=["impressions", "clicks", "inverse_propensity_clicks"])
    deleted, _ = old.delete()
    if deleted != count:  # rows arrived between reading and deleting: undo rather than lose them
        raise RuntimeError(f"Rollup read {count} impressions but would delete {deleted}; try again.")
    return RollupStats(impressions=count, aggregates=len(totals))
