"""Learning the homepage's row order from the log (ROW_POLICY `learned`, `personalization.row_order`).

Every minute, after the bandit's pass, `rows_learn` folds what was logged since the newest `RowSnapshot`:
- per (page view, row index), the row's cards seen since the snapshot's cursor (impressions with `seen_at`:
  served-not-seen cards never count, the billboard is no row): precision += seen x x', where x is rebuilt
  from the page view's logged `row_inputs` (kind, genre, taste lift, rules priority), its daypart and
  device, and the row index it was shown at (the position column);
- each click (an Event of kind click with an impression) on a seen card of a logged row, once:
  moment += x. A click is marked `row_folded_at` when handled, so one that arrives after its row's seen
  cards were folded (a late click) is folded by the next pass, and no click twice. A click waits while
  its impression is not in yet or its card's seen mark is newer than the pass's horizon; a click on
  the billboard, on a row no row inputs were logged for, or whose impression never arrived within
  UNMATCHED_CLICK_KEPT is marked handled with nothing folded.
Simulated page views (the warm-up, `simulate_traffic --experiment`) are learned from, as the bandit does.

The statistics are additive, so the model equals the prior plus the sum over everything folded, in any
order and however the passes fell. When the catalogue's genre vocabulary changes (a genre added or
removed), the saved model no longer fits the features: the next pass starts again from the prior and
folds the whole retained log (every seen impression, every click, marked or not); until then pages are
ordered with the prior (`selectors.serving.published_row_model`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from catalog.selectors import catalog_snapshot
from personalization.models import Event, Impression, PageView, RowSnapshot
from personalization.row_order import RowInputs, RowModel, RowSpace, row_matrix
from personalization.services.impressions import SEEN_PENDING_KEPT, impressions_seen_apply_pending
from personalization.services.locks import ROWS_LEARNING, advisory_xact_lock

logger = logging.getLogger(__name__)

INGEST_LAG = timedelta(seconds=10)  # seen marks younger than this may still be committing
ROW_SNAPSHOTS_KEPT = 200
UNMATCHED_CLICK_KEPT = SEEN_PENDING_KEPT  # a click whose impression never arrived (batch quarantined) is let go


@dataclass(frozen=True)
class RowLearnStats:
    rows: int  # (page view, row) pairs whose seen cards were folded
    cards: int  # seen cards folded
    clicks: int  # clicks folded
    snapshot_id: int | None
    skipped: bool = False  # another pass held the lock
    rebuilt: bool = False  # the genre vocabulary changed: started again from the prior


@transaction.atomic
def rows_learn(*, lag: timedelta = INGEST_LAG, now: datetime | None = None) -> RowLearnStats:
    """Fold the rows' seen cards since the last pass and the clicks not yet folded into a new RowSnapshot."""
    if not advisory_xact_lock(ROWS_LEARNING):  # one pass at a time: a second would fold the same rows twice
        return RowLearnStats(0, 0, 0, None, skipped=True)
    genres = tuple(catalog_snapshot().genre_names)
    latest = RowSnapshot.objects.first()
    model = RowModel.from_bytes(bytes(latest.state)) if latest else None
    rebuilt = model is not None and model.space.genres != genres
    if rebuilt:
        logger.warning("The catalogue's genres changed: the row model starts again from the prior and the whole log")
        latest = None
    if latest is None:
        model = RowModel(RowSpace(genres))
    impressions_seen_apply_pending()  # seen reports (and clicks' seen marks) that beat their impressions
    now = now or timezone.now()
    upper = now - lag
    seen = Impression.objects.filter(seen_at__isnull=False, seen_at__lte=upper, row_index__gte=0)
    if latest and latest.impressions_cursor:
        seen = seen.filter(seen_at__gt=latest.impressions_cursor)
    groups = list(
        seen.values("page_view_id", "row_index")
        .annotate(cards=Count("id"), last=Max("seen_at"))
        .order_by("page_view_id", "row_index")
        .values_list("page_view_id", "row_index", "cards", "last")
    )
    events = Event.objects.filter(kind=Event.Kind.CLICK, impression_id__isnull=False)
    if not rebuilt:
        events = events.filter(row_folded_at__isnull=True)
    clicks = list(
        events.select_for_update(skip_locked=True).order_by("pk").values_list("pk", "impression_id", "created_at")
    )
    cards = {
        row[0]: row[1:]
        for row in Impression.objects.filter(id__in=[i for _, i, _ in clicks]).values_list(
            "id", "page_view_id", "row_index", "seen_at"
        )
    }
    logged = _logged_rows({pv for pv, *_ in groups} | {card[0] for card in cards.values()})

    counts: dict[tuple, list[int]] = {}  # (page view, row index) -> [seen cards, clicks]
    for page_view, row_index, n, _ in groups:
        if (page_view, row_index) in logged:
            counts[(page_view, row_index)] = [n, 0]
    handled = []
    for pk, impression_id, created_at in clicks:
        card = cards.get(impression_id)
        if card is None:  # not inserted yet: wait for it (a while)
            if created_at < now - UNMATCHED_CLICK_KEPT:
                handled.append(pk)
            continue
        page_view, row_index, seen_at = card
        if row_index >= 0 and (seen_at is None or seen_at > upper):  # its seen card is folded by a later pass
            continue
        handled.append(pk)
        if (page_view, row_index) in logged:
            counts.setdefault((page_view, row_index), [0, 0])[1] += 1
    Event.objects.filter(pk__in=handled).update(row_folded_at=now)

    keys = sorted(counts, key=lambda key: (str(key[0]), key[1]))  # a fixed order: sums round the same each run
    if keys:
        x = np.vstack([row_matrix(model.space, [logged[key][2]], *logged[key][:2], [key[1]]) for key in keys])
        model.fold(x, np.array([counts[key][0] for key in keys]), np.array([counts[key][1] for key in keys]))
    folded_rows = sum(1 for key in keys if counts[key][0])
    folded_cards = sum(counts[key][0] for key in keys)
    folded_clicks = sum(counts[key][1] for key in keys)
    if not keys and not rebuilt and not groups:
        return RowLearnStats(0, 0, 0, latest.pk if latest else None)
    snapshot = RowSnapshot.objects.create(
        state=model.to_bytes(),
        rows_folded=(latest.rows_folded if latest else 0) + folded_rows,
        cards_folded=(latest.cards_folded if latest else 0) + folded_cards,
        clicks_folded=(latest.clicks_folded if latest else 0) + folded_clicks,
        impressions_cursor=max((g[3] for g in groups), default=latest.impressions_cursor if latest else None),
    )
    stale = RowSnapshot.objects.values_list("pk", flat=True)[ROW_SNAPSHOTS_KEPT:]
    RowSnapshot.objects.filter(pk__in=list(stale)).delete()
    return RowLearnStats(folded_rows, folded_cards, folded_clicks, snapshot.pk, rebuilt=rebuilt)


def _logged_rows(page_views: set) -> dict[tuple, tuple[str, str, RowInputs]]:
    """(page view, row index) -> (daypart, device, the row's inputs) of every row those page views logged as shown."""
    rows = {}
    for pk, daypart, device, inputs in PageView.objects.filter(pk__in=page_views).values_list(
        "pk", "daypart", "device", "row_inputs"
    ):
        for *values, row_index in inputs or ():
            if row_index is not None:
                rows[(pk, int(row_index))] = (daypart, device, RowInputs.from_list(values))
    return rows
