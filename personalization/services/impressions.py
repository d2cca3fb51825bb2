"""Logging impressions: outbox first, then one message per page view, bulk-inserted by a worker.

The guarantee: a page view's impressions are stored exactly once if its response was sent.
- The web request builds one compact, columnar batch per page view (or lazy row) and commits it as
  one row of `ImpressionOutbox` (one small insert) before it answers: from then on it is durable.
- It then publishes the batch (with the outbox id) to the broker. A worker inserts the impressions
  idempotently on their ids (ON CONFLICT DO NOTHING) and deletes the outbox row in the same
  transaction, so a redelivered message (a worker killed before its ack) changes nothing.
- If the broker is down (or the message is lost with Redis), the row stays in the outbox and the
  every-minute drain inserts it once it is older than OUTBOX_GRACE.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from django.db import connection, transaction
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from psycopg.types.json import Jsonb

from personalization.models import (
    Event,
    Experiment,
    ExperimentDaily,
    Impression,
    ImpressionDaily,
    ImpressionOutbox,
    ImpressionSeenPending,
    PageView,
)
from personalization.page import HERO_ROW, PagePlan
from personalization.services.partitions import (
    impression_partition_drop_if,
    impression_partitions,
    impression_partitions_upcoming,
)
from streamflix import queue

logger = logging.getLogger(__name__)

BATCH_VERSION = 3  # 2: the decision context (taste, candidates, their probabilities) and experiments; 3: row order

# The batch's shape, written once. What all impressions of a page view share travels once...
SHARED_FIELDS = (
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
# (The page view's own context, "taste" and "simulated", goes to its PageView row; "simulated" to each
# impression too, so that rates can leave simulated traffic out without a join.)
# ...and each per-card field as one list.


def _spaced(values) -> str:
    return " ".join(str(value) for value in values)


@dataclass(frozen=True)
class _Column:
    key: str  # in the batch
    field: str  # the Impression field (and the ShownCard attribute, but for the id)
    sql_type: str
    read: Callable[[Any], Any] = lambda value: value
    write: Callable[[Any], Any] = lambda value: value
    since: int = 1  # the batch version that introduced it (older batches get `default`)
    default: Any = None


CARD_COLUMNS = (
    _Column("ids", "id", "uuid", read=lambda value: uuid.UUID(value), write=lambda value: value.hex),
    _Column("title_ids", "title_id", "bigint", read=int),
    _Column("artwork_ids", "artwork_id", "bigint", read=lambda value: None if value is None else int(value)),
    _Column("themes", "theme", "varchar", read=str),
    _Column("rows", "row_index", "smallint", read=int),
    _Column("positions", "position", "smallint", read=int),
    _Column("propensities", "propensity", "float8", read=float, write=lambda value: round(value, 6)),
    _Column(
        "candidates", "candidates", "varchar", read=lambda ids: _spaced(int(i) for i in ids), write=list, since=2,
        default="",
    ),
    _Column(
        "candidate_propensities", "candidate_propensities", "varchar",
        read=lambda ps: _spaced(f"{float(p):.6g}" for p in ps), write=lambda ps: [round(p, 6) for p in ps], since=2,
        default="",
    ),
    _Column("teams", "team", "varchar", read=str, since=2, default=""),
)  # fmt: skip


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
    candidates: tuple[int, ...] = ()  # the variants the policy chose among, in the card's order
    candidate_propensities: tuple[float, ...] = ()  # its probability for each
    team: str = ""  # interleaving: which ranker drafted the card


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
    taste: Sequence[float] = (),
    simulated: bool = False,
    row_order: Sequence = ("", 0.0, ()),
) -> dict:
    """The message for one page view: shared fields once, per-card fields as parallel lists (small JSON).
    `row_order`: (policy, log-propensity, row inputs) of the page's row order, for its PageView."""
    shared = {
        "page_view_id": page_view_id,
        "profile_id": profile_id,
        "shown_at": shown_at.isoformat(),
        "daypart": daypart,
        "device": device,
        "policy": policy,
        "policy_version": policy_version,
        "experiment_variant": experiment_variant,
        "model_version": model_version,
    }
    columns = {
        c.key: [c.write(getattr(card, _ATTRIBUTE.get(c.field, c.field))) for card in cards] for c in CARD_COLUMNS
    }
    row_keys_json = {str(index): key for index, key in row_keys.items()}
    policy, log_propensity, inputs = row_order
    context = {
        "taste": [round(float(t), 3) for t in taste],
        "simulated": simulated,
        # Floats as they are (JSON keeps a float exactly): the learner rebuilds the very x that was scored.
        "row_order": {"policy": policy, "log_propensity": float(log_propensity), "inputs": [list(r) for r in inputs]},
    }
    return {"v": BATCH_VERSION, **shared, **context, "row_keys": row_keys_json, **columns}


