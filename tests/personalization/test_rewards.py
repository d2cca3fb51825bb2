"""The bandit's reward (STREAMFLIX_BANDIT_REWARD = click | play | quality_play, default play): each seen
impression's reward counted once however often its event is sent, late events folded when they
arrive, the quality play derived from the demo's Play progress. The learned statistics are checked
against a brute-force refit (A = lambda I + X'X, b = X'r) of the same log."""

from __future__ import annotations

import uuid
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from catalog.themes import ALL_THEMES, THEME_INDEX
from personalization.bandit import BanditState, FeatureSpace
from personalization.bandit.variants import ArmModel
from personalization.context import DAYPARTS, DEVICES
from personalization.models import BanditSnapshot, Engagement, Event, Impression, PageView
from personalization.selectors.serving import (
    bandit_params,
    published_bandit,
    published_bandit_forget,
    saved_variant_stats,
)
from personalization.services import artwork as artwork_service
from personalization.services.artwork import bandit_learn
from personalization.services.events import event_submit, impression_token
from personalization.services.impressions import ShownCard, impressions_ingest, impressions_mark_seen
from personalization.services.rewards import QUALITY_PLAY_WINDOW, reward_event_kind, reward_name
from streamflix.errors import Conflict
from tests.factories import impression_batch_for, make_profile, make_title, rate

pytestmark = pytest.mark.django_db

THEMES = ("action", "romance", "ensemble cast")


@pytest.fixture
def world():
    titles = [make_title(f"Love {i}", genres=["Romance"], themes=THEMES, rating_count=50) for i in range(6)]
    viewer = make_profile("Fan")
    for title in titles[:4]:
        rate(viewer, title, 5.0)
    return {"titles": titles, "viewer": viewer}


def show(viewer, title, theme: str) -> str:
    """One seen card of `title` in `theme` art; returns its impression token."""
    card = ShownCard(uuid.uuid4(), title.pk, title.artworks.get(theme=theme).pk, theme, 0, 0, 1 / 3)
    taste = artwork_service._tastes({viewer.pk})[viewer.pk]  # what the page's chooser saw, logged with it
    impressions_ingest([impression_batch_for([card], profile_id=viewer.pk, policy="uniform", taste=taste)])
    impressions_mark_seen([card.impression_id])
    return impression_token(impression_id=card.impression_id, profile_id=viewer.pk, title_id=title.pk)


def send(viewer, title, kind: str, token: str = "") -> bool:
    """The client's event; False when it was a replay (refused, nothing written)."""
    try:
        event_submit(profile=viewer, title_id=title.pk, kind=kind, impression=token)
    except Conflict:
        return False
    return True


