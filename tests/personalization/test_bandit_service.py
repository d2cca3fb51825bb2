"""The bandit in the site: choosing artwork per page, learning from the log, publishing to web processes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import numpy as np
import pytest
from django.db import IntegrityError, transaction

from catalog.models import Title
from catalog.selectors import catalog_snapshot
from catalog.themes import THEME_INDEX
from personalization.bandit import BanditState, PageContext, Policy, page_probabilities
from personalization.context import Context
from personalization.models import BanditSnapshot, Event
from personalization.personal import viewer_tastes
from personalization.selectors.serving import bandit_params, published_bandit, published_bandit_forget
from personalization.selectors.viewers import viewer_history
from personalization.services import locks
from personalization.services.artwork import artwork_chooser, bandit_learn
from personalization.services.impressions import ShownCard, impressions_ingest, impressions_mark_seen
from tests.conftest import advisory_lock_held
from tests.factories import impression_batch_for, make_profile, make_title, rate

pytestmark = pytest.mark.django_db

THEMES = ("action", "romance", "ensemble cast")


@pytest.fixture
def world(settings):
    """Romance and action titles, each with a romance, an action and an ensemble variant; two romance fans.
    The bandit is rewarded for clicks here (test_rewards covers the others)."""
    settings.STREAMFLIX_BANDIT_REWARD = "click"
    romances = [make_title(f"Love {i}", genres=["Romance"], themes=THEMES, rating_count=50) for i in range(13)]
    actions = [make_title(f"Fight {i}", genres=["Action"], themes=THEMES, rating_count=50) for i in range(12)]
    fans = [make_profile(f"Fan {n}") for n in range(2)]
    for fan in fans:
        for title in romances[:8]:
            rate(fan, title, 5.0)
        for title in actions[:3]:
            rate(fan, title, 1.0)
    return {"romances": romances, "actions": actions, "fans": fans}


def log(profile, title, theme, *, clicked: bool, shown_at=None, seen: bool = True) -> uuid.UUID:
    artwork = title.artworks.get(theme=theme)
    card = ShownCard(uuid.uuid4(), title.pk, artwork.pk, theme, row_index=0, position=0, propensity=1 / 3)
    impressions_ingest([impression_batch_for([card], profile_id=profile.pk, shown_at=shown_at, policy="uniform")])
    if seen:  # the page reported it on screen
        impressions_mark_seen([card.impression_id])
    if clicked:
        Event.objects.create(profile=profile, title=title, kind=Event.Kind.CLICK, impression_id=card.impression_id)
    return card.impression_id


def romance_share(profile) -> float:
    """P(the bandit shows the romance variant) to this viewer for a romance title no card was logged for
    (the last one: what the theme-level model learned, no variant's own offset), as published now."""
    snapshot = catalog_snapshot()
    taste = viewer_tastes(viewer_history(profile.pk), snapshot).themes
    context = PageContext.from_labels(taste, daypart="evening", device="desktop")
    arms = [np.array([THEME_INDEX[t] for t in THEMES])]
    unseen = Title.objects.get(name="Love 12")
    keys = [tuple(unseen.artworks.get(theme=t).pk for t in THEMES)]
    published_bandit_forget()
    policy = Policy("thompson", bandit_params())
    probabilities = page_probabilities(policy, published_bandit(), context, arms, arm_keys=keys)
    return float(probabilities[0][THEMES.index("romance")])


def test_one_viewers_clicks_change_what_a_viewer_of_similar_taste_sees(world, django_capture_on_commit_callbacks):
    clicker, lookalike = world["fans"]
    before = romance_share(lookalike)
    rng = np.random.default_rng(0)
    for _ in range(300):  # the clicker takes romance art far more often than action art
        title = world["romances"][rng.integers(12)]
        log(clicker, title, "romance", clicked=rng.random() < 0.5)
        log(clicker, title, "action", clicked=rng.random() < 0.05)

    with django_capture_on_commit_callbacks(execute=True):
        stats = bandit_learn(lag=timedelta(0))

    assert (stats.impressions, stats.clicks) == (600, BanditSnapshot.objects.get().clicks_folded)
    after = romance_share(lookalike)
    assert after > before + 0.3 and after > 0.8, (before, after)


def test_each_pass_folds_only_what_is_new_and_a_click_counts_once(world):
    fan = world["fans"][0]
    clicked = log(fan, world["romances"][0], "romance", clicked=True)
    with pytest.raises(IntegrityError), transaction.atomic():  # a replayed click cannot even be stored
        Event.objects.create(profile=fan, title=world["romances"][0], kind=Event.Kind.CLICK, impression_id=clicked)
    log(fan, world["romances"][1], "action", clicked=False)

    first = bandit_learn(lag=timedelta(0))
    second = bandit_learn(lag=timedelta(0))

    assert (first.impressions, first.clicks) == (2, 1)
    assert (second.impressions, second.clicks) == (0, 0) and second.snapshot_id == first.snapshot_id
    assert not Event.objects.filter(kind="click", reward_folded_at__isnull=True).exists()
    state = BanditState.from_bytes(bytes(BanditSnapshot.objects.get().state))
    assert state.n_impressions == 2


def test_a_click_whose_impression_is_still_queued_waits_for_the_next_pass(world):
    fan = world["fans"][0]
    title = world["romances"][0]
    Event.objects.create(profile=fan, title=title, kind=Event.Kind.CLICK, impression_id=uuid.uuid4())
    assert bandit_learn(lag=timedelta(0)).clicks == 0
    assert Event.objects.filter(reward_folded_at__isnull=True).count() == 1


def test_impressions_younger_than_the_lag_wait(world):
    log(world["fans"][0], world["romances"][0], "romance", clicked=False)
    assert bandit_learn(lag=timedelta(minutes=5)).impressions == 0
    assert bandit_learn(lag=timedelta(0)).impressions == 1


def test_the_logged_propensity_is_the_policys_probability_of_the_shown_variant(world):
    fan = world["fans"][0]
    snapshot = catalog_snapshot()
    taste = viewer_tastes(viewer_history(fan.pk), snapshot).themes
    context = Context(20, "evening", "desktop")
    chooser = artwork_chooser(
        taste=taste,
        snapshot=snapshot,
        context=context,
        page_view_id="x",
        policy_name="thompson",
        rng=np.random.default_rng(3),
    )
    titles = [t.pk for t in world["romances"]]

    choices = chooser.choose(titles)

    arms = [np.array([THEME_INDEX[v.theme] for v in snapshot.artworks[t]]) for t in titles]
    expected = page_probabilities(chooser.policy, chooser.model, chooser.context, arms)
    for i, (title_id, choice) in enumerate(zip(titles, choices, strict=True)):
        arm = [v.artwork_id for v in snapshot.artworks[title_id]].index(choice.variant.artwork_id)
        assert choice.propensity == pytest.approx(expected[i][arm], abs=1e-12)


def test_a_second_learning_pass_skips_while_one_is_running(world):
    """Two overlapping passes would fold the same impressions twice; the second must skip (PostgreSQL)."""
    log(world["fans"][0], world["romances"][0], "romance", clicked=True)
    with advisory_lock_held(locks.ARTWORK_LEARNING):  # another worker, in the middle of its pass
        skipped = bandit_learn(lag=timedelta(0))
    assert skipped.skipped and not BanditSnapshot.objects.exists()
    assert bandit_learn(lag=timedelta(0)).impressions == 1  # once it is done, the next pass folds them