_ATTRIBUTE = {"id": "impression_id", "team": "team", "candidate_propensities": "candidate_propensities"}


def impressions_log_page(plan: PagePlan, shown: Sequence[ShownCard]) -> None:
    """Log the cards of a page view (or of one of its lazy rows) as one batch."""
    if not shown:
        return
    row_keys = {c.row_index: "hero" if c.row_index == HERO_ROW else plan.rows[c.row_index].key for c in shown}
    batch = impression_batch(
        page_view_id=plan.page_view_id,
        profile_id=plan.profile_id,
        shown_at=timezone.now(),
        daypart=plan.context.daypart,
        device=plan.context.device,
        policy=plan.policy,
        policy_version=plan.policy_version,
        model_version=plan.model_label,
        experiment_variant=plan.experiments,
        row_keys=row_keys,
        cards=shown,
        taste=plan.taste,
        simulated=plan.simulated,
        row_order=(plan.row_order_policy, plan.row_order_log_propensity, plan.row_inputs),
    )
    impressions_publish(batch)


def impressions_publish(batch: dict) -> str:
    """Make the page view's impressions durable (the outbox), then tell the broker where they are.

    The message names the outbox row and carries nothing else: the batch is already stored, and
    encoding it a second time for the broker (14 KB of JSON for 81 cards) cost the page a third of its
    send, and Redis that much memory for every page view waiting in the queue.
    Returns "broker", or "outbox" when the broker is unavailable (the drain will insert them).
    """
    entry = ImpressionOutbox.objects.create(payload=batch)
    try:
        queue.send(
            queue.IMPRESSIONS_LOG,
            {"outbox_id": entry.pk},
            retry=False,
            argsrepr=f"(page view {batch['page_view_id']}, {len(batch['ids'])} impressions)",
        )
        return "broker"
    except queue.BrokerUnavailable as exc:
        logger.warning("Broker unavailable (%s): page view %s waits in the outbox", exc, batch.get("page_view_id"))
        return "outbox"


def impressions_messages_read(messages: Iterable[object]) -> list[dict]:
    """The batches the impressions queue's messages stand for: a message names its outbox row
    (`{"outbox_id": N}`), whose payload is read here (one query for all); a row already gone was
    inserted by the drain and is skipped, a quarantined one is left alone. A message that carries a
    whole batch (sent before messages named rows, or by a client of the task) is that batch."""
    messages = list(messages)
    rows = [_outbox_row(message) for message in messages]
    stored = dict(
        ImpressionOutbox.objects.filter(pk__in=[row for row in rows if row is not None])
        .exclude(reason__startswith="invalid:")
        .values_list("pk", "payload")
    )
    batches = []
    for message, row in zip(messages, rows, strict=True):
        if row is None:
            batches.append(message)
        elif row in stored:
            batches.append({**stored[row], "outbox_id": row})
    return batches


def _outbox_row(message: object) -> int | None:
    """The outbox row a message names, or None for a message that carries its batch."""
    if isinstance(message, dict) and message.keys() == {"outbox_id"} and type(message["outbox_id"]) is int:
        return message["outbox_id"]
    return None