def refit(reward: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Brute force from the log, per stage: (A, b) = (prior + X'X, X'r) of the click stage over every seen
    themed impression (with the taste its page view logged), and for a play or quality-play reward the
    P(reward | click) stage over the clicked ones (a click event, or the reward itself when no click came)."""
    rows = list(
        Impression.objects.filter(seen_at__isnull=False)
        .exclude(theme="")
        .order_by("id")
        .values_list("id", "page_view_id", "theme", "daypart", "device")
    )
    logged = {
        page_view.pk: np.frombuffer(bytes(page_view.taste), dtype=np.float16).astype(np.float64)
        for page_view in PageView.objects.all()
    }
    space = FeatureSpace(len(ALL_THEMES), layout=2)  # theme x daypart and theme x device columns last
    X = space.impression_features(
        np.stack([logged[row[1]] for row in rows]),
        np.array([THEME_INDEX[row[2]] for row in rows]),
        np.array([DAYPARTS.index(row[3]) for row in rows]),
        np.array([DEVICES.index(row[4]) for row in rows]),
    )
    prior = np.diag([bandit_params().lambda_] * space.base_d + [3000.0] * (space.d - space.base_d))

    def paid_by(*kinds: str) -> np.ndarray:
        paid = set(Event.objects.filter(kind__in=kinds).values_list("impression_id", flat=True))
        return np.array([row[0] in paid for row in rows])

    if reward == "click":
        return [(prior + X.T @ X, X.T @ paid_by("click"))]
    kind = reward_event_kind(reward)
    clicked, paid = paid_by("click", kind), paid_by(kind)
    Xc = X[clicked]
    return [(prior + X.T @ X, X.T @ clicked), (prior + Xc.T @ Xc, Xc.T @ paid[clicked])]


def learned() -> BanditState:
    return BanditState.from_bytes(bytes(BanditSnapshot.objects.first().state))


def assert_matches_refit(reward: str) -> None:
    snapshot = BanditSnapshot.objects.first()
    stages = [snapshot.state] + ([snapshot.play_state] if snapshot.play_state is not None else [])
    expected = refit(reward)
    assert len(stages) == len(expected)
    for saved, (precision, moment) in zip(stages, expected, strict=True):
        state = BanditState.from_bytes(bytes(saved))
        assert np.allclose(state.precision, precision) and np.allclose(state.moment, moment)


def test_the_default_reward_is_a_play_not_a_click(settings, world):
    assert settings.STREAMFLIX_BANDIT_REWARD == "play" and reward_name() == "play"
    viewer, (clicked_only, played, *_) = world["viewer"], world["titles"]
    a = show(viewer, clicked_only, "action")  # the clickbait card: opened, never played
    b = show(viewer, played, "romance")
    send(viewer, clicked_only, "click", a)
    send(viewer, played, "click", b)
    send(viewer, played, "play", b)

    stats = bandit_learn(lag=timedelta(0))

    assert (stats.impressions, stats.rewards) == (2, 1)
    assert_matches_refit("play")
    assert BanditSnapshot.objects.get().reward == "play"


def test_each_impressions_reward_counts_once_however_often_it_is_sent(world):
    viewer, title = world["viewer"], world["titles"][0]
    token = show(viewer, title, "romance")
    assert send(viewer, title, "play", token)
    bandit_learn(lag=timedelta(0))
    first = learned()

    replays = [send(viewer, title, "play", token) for _ in range(3)]
    again = bandit_learn(lag=timedelta(0))

    assert replays == [False, False, False] and Event.objects.filter(kind="play").count() == 1
    assert (again.impressions, again.rewards) == (0, 0)
    assert np.array_equal(learned().moment, first.moment)
    assert_matches_refit("play")


def test_a_late_reward_is_folded_when_it_arrives_as_if_it_had_come_with_its_impression(world):
    viewer, (first_title, second_title, *_) = world["viewer"], world["titles"]
    early = show(viewer, first_title, "romance")
    late = show(viewer, second_title, "action")
    send(viewer, first_title, "play", early)
    assert (bandit_learn(lag=timedelta(0)).rewards, learned().n_impressions) == (1, 2)

    send(viewer, second_title, "play", late)  # e.g. a play minutes later, after the pass folded the card
    assert bandit_learn(lag=timedelta(0)).rewards == 1

    assert learned().n_impressions == 2  # the card is not counted again, only its reward added
    assert_matches_refit("play")
    assert not Event.objects.filter(kind="play", reward_folded_at__isnull=True).exists()


def test_a_play_after_its_click_was_learned_adds_a_reward_not_a_second_click(world):
    viewer, (opened, *_) = world["viewer"], world["titles"]
    token = show(viewer, opened, "romance")
    send(viewer, opened, "click", token)
    assert bandit_learn(lag=timedelta(0)).rewards == 0  # a click alone: P(click) learns, P(play | click) a miss
    send(viewer, opened, "play", token)

    assert bandit_learn(lag=timedelta(0)).rewards == 1

    assert_matches_refit("play")  # the card is one click and one play, however the events were split
    assert not Event.objects.filter(reward_folded_at__isnull=True).exists()


def test_the_site_chooses_artwork_by_the_chance_of_a_play(world):
    viewer, (title, *_) = world["viewer"], world["titles"]
    send(viewer, title, "play", show(viewer, title, "romance"))
    bandit_learn(lag=timedelta(0))
    published_bandit_forget()

    model = published_bandit()

    assert isinstance(model, ArmModel) and model.play is not None and model.per_variant
    assert model.version == f"b{BanditSnapshot.objects.first().pk}"
    shown = title.artworks.get(theme="romance").pk  # its own offsets: one impression and one play so far
    assert set(model.click_offsets) == set(model.play_offsets) == {shown}


def test_a_quality_play_is_a_play_that_lasts(world):
    viewer, title = world["viewer"], world["titles"][5]
    first = show(viewer, title, "romance")
    second = show(viewer, title, "action")
    send(viewer, title, "play", first)  # 30% watched
    assert not Event.objects.filter(kind="quality_play").exists()

    send(viewer, title, "play", second)  # they came back: 60%, both cards' plays lasted
    assert Engagement.objects.get(profile=viewer, title=title).progress == pytest.approx(0.6)
    quality = Event.objects.filter(kind="quality_play")
    assert {e.impression_id.hex for e in quality} == {first.split(".")[0], second.split(".")[0]}

    send(viewer, title, "play")  # more of it from the title's page: nothing is rewarded twice
    assert quality.count() == 2


def test_a_play_older_than_the_window_is_not_a_quality_play(world):
    viewer, title = world["viewer"], world["titles"][4]
    old = show(viewer, title, "romance")
    send(viewer, title, "play", old)
    Event.objects.filter(kind="play").update(created_at=timezone.now() - QUALITY_PLAY_WINDOW - timedelta(hours=1))
    recent = show(viewer, title, "action")
    send(viewer, title, "play", recent)
    assert [e.impression_id.hex for e in Event.objects.filter(kind="quality_play")] == [recent.split(".")[0]]


def test_optimising_quality_plays_learns_from_them_and_a_reward_change_rebuilds_the_bandit(settings, world):
    viewer, titles = world["viewer"], world["titles"]
    tokens = [show(viewer, title, theme) for title in titles for theme in ("romance", "action")]
    for i, (title, token) in enumerate(zip([t for t in titles for _ in range(2)], tokens, strict=True)):
        send(viewer, title, "click", token)
        if i % 2 == 0:
            send(viewer, title, "play", token)
    send(viewer, titles[0], "play", tokens[1])  # titles[0] reaches 60%: its two cards' plays lasted
    settings.STREAMFLIX_BANDIT_REWARD = "click"
    assert bandit_learn(lag=timedelta(0)).rewards == len(tokens)
    assert_matches_refit("click")

    settings.STREAMFLIX_BANDIT_REWARD = "quality_play"
    stats = bandit_learn(lag=timedelta(0))

    assert stats.rebuilt and stats.rewards == 2 and stats.impressions == len(tokens)
    assert BanditSnapshot.objects.first().reward == "quality_play"
    assert_matches_refit("quality_play")  # from the prior, as if it had always learned quality plays
    assert bandit_learn(lag=timedelta(0)).rewards == 0


def test_an_unknown_reward_is_refused():
    with pytest.raises(ValueError, match="use one of click, play, quality_play"):
        reward_name("watch_time")


def test_each_variants_offsets_are_its_rewards_beyond_the_theme_level_model_it_was_folded_against(world):
    """Per-variant sums (bandit.variants), brute force over two passes: a seen card adds one impression
    and minus the click stage's prediction (the model the pass started from: the prior's 0 in the first
    pass, the first pass's ridge solution in the second); a clicked card adds 1 to its click sum and one
    trial, minus the play stage's prediction, to its play sum; a play adds 1 to its play sum."""
    viewer, titles = world["viewer"], world["titles"]
    first = [(titles[0], "romance", "click+play"), (titles[1], "action", "click"), (titles[2], "romance", "")]
    second = [(titles[0], "romance", ""), (titles[3], "action", "play"), (titles[1], "action", "click")]
    expected_click: dict[int, list[float]] = {}
    expected_play: dict[int, list[float]] = {}

    def pass_over(cards) -> None:
        tokens = [show(viewer, title, theme) for title, theme, _ in cards]
        for (title, _, what), token in zip(cards, tokens, strict=True):
            for kind in filter(None, what.split("+")):
                send(viewer, title, kind, token)
        (click_precision, click_moment), (play_precision, play_moment) = _stages_now()
        theta_click = np.linalg.solve(click_precision, click_moment)
        theta_play = np.linalg.solve(play_precision, play_moment)
        for (title, theme, what), token in zip(cards, tokens, strict=True):
            artwork = title.artworks.get(theme=theme).pk
            x = _features_of(token_impression(token))
            click, play = expected_click.setdefault(artwork, [0.0, 0.0]), expected_play.setdefault(artwork, [0.0, 0.0])
            click[0] += 1
            click[1] -= x @ theta_click
            if what:  # clicked (a click event, or the play itself)
                click[1] += 1
                play[0] += 1
                play[1] -= x @ theta_play
            if "play" in what:
                play[1] += 1
        bandit_learn(lag=timedelta(0))

    pass_over(first)
    pass_over(second)

    snapshot = BanditSnapshot.objects.first()
    click_stats, play_stats = saved_variant_stats(snapshot)
    for stats, expected in ((click_stats, expected_click), (play_stats, expected_play)):
        expected = {a: v for a, v in expected.items() if v[0]}
        assert set(stats.n) == set(expected)
        for artwork, (n, residual) in expected.items():
            assert stats.n[artwork] == pytest.approx(n) and stats.residual[artwork] == pytest.approx(residual)
    # Served: each variant's offset is its residual over (its count + kappa), on top of its theme.
    published_bandit_forget()
    model = published_bandit()
    artwork, (n, residual) = next(iter(expected_click.items()))
    assert model.click_offsets[artwork][0] == pytest.approx(residual / (n + model.click_kappa))


def _stages_now() -> list[tuple[np.ndarray, np.ndarray]]:
    """(precision, moment) of both stages as the latest snapshot saved them (the prior before any pass)."""
    snapshot = BanditSnapshot.objects.first()
    if snapshot is None:
        space = FeatureSpace(len(ALL_THEMES), layout=2)
        prior = np.diag([bandit_params().lambda_] * space.base_d + [3000.0] * (space.d - space.base_d))
        return [(prior, np.zeros(space.d))] * 2
    return [
        (state.precision, state.moment)
        for state in (BanditState.from_bytes(bytes(snapshot.state)), BanditState.from_bytes(bytes(snapshot.play_state)))
    ]


def token_impression(token: str) -> Impression:
    return Impression.objects.get(id=uuid.UUID(hex=token.partition(".")[0]))


def _features_of(impression) -> np.ndarray:
    taste = np.frombuffer(bytes(PageView.objects.get(pk=impression.page_view_id).taste), dtype=np.float16)
    space = FeatureSpace(len(ALL_THEMES), layout=2)
    return space.impression_features(
        taste.astype(np.float64)[None, :],
        np.array([THEME_INDEX[impression.theme]]),
        np.array([DAYPARTS.index(impression.daypart)]),
        np.array([DEVICES.index(impression.device)]),
    )[0]
