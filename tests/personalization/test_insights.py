"""The staff-only artwork insights pages."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from personalization.charts import svg_lines
from personalization.models import Event, ImpressionDaily, SimulationReport
from personalization.services.impressions import ShownCard, impressions_ingest, impressions_mark_seen
from tests.factories import impression_batch_for, make_profile, make_title, rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def title():
    title = make_title("Love in Paris", genres=["Romance"], themes=("romance", "action", "ensemble cast"))
    fan = make_profile("Rosa")
    for i in range(6):
        rate(fan, make_title(f"Romance {i}", genres=["Romance"], themes=("romance", "drama", "comedy")), 5.0)
    rate(fan, title, 4.5)
    return title


def shown(title, theme: str, *, n: int, clicks: int, policy: str = "thompson", unseen: int = 3) -> None:
    """n seen impressions of the variant, `clicks` of them clicked, and `unseen` more served but never on
    screen (which no take rate counts)."""
    profile = make_profile("Viewer")
    artwork = title.artworks.get(theme=theme)
    cards = [ShownCard(uuid.uuid4(), title.pk, artwork.pk, theme, 0, i, 0.5) for i in range(n + unseen)]
    impressions_ingest([impression_batch_for(cards, profile_id=profile.pk, policy=policy)])
    impressions_mark_seen([card.impression_id for card in cards[:n]])
    for card in cards[:clicks]:
        Event.objects.create(profile=profile, title=title, kind="click", impression_id=card.impression_id)


def test_staff_see_variant_counts_take_rates_and_selection_by_segment(admin_client, title):
    shown(title, "romance", n=40, clicks=10)
    shown(title, "action", n=20, clicks=1, policy="uniform")
    ImpressionDaily.objects.create(
        day=timezone.localdate(),
        title=title,
        artwork=title.artworks.get(theme="action"),
        theme="action",
        policy="uniform",
        device="tv",
        impressions=30,
        clicks=2,
    )

    response = admin_client.get(reverse("personalization:insights_title", args=[title.pk]))

    assert response.status_code == 200
    stats = {row.artwork.theme: (row.impressions, row.clicks) for row in response.context["stats"]}
    assert stats == {"romance": (40, 10), "action": (50, 3), "ensemble cast": (0, 0)}
    segments = {s.label: s for s in response.context["segments"]}
    assert "Everyone" in segments and "Romance fans" in segments and segments["Romance fans"].viewers == 1
    for segment in segments.values():
        assert sum(segment.shares) == pytest.approx(1.0)
    romance_row = re.search(r"<tr>(?:(?!</tr>).)*?<td>romance.*?</tr>", response.content.decode(), re.S).group(0)
    cells = re.findall(r"<td>([^<]*)</td>", romance_row)
    assert cells[-3:] == ["40", "10", "0.250"]  # impressions, clicks, take rate 10 / 40, in the romance row


def test_the_overview_charts_the_bandit_against_random(admin_client, title):
    shown(title, "romance", n=50, clicks=10)
    shown(title, "action", n=50, clicks=2, policy="uniform")
    SimulationReport.objects.create(
        sessions=10,
        seed=1,
        summary={"ctr_bandit": 0.1, "ctr_random": 0.05, "ctr_oracle": 0.11, "oracle_lift_share": 0.83},
        series={"thompson": [0.08, 0.1], "uniform": [0.05, 0.05], "oracle": [0.11, 0.11]},
    )

    response = admin_client.get(reverse("personalization:insights"))

    body = response.content.decode()
    assert response.status_code == 200
    live = response.context["live"]
    assert live.impressions == {"thompson": 50, "uniform": 50} and live.clicks == {"thompson": 10, "uniform": 2}
    assert live.series["thompson"] == [0.2] and live.series["uniform"] == [0.04]
    assert body.count("<polyline") == 2 + 3  # live: bandit and random; simulation: three policies
    assert body.count("<circle") == 1 + 1 + 6  # one live hour per policy, two simulated points per policy
    assert "<strong>83%</strong> of the oracle's lift" in body


def test_chart_points_scale_to_the_largest_value_and_skip_gaps():
    chart = svg_lines({"a": [0.0, 0.5, None, 1.0], "b": [0.25]}, width=300, height=110)

    # x spreads 4 slots over 300 units; the largest value sits a tenth below the top (headroom).
    assert chart["lines"]["a"]["dots"] == [(0.0, 110.0), (100.0, 60.0), (300.0, 10.0)]
    assert chart["lines"]["a"]["points"] == "0.0,110.0 100.0,60.0 300.0,10.0"
    assert chart["lines"]["b"]["dots"] == [(0.0, 85.0)]
    assert [label for _, label in chart["ticks"]] == ["0.0%", "33.3%", "66.7%", "100.0%"]


@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_insights_are_for_staff_only(client, title, who):
    if who == "viewer":
        client.force_login(User.objects.create_user("viewer", password="pw-123456"))
    for url in (reverse("personalization:insights"), reverse("personalization:insights_title", args=[title.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_approved_frames_are_compared_with_the_generated_artwork_once_served(admin_client, title):
    from catalog.models import Artwork

    title.artworks.create(theme="character close-up", source=Artwork.Source.FRAME)
    url = reverse("personalization:insights_title", args=[title.pk])
    assert admin_client.get(url).context["by_source"] == []  # nothing served yet: nothing to compare

    shown(title, "romance", n=40, clicks=4)
    shown(title, "action", n=10, clicks=0)
    shown(title, "character close-up", n=30, clicks=6)
    response = admin_client.get(url)

    rows = {row.source: (row.variants, row.impressions, row.clicks) for row in response.context["by_source"]}
    assert rows == {"generated": (3, 50, 4), "frame": (1, 30, 6)}
    body = response.content.decode()
    assert "Video frames against generated artwork" in body
    assert "Frame from a video" in body
    assert re.search(r"<td>Frame from a video</td><td>1</td><td>30</td><td>6</td>\s*<td>0\.200</td>", body)


def test_the_simulations_peers_are_charted_and_tabled_too(admin_client, title):
    SimulationReport.objects.create(
        sessions=10,
        seed=1,
        summary={"ctr_bandit": 0.1, "ctr_random": 0.05, "ctr_oracle": 0.11, "oracle_lift_share": 0.83},
        series={"thompson": [0.08, 0.1], "uniform": [0.05, 0.05], "oracle": [0.11, 0.11], "vw": [0.07, 0.09],
                "lints": [0.06, 0.08], "newcomer": [0.05, 0.06]},
    )  # fmt: skip
    response = admin_client.get(reverse("personalization:insights"))
    body = response.content.decode()
    assert body.count("<polyline") == 6  # every policy replayed has a line, a peer unknown to the page too
    policies = {row["policy"]: row for row in response.context["report_policies"]}
    assert set(policies) == {"thompson", "uniform", "oracle", "vw", "lints", "newcomer"}
    assert policies["vw"]["mean"] == pytest.approx(0.08) and policies["vw"]["last"] == pytest.approx(0.09)


def test_the_bandits_belief_per_theme_is_its_posterior_with_a_credible_interval(admin_client, title, settings):
    """Checked against a brute-force posterior: theta = A^-1 b, sd = noise * sqrt(x' A^-1 x)."""
    from datetime import timedelta

    import numpy as np

    from catalog.themes import ALL_THEMES, THEME_INDEX
    from personalization.bandit import BanditState, FeatureSpace
    from personalization.bandit.model import publish
    from personalization.context import DAYPARTS, DEVICES
    from personalization.models import BanditSnapshot
    from personalization.selectors.serving import published_bandit_forget
    from personalization.services.artwork import bandit_learn

    settings.STREAMFLIX_BANDIT_REWARD = "click"
    shown(title, "romance", n=60, clicks=20)
    shown(title, "action", n=60, clicks=1)
    bandit_learn(lag=timedelta(0))
    published_bandit_forget()

    response = admin_client.get(reverse("personalization:insights") + "?daypart=night&device=tv")

    beliefs = {b.theme: b for b in response.context["beliefs"]}
    assert set(beliefs) == set(ALL_THEMES)
    state = BanditState.from_bytes(bytes(BanditSnapshot.objects.get().state))
    theta = np.linalg.solve(state.precision, state.moment)
    covariance = np.linalg.inv(state.precision)
    noise = publish(state).noise
    space = FeatureSpace(len(ALL_THEMES), layout=2)
    assert state.layout == 2
    for theme in ("romance", "action", "ensemble cast"):
        k = THEME_INDEX[theme]
        for lean, mean, low in ((0.0, "mean", "low"), (1.0, "fan_mean", "fan_low")):
            x = space.features(np.full(len(ALL_THEMES), lean), np.array([k]), DAYPARTS.index("night"),
                               DEVICES.index("tv"))[0]  # fmt: skip
            expected = float(x @ theta)
            sd = noise * float(np.sqrt(x @ covariance @ x))
            assert getattr(beliefs[theme], mean) == pytest.approx(expected, abs=1e-9)
            assert getattr(beliefs[theme], low) == pytest.approx(expected - 1.645 * sd, abs=1e-9)
    assert beliefs["romance"].mean > beliefs["action"].mean  # it learned which art gets clicked
    # Evidence narrows the interval: the shown themes are surer than one never shown.
    width = {t: beliefs[t].high - beliefs[t].low for t in ("romance", "comedy")}
    assert width["romance"] < width["comedy"]
    body = response.content.decode()
    assert "Rewarded for <strong>click</strong>" in body and "No simulated warm-up" in body
    assert "No learned row model yet" in body