@transaction.atomic
def impressions_ingest(batches: Iterable[dict]) -> int:
    """Insert the batches' impressions in one transaction, skipping ids already stored, and remove
    their outbox rows in the same transaction.

    Returns the rows inserted. Every batch is validated before any is written.
    """
    batches = list(batches)
    pages = [_page(batch) for batch in batches]
    outbox_ids = [batch["outbox_id"] for batch in batches if batch.get("outbox_id")]
    if outbox_ids:
        ImpressionOutbox.objects.filter(pk__in=outbox_ids).delete()
    if connection.vendor == "postgresql":
        return sum(_insert_postgres(page) for page in pages)
    # SQLite (the zero-set-up demo): the ORM's INSERT OR IGNORE, then count what is new.
    PageView.objects.bulk_create(
        [
            PageView(
                id=page.shared["page_view_id"],
                **{f: page.shared[f] for f in _PAGE_VIEW_FIELDS[1:]},
                taste=page.taste,
                simulated=page.simulated,
                **page.row_order,
            )
            for page in pages
            if page.taste is not None
        ],
        ignore_conflicts=True,
    )
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

    shared: dict  # SHARED_FIELDS, parsed
    columns: dict[str, list]  # Impression field -> one value per card (row_key included)
    taste: bytes | None  # float16 theme lift (None in a version-1 batch: no PageView row then)
    simulated: bool
    row_order: dict = dataclasses.field(default_factory=lambda: dict(_NO_ROW_ORDER))  # PageView's row order fields (v3)

    def rows(self) -> list[dict]:
        names = list(self.columns)
        return [
            {**self.shared, "simulated": self.simulated, **dict(zip(names, values, strict=True))}
            for values in zip(*self.columns.values(), strict=True)
        ]


def _page(batch: dict) -> _Page:
    try:
        version = batch.get("v")
        if version not in (1, 2, BATCH_VERSION):
            raise InvalidBatch(f"unknown batch version {version!r}")
        columns_here = [c for c in CARD_COLUMNS if c.since <= version]
        lengths = {len(batch[c.key]) for c in columns_here}
        if len(lengths) != 1:
            raise InvalidBatch(f"columns of different lengths {sorted(lengths)}")
        shared = {name: batch[name] for name in SHARED_FIELDS}
        shared["shown_at"] = parse_datetime(batch["shown_at"])
        if shared["shown_at"] is None:
            raise InvalidBatch(f"shown_at {batch['shown_at']!r} is not a timestamp")
        shared["page_view_id"] = uuid.UUID(batch["page_view_id"])
        shared["profile_id"] = int(batch["profile_id"])
        columns = {c.field: [c.read(value) for value in batch[c.key]] for c in columns_here}
        count = len(columns["id"])
        for column in CARD_COLUMNS:
            columns.setdefault(column.field, [column.default] * count)
        columns["n_candidates"] = [len(value.split()) for value in columns["candidates"]]
        columns["row_key"] = [batch["row_keys"][str(row)] for row in columns["row_index"]]
        if not all(0.0 < p <= 1.0 for p in columns["propensity"]):
            raise InvalidBatch("propensities must be in (0, 1]")
        taste = np.asarray(batch["taste"], dtype=np.float16).tobytes() if version >= 2 else None
        return _Page(
            shared=shared,
            columns=columns,
            taste=taste,
            simulated=bool(batch.get("simulated", False)),
            row_order=_row_order(batch["row_order"]) if version >= 3 else _NO_ROW_ORDER,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidBatch(f"malformed impression batch: {exc!r}") from exc


_NO_ROW_ORDER = {"row_order_policy": "", "row_order_log_propensity": 0.0, "row_inputs": []}


def _row_order(data: dict) -> dict:
    policy, log_propensity, inputs = data["policy"], float(data["log_propensity"]), data["inputs"]
    if policy not in ("", "learned", "rules") or not log_propensity <= 0.0:
        raise InvalidBatch(f"row order {policy!r} with log-propensity {log_propensity} is not a logged row order")
    if not isinstance(inputs, list) or any(not isinstance(row, list) or len(row) != 5 for row in inputs):
        raise InvalidBatch("row inputs must be [kind, genre, lift, rules, row index] per candidate row")
    return {"row_order_policy": policy, "row_order_log_propensity": log_propensity, "row_inputs": inputs}


# What a page's impressions share is sent once; only the varying fields travel as arrays, in
# binary (%b: psycopg's text array format costs more than the insert itself).
_PG_COLUMNS = {c.field: c.sql_type for c in CARD_COLUMNS} | {"row_key": "varchar", "n_candidates": "smallint"}
_PG_INSERT = f"""
INSERT INTO personalization_impression ({", ".join(SHARED_FIELDS)}, simulated, {", ".join(_PG_COLUMNS)}, ingested_at)
SELECT {", ".join(["%s"] * len(SHARED_FIELDS))}, %s, u.*, clock_timestamp()
FROM unnest({", ".join(f"%b::{kind}[]" for kind in _PG_COLUMNS.values())}) AS u({", ".join(_PG_COLUMNS)})
WHERE (SELECT true FROM personalization_impression AS stored WHERE stored.id = u.id LIMIT 1) IS NULL
ON CONFLICT (id, shown_at) DO NOTHING
"""  # noqa: S608 (the SQL text is built from the constants above; values travel as parameters)
# The table is partitioned by day (`partitions`), so its key is (id, shown_at): ON CONFLICT skips a
# redelivered page (same ids, same time), and the guard keeps ids unique whatever time a duplicate
# claims: one primary-key probe per partition and row. Written as a scalar subquery with LIMIT so it
# stays a per-row probe: as NOT EXISTS the planner made it a hash anti-join that scanned the whole
# table for every page (2,900 impressions/s instead of 17,000 in bench/impressions.py).


def _insert_postgres(page: _Page) -> int:
    """One statement a page: ON CONFLICT DO NOTHING makes a redelivered page a no-op.

    ingested_at is clock_timestamp(), not now(): the learner's cursor needs the real insertion
    time even when many inserts share one long transaction (the simulator's replays).
    """
    params = [page.shared[f] for f in SHARED_FIELDS] + [page.simulated] + [page.columns[f] for f in _PG_COLUMNS]
    connection.ensure_connection()
    # A server-binding psycopg cursor: Django's default client-side cursor would quote every
    # array element into the SQL text, which costs more than the insert itself.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_PG_INSERT, params)
        inserted = cursor.rowcount
        if page.taste is not None:
            row_order = [page.row_order[f] for f in _NO_ROW_ORDER]
            row_order[-1] = Jsonb(row_order[-1])  # row_inputs, the last column
            cursor.execute(
                _PG_PAGE_VIEW, [*(page.shared[f] for f in _PAGE_VIEW_FIELDS), page.taste, page.simulated, *row_order]
            )
        return inserted


_PAGE_VIEW_FIELDS = ("page_view_id", "profile_id", "shown_at", "daypart", "device", "policy", "policy_version",
                     "model_version", "experiment_variant")  # fmt: skip
_PG_PAGE_VIEW = f"""
INSERT INTO personalization_pageview
    (id, {", ".join(_PAGE_VIEW_FIELDS[1:])}, taste, simulated, {", ".join(_NO_ROW_ORDER)}, ingested_at)
VALUES ({", ".join(["%s"] * (len(_PAGE_VIEW_FIELDS) + 2 + len(_NO_ROW_ORDER)))}, clock_timestamp())
ON CONFLICT (id) DO NOTHING
"""  # noqa: S608 (built from the constants above; values travel as parameters)


# Seen reports ------------------------------------------------------------------------------------
# A served card becomes an impression that counts once the viewer's screen reports it (the page's
# IntersectionObserver: at least half the card visible for at least a second; an API client sends the
# same report), or once a click or play on it proves it was seen. Until then it is "served, not seen":
# kept in the log, but neither learned from nor counted in CTR.


@dataclass(frozen=True)
class SeenResult:
    newly_seen: int  # marked seen by this report
    already_seen: int  # seen before (a replayed report changes nothing)
    pending: int  # not inserted by the worker yet: marked when the learning pass finds them

    def as_dict(self) -> dict:
        return {"seen": self.newly_seen, "already_seen": self.already_seen, "pending": self.pending}


# Inside a caller's transaction (an event, a batch of them) it adds no savepoint: nobody goes on after a
# failure here, so there is nothing to roll back to but the caller's start (two statements fewer a click).
@transaction.atomic(savepoint=False)
def impressions_mark_seen(
    impression_ids: Iterable[uuid.UUID], *, shown_within: tuple[datetime, datetime] | None = None
) -> SeenResult:
    """Mark impressions seen (idempotent: the first report's time stays). Ids whose rows are not in yet
    wait in `ImpressionSeenPending`. The caller has checked the ids (signed tokens of this viewer).

    `shown_within`: the times the impressions were shown between, as far as the caller knows (their
    tokens were verified just now: `events.token_shown_within`). On PostgreSQL the update then reads
    only those days' partitions instead of probing every kept day's (planning alone grows with the
    partitions: ~3 ms at 11, 30 days are kept). A row outside it is not lost: it waits as pending, and
    the next learning pass marks it.

    seen_at is the database's clock at the update, so the learner's cursor and lag work on it as they
    did on ingested_at."""
    ids = set(impression_ids)
    if not ids:
        return SeenResult(0, 0, 0)
    rows = Impression.objects.filter(id__in=ids)
    if shown_within is not None:
        rows = rows.filter(shown_at__range=shown_within)
    newly = _seen_update(rows, ids, shown_within)
    # Each id is one row at most (the insert's guard): if every id was marked, every row is in.
    missing = set()
    if newly < len(ids):
        missing = ids - set(rows.values_list("id", flat=True))
    present = len(ids) - len(missing)
    if missing:
        ImpressionSeenPending.objects.bulk_create(
            [ImpressionSeenPending(impression_id=i) for i in missing], ignore_conflicts=True
        )
    return SeenResult(newly_seen=newly, already_seen=present - newly, pending=len(missing))


def _seen_update(rows, ids: set[uuid.UUID], shown_within: tuple[datetime, datetime] | None) -> int:
    """Set seen_at on `rows` (the ids, within the times) not yet seen; how many were."""
    if connection.vendor != "postgresql":
        return rows.filter(seen_at__isnull=True).update(seen_at=Now())
    # The ids as one array: the ORM's IN prepares each of a page's ~90 ids on its own, which cost as
    # much Python as the update took the database.
    sql = "UPDATE personalization_impression SET seen_at = STATEMENT_TIMESTAMP() WHERE id = ANY(%s) AND seen_at IS NULL"
    params: list = [list(ids)]
    if shown_within is not None:
        sql += " AND shown_at BETWEEN %s AND %s"
        params += shown_within
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


SEEN_PENDING_KEPT = timedelta(days=7)  # a report whose impression never arrived (its batch quarantined) goes
SEEN_PENDING_BATCH = 5000


def impressions_seen_apply_pending() -> int:
    """Apply the seen reports that arrived before their impressions (oldest first, up to a batch per pass);
    returns how many were applied. A report still waiting after SEEN_PENDING_KEPT is dropped: its page's
    batch was never inserted (quarantined for a developer), and the mark cannot apply to anything."""
    ImpressionSeenPending.objects.filter(received_at__lt=timezone.now() - SEEN_PENDING_KEPT).delete()
    waiting = list(
        ImpressionSeenPending.objects.order_by("received_at").values_list("impression_id", flat=True)[
            :SEEN_PENDING_BATCH
        ]
    )
    if not waiting:
        return 0
    arrived = list(Impression.objects.filter(id__in=waiting).values_list("id", flat=True))
    if not arrived:
        return 0
    Impression.objects.filter(id__in=arrived, seen_at__isnull=True).update(seen_at=Now())
    ImpressionSeenPending.objects.filter(impression_id__in=arrived).delete()
    return len(arrived)


def impressions_quarantine(batch: object, error: str) -> None:
    """Keep a batch the worker could not read, for a developer to look at: logged data is never dropped.

    Its outbox row (if it has one) is marked invalid, so the drain leaves it alone.
    """
    reason = f"invalid: {error}"[:200]
    outbox_id = batch.get("outbox_id") if isinstance(batch, dict) else None
    if not (outbox_id and ImpressionOutbox.objects.filter(pk=outbox_id).update(reason=reason)):
        ImpressionOutbox.objects.create(payload={"quarantined": batch}, reason=reason)


OUTBOX_GRACE = timedelta(seconds=60)  # the broker path inserts a page view within seconds; after this, the drain


@transaction.atomic
def impressions_outbox_drain(*, limit: int = 200, grace: timedelta = OUTBOX_GRACE) -> int:
    """Insert up to `limit` outbox entries older than `grace` (broker down, message lost, worker
    killed) and remove them. Returns entries handled.

    An entry that cannot be read is marked invalid and kept, so one bad entry never blocks the rest.
    """
    pending = list(
        ImpressionOutbox.objects.select_for_update(skip_locked=True)
        .filter(created_at__lte=timezone.now() - grace)
        .exclude(reason__startswith="invalid:")
        .order_by("id")[:limit]
    )
    inserted = 0
    for entry in pending:
        try:
            with transaction.atomic():
                inserted += impressions_ingest([{**entry.payload, "outbox_id": entry.pk}])
        except InvalidBatch as exc:
            entry.reason = f"invalid: {exc}"[:200]
            entry.save(update_fields=["reason"])
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

    Per day, title, artwork, policy, experiments and device: seen impressions, clicks and
    inverse-propensity clicks, and apart the served-not-seen count (`ImpressionDaily`); per day,
    experiment, variant, policy and device: what a cluster-robust interval needs, sums over profile-day
    clusters of seen impressions (`ExperimentDaily`). Both are written in the same transaction that
    deletes the rows. Impressions of an experiment still running, or stopped but not
    yet given its final analysis, stay raw: its report needs them.

    On PostgreSQL a past day whose rows were all rolled up loses its whole partition (a DROP, not
    millions of row deletes), and the coming days' partitions are created (`partitions`).
    """
    started = timezone.now()
    cutoff = (now or started) - older_than
    # Rows ingested after this pass began are left for the next one, so reading and deleting agree.
    old = Impression.objects.filter(shown_at__lt=cutoff, ingested_at__lte=started)
    for name in (
        Experiment.objects.filter(analysed_at__isnull=True)
        .exclude(status=Experiment.Status.DRAFT)
        .values_list("name", flat=True)
    ):
        old = old.exclude(experiment_variant__contains=f";{name}=")
    events = Event.objects.filter(impression_id__in=old.values("id"))
    clicked = set(events.filter(kind=Event.Kind.CLICK).values_list("impression_id", flat=True))
    played = set(events.filter(kind=Event.Kind.PLAY).values_list("impression_id", flat=True))
    totals: dict[tuple, list] = defaultdict(lambda: [0, 0, 0.0, 0])
    clusters: dict[tuple, dict[int, list]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0.0]))
    count = 0
    read_per_day: dict = defaultdict(int)  # UTC day -> rows read (whole daily partitions are dropped)
    for (
        impression_id, shown_at, profile_id, title_id, artwork_id, theme, policy, label, device, propensity, seen,
        simulated,
    ) in old.values_list(
        "id", "shown_at", "profile_id", "title_id", "artwork_id", "theme", "policy", "experiment_variant", "device",
        "propensity", "seen_at", "simulated",
    ).iterator(chunk_size=5000):  # fmt: skip
        count += 1
        read_per_day[shown_at.astimezone(UTC).date()] += 1
        day = timezone.localdate(shown_at)
        total = totals[(day, title_id, artwork_id, theme, policy, label, device, simulated)]
        if seen is None:  # served, never seen: counted apart, in no rate
            total[3] += 1
            continue
        click, play = impression_id in clicked, impression_id in played
        ipw = 1.0 / propensity if click and propensity > 0 else 0.0
        total[0], total[1], total[2] = total[0] + 1, total[1] + click, total[2] + ipw
        for experiment, variant in [] if simulated else _experiments(label):  # no simulated row in any result
            cluster = clusters[(day, experiment, variant, policy, device)][profile_id]
            cluster[0], cluster[1], cluster[2], cluster[3] = (
                cluster[0] + 1,
                cluster[1] + click,
                cluster[2] + play,
                cluster[3] + ipw,
            )
    for (day, title_id, artwork_id, theme, policy, label, device, simulated), counts in totals.items():
        shown, clicks, ipw, unseen = counts
        daily, _ = ImpressionDaily.objects.select_for_update().get_or_create(
            day=day,
            title_id=title_id,
            artwork_id=artwork_id,
            policy=policy,
            experiment_variant=label,
            device=device,
            simulated=simulated,
            defaults={"theme": theme, "impressions": 0, "clicks": 0},
        )
        daily.impressions += shown
        daily.clicks += clicks
        daily.inverse_propensity_clicks += ipw
        daily.unseen += unseen
        daily.save(update_fields=["impressions", "clicks", "inverse_propensity_clicks", "unseen"])
    for (day, experiment, variant, policy, device), profiles in clusters.items():
        n, c, p, w = (np.array([v[i] for v in profiles.values()], dtype=np.float64) for i in range(4))
        daily, _ = ExperimentDaily.objects.select_for_update().get_or_create(
            day=day, experiment=experiment, variant=variant, policy=policy, device=device, defaults=_EMPTY_DAILY
        )
        for field, value in (
            ("clusters", len(n)), ("impressions", n.sum()), ("clicks", c.sum()), ("plays", p.sum()),
            ("impressions_sq", (n * n).sum()), ("clicks_sq", (c * c).sum()), ("impressions_clicks", (n * c).sum()),
            ("plays_sq", (p * p).sum()), ("impressions_plays", (n * p).sum()), ("inverse_propensity_clicks", w.sum()),
        ):  # fmt: skip
            setattr(daily, field, getattr(daily, field) + type(getattr(daily, field))(value))
        daily.save()
    # Retention: a past day's partition goes whole when every row in it was rolled up (PostgreSQL);
    # what is left (the DEFAULT partition, a day with rows that stay raw) is deleted row by row.
    deleted = 0
    for partition in impression_partitions():
        if partition.end <= cutoff and impression_partition_drop_if(
            partition, expected_rows=read_per_day.get(partition.day, 0)
        ):
            deleted += read_per_day.get(partition.day, 0)
    deleted += old.delete()[1].get(Impression._meta.label, 0)
    if deleted != count:  # rows arrived between reading and deleting: undo rather than lose them
        raise RuntimeError(f"Rollup read {count} impressions but would delete {deleted}; try again.")
    impression_partitions_upcoming(started)
    return RollupStats(impressions=count, aggregates=len(totals))


_EMPTY_DAILY = {
    "clusters": 0, "impressions": 0, "clicks": 0, "plays": 0, "impressions_sq": 0.0, "clicks_sq": 0.0,
    "impressions_clicks": 0.0, "plays_sq": 0.0, "impressions_plays": 0.0, "inverse_propensity_clicks": 0.0,
}  # fmt: skip


def _experiments(label: str) -> list[tuple[str, str]]:
    """[(experiment, variant)] from an impression's ';name=variant;...;' label."""
    return [tuple(part.split("=", 1)) for part in label.strip(";").split(";") if "=" in part]
