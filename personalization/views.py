"""Viewer-facing pages: the profile picker, the homepage and its htmx fragments."""

from __future__ import annotations

import csv
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Title, default_art_url
from personalization.charts import svg_lines
from personalization.context import DAYPARTS, DEVICES
from personalization.http import (
    SESSION_DAYPART,
    SESSION_DEVICE,
    SESSION_PROFILE,
    ProfileRequired,
    own_account,
    profile_for_request,
    viewing_context,
)
from personalization.models import Account, Engagement, Event, Experiment, Profile, SimulationReport
from personalization.selectors.insights import (
    bandit_beliefs,
    bandit_summary,
    live_ctr_by_hour,
    row_effects,
    selection_by_segment,
    stats_by_source,
    variant_stats,
)
from personalization.selectors.viewers import sample_viewers_search, taste_named
from personalization.services.events import event_submit, impressions_seen_submit, onboarding_complete
from personalization.services.experiments import experiment_analyse_enqueue
from personalization.services.homepage import FIRST_SCREEN_ROWS, homepage_build, homepage_row, homepage_rows_between
from personalization.services.profiles import profile_create
from personalization.services.titles import title_look, title_more_like_this
from streamflix.errors import ApplicationError, Conflict, Gone, InvalidInput, NotFound, clip
from streamflix.ratelimit import client_address, rate_limit

BROWSE_PAGE_SIZE = 48
# What the modal's buttons may do, with what the viewer is told afterwards.
TITLE_ACTIONS = {
    Event.Kind.PLAY: "Enjoy the show: it is in Continue Watching now.",
    Event.Kind.LIST_ADD: "Added to My List.",
    Event.Kind.LIST_REMOVE: "Removed from My List.",
    Event.Kind.THUMB_UP: "Thanks: we'll recommend more like this.",
    Event.Kind.THUMB_DOWN: "Got it: we'll show you less like this.",
    Event.Kind.THUMB_CLEAR: "Rating removed.",
}


@require_GET
def profile_picker(request: HttpRequest) -> HttpResponse:
    """The featured sample viewers, and the visitor's own profiles (a signed-in user's, staff too)."""
    own = own_account(request)
    demo = Account.objects.demo()
    profiles = list(demo.profiles.featured()) + (list(own.profiles.order_by("id")) if own else [])
    return render(
        request,
        "personalization/picker.html",
        {"own": own, "profiles": profiles, "sample_count": demo.profiles.count()},
    )


@require_GET
def profile_browse(request: HttpRequest) -> HttpResponse:
    """Every sample viewer, searchable by name, number or taste."""
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(sample_viewers_search(query), BROWSE_PAGE_SIZE).get_page(request.GET.get("page"))
    template = "personalization/partials/profile_grid.html" if request.htmx else "personalization/browse.html"
    return render(request, template, {"page": page, "query": query, "taste": taste_named(query) if query else None})


@require_POST
def profile_select(request: HttpRequest, pk: int) -> HttpResponse:
    profile = profile_for_request(request, pk)
    request.session[SESSION_PROFILE] = profile.pk
    return redirect("personalization:home")


@require_POST
def profile_new(request: HttpRequest) -> HttpResponse:
    """A new profile of the visitor's own (never added to the shared sample viewers)."""
    rate_limit("profile_new", client_address(request), limit=settings.RATE_LIMITS["profiles_per_hour"], per=3600)
    try:
        profile = profile_create(account=own_account(request, create=True), name=request.POST.get("name", ""))
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect("personalization:picker")
    request.session[SESSION_PROFILE] = profile.pk
    return redirect("personalization:home")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    profile = profile_for_request(request)
    page = homepage_build(profile=profile, context=viewing_context(request))
    return render(request, "personalization/home.html", {"page": page, "profile": profile})


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    """Two viewers' first screens side by side, in the tester's viewing context, with the artwork
    themes each was shown. Previews: nothing is logged. Any viewer the visitor may watch as."""
    own = own_account(request)
    choices = list(Account.objects.demo().profiles.featured()) + (list(own.profiles.order_by("id")) if own else [])
    current = request.session.get(SESSION_PROFILE)
    defaults = [p.pk for p in choices if p.pk != current][:2]
    if current is not None:
        defaults = [current, *defaults]
    picked = [request.GET.get(side, "") for side in ("a", "b")]
    ids = [int(v) if _is_id(v) else (defaults[i] if i < len(defaults) else None) for i, v in enumerate(picked)]
    profiles = [profile_for_request(request, profile_id) for profile_id in ids if profile_id is not None]
    context = viewing_context(request)
    sides = [(p, homepage_build(profile=p, context=context, record=False)) for p in profiles]
    return render(
        request,
        "personalization/compare.html",
        {"choices": choices, "sides": sides, "first_screen": FIRST_SCREEN_ROWS, "viewing": context},
    )


@require_GET
def row_fragment(request: HttpRequest, page_view_id: str, index: int) -> HttpResponse:
    row = homepage_row(profile=profile_for_request(request), page_view_id=page_view_id, index=index)
    return render(request, "personalization/partials/row.html", {"row": row, "page_view_id": page_view_id})


@require_GET
def rows_fragment(request: HttpRequest, page_view_id: str, first: int, last: int) -> HttpResponse:
    """Lazy rows `first` to `last` (inclusive) of a page view in one answer: what the page asks for when
    the first of a group of placeholders scrolls into view."""
    profile = profile_for_request(request)
    rows = homepage_rows_between(profile=profile, page_view_id=page_view_id, first=first, last=last)
    return render(request, "personalization/partials/rows.html", {"rows": rows, "page_view_id": page_view_id})


@require_GET
def title_detail(request: HttpRequest, pk: int) -> HttpResponse:
    title = get_object_or_404(Title.objects.available(), pk=pk)
    context = _title_context(request, title, _optional_profile(request))
    if request.htmx:
        return render(request, "personalization/partials/title_modal.html", context)
    return render(request, "personalization/title_page.html", context)


@require_POST
def title_open(request: HttpRequest, pk: int) -> HttpResponse:
    """A card was clicked: record the click on its impression, then show the detail modal.

    Opening the same card again (the click is already recorded) or a card of an expired page still
    opens the modal; it just records nothing.
    """
    profile, event, _ = _submit_event(request, pk, Event.Kind.CLICK)
    title = event.title if event else get_object_or_404(Title.objects.available(), pk=pk)
    context = {**_title_context(request, title, profile), "impression": request.POST.get("impression", "")}
    return render(request, "personalization/partials/title_modal.html", context)


@require_POST
def impressions_seen(request: HttpRequest, pk: int) -> HttpResponse:
    """The page's seen report (navigator.sendBeacon): form field `report` holds the API's JSON document,
    {"cards": [{"impression": token, "title": id}, ...]}, next to the CSRF token a beacon cannot send as
    a header. The same rules as POST /api/profiles/<pk>/seen/."""
    profile = profile_for_request(request, pk)
    rate_limit("seen", client_address(request), limit=settings.RATE_LIMITS["seen_reports_per_minute"], per=60)
    try:
        report = json.loads(request.POST.get("report", ""))
    except (ValueError, RecursionError):  # RecursionError: nested deep enough to exhaust the decoder's stack
        raise InvalidInput('The seen report is not JSON: send {"cards": [...]}.', code="bad_report") from None
    cards = report.get("cards") if isinstance(report, dict) else None
    result = impressions_seen_submit(profile=profile, cards=cards)
    return JsonResponse(result.as_dict())


def _thumbs_down_hides(response: HttpResponse, title_id: int) -> HttpResponse:
    """Tell the page (htmx's HX-Trigger) to take the title's cards away at once."""
    response["HX-Trigger"] = json.dumps({"streamflix:title-hidden": {"title": title_id}})
    return response


@require_POST
def title_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Play, My List and thumbs from the detail modal; answers with the refreshed action bar."""
    action = request.POST.get("action", "")
    if action not in TITLE_ACTIONS:
        raise InvalidInput(f"Unknown action {clip(action)!r}; use one of {', '.join(TITLE_ACTIONS)}.")
    profile, event, refused = _submit_event(request, pk, action)
    title = event.title if event else get_object_or_404(Title.objects.available(), pk=pk)
    context = {
        **_title_context(request, title, profile),
        "feedback": refused.message if refused else TITLE_ACTIONS[action],
        "impression": request.POST.get("impression", ""),
    }
    if request.htmx:
        response = render(request, "personalization/partials/title_actions.html", context)
        return _thumbs_down_hides(response, title.pk) if action == Event.Kind.THUMB_DOWN and not refused else response
    (messages.warning if refused else messages.success)(request, context["feedback"])  # a form posted without htmx
    return redirect("personalization:title_detail", pk=title.pk)


def _submit_event(
    request: HttpRequest, title_id: int, kind: str
) -> tuple[Profile, Event | None, ApplicationError | None]:
    """Record the session profile's event. Bad input raises (and writes nothing); a replay or an
    expired card is returned, recorded nothing, for the page to say so (the API answers 409/410)."""
    profile = profile_for_request(request)
    rate_limit("event", client_address(request), limit=settings.RATE_LIMITS["events_per_minute"], per=60)
    try:
        event = event_submit(
            profile=profile, title_id=title_id, kind=kind, impression=request.POST.get("impression", "")
        )
    except (Conflict, Gone) as refused:
        return profile, None, refused
    return profile, event, None


def _optional_profile(request: HttpRequest) -> Profile | None:
    """A title's page works without a profile (a shared link); with one it shows their standing."""
    try:
        return profile_for_request(request)
    except ProfileRequired:
        return None


def _title_context(request: HttpRequest, title: Title, profile: Profile | None) -> dict:
    asked = request.GET.get("artwork", "")
    wanted = int(asked) if _is_id(asked) else None
    look = title_look(title_id=title.pk, artwork_id=wanted)
    if look is None:  # a title newer than this process's catalog snapshot
        artworks = title.artworks.active()
        artwork = (artworks.filter(pk=wanted).first() if wanted is not None else None) or artworks.first()
        genres = [genre.name for genre in title.genres.all()]
    else:
        artwork, genres = look.artwork, look.genres
    engagement = Engagement.objects.filter(profile=profile, title=title).first() if profile else None
    return {
        "title": title,
        "genres": genres,
        "artwork": artwork,
        "hero_url": artwork.hero_url if artwork else default_art_url(title.pk, "hero"),
        "profile": profile,
        "engagement": engagement,
        "title_action_url": reverse("personalization:title_action", args=[title.pk]),
        "more_like_this": title_more_like_this(title_id=title.pk),
    }


@require_POST
def onboarding(request: HttpRequest) -> HttpResponse:
    """A new viewer's three (or more) favourites: their rows change on the very next page."""
    profile = profile_for_request(request)
    picked = [int(v) for v in request.POST.getlist("title") if _is_id(v)]
    try:
        count = onboarding_complete(profile=profile, title_ids=picked)
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Thanks! Your rows now start from your {count} picks.")
    return redirect("personalization:home")


@require_POST
def context_override(request: HttpRequest) -> HttpResponse:
    """Testers force the device or time of day to watch the rows reorder."""
    device = request.POST.get("device", "")
    daypart = request.POST.get("daypart", "")
    if (device and device not in DEVICES) or (daypart and daypart not in DAYPARTS):
        raise InvalidInput(f"device must be one of {', '.join(DEVICES)} and daypart one of {', '.join(DAYPARTS)}.")
    request.session[SESSION_DEVICE] = device
    request.session[SESSION_DAYPART] = daypart
    return redirect("personalization:home")


# Staff insights ----------------------------------------------------------------------------

POLICY_COLOURS = {
    "thompson": "#46d369",
    "uniform": "#e5e5e5",
    "editorial": "#f5b50a",
    "oracle": "#2f80ed",
    "theme_oracle": "#56ccf2",
    "vw": "#e50914",
    "lints": "#9b51e0",
}
SPARE_COLOURS = ("#00b3a4", "#f2994a", "#eb5757", "#56ccf2")


def _colours(*names: str) -> dict[str, str]:
    """A colour for every policy charted: the known ones, then spares for any other (a peer)."""
    colours = dict(POLICY_COLOURS)
    spare = iter(SPARE_COLOURS * 4)
    for name in names:
        colours.setdefault(name, next(spare, "#999999"))
    return colours


def _simulation_policies(report: SimulationReport | None) -> list[dict]:
    """Per policy of the last simulation: impressions-weighted mean CTR over its windows and its last window."""
    if report is None:
        return []
    rows = []
    for name, values in report.series.items():
        points = [v for v in values if v is not None]
        rows.append(
            {
                "policy": name,
                "windows": len(points),
                "mean": sum(points) / len(points) if points else None,
                "last": points[-1] if points else None,
            }
        )
    return rows


@staff_member_required
@require_GET
def insights(request: HttpRequest) -> HttpResponse:
    """How the artwork bandit does: its live CTR against the random control (people's seen impressions), what
    it believes of each theme with its uncertainty, what it learned from (the warm-up's simulated sessions
    apart), what the row order learned, the last simulation's per-policy curves, and per title, per variant."""
    query = request.GET.get("q", "").strip()
    titles = Title.objects.available().by_popularity()
    titles = titles.filter(name__icontains=query) if query else titles
    live = live_ctr_by_hour()
    report = SimulationReport.objects.first()
    daypart = request.GET.get("daypart") if request.GET.get("daypart") in DAYPARTS else "evening"
    device = request.GET.get("device") if request.GET.get("device") in DEVICES else "desktop"
    bandit = bandit_summary()
    return render(
        request,
        "personalization/insights.html",
        {
            "query": query,
            "titles": titles[:24],
            "live": live,
            "live_chart": svg_lines(live.series),
            "live_axis": f"{live.labels[0]} → {live.labels[-1]}" if live.labels else "",
            "report": report,
            "report_chart": svg_lines(report.series) if report else None,
            "report_policies": _simulation_policies(report),
            "colours": _colours(*live.series, *(report.series if report else ())),
            "bandit": bandit,
            "warm_up": bandit["warm_up"],
            "beliefs": bandit_beliefs(daypart=daypart, device=device),
            "belief_context": {"daypart": daypart, "device": device},
            "dayparts": DAYPARTS,
            "devices": DEVICES,
            "row_model": row_effects(daypart=daypart, device=device),
        },
    )


@staff_member_required
@require_GET
def insights_title(request: HttpRequest, pk: int) -> HttpResponse:
    title = get_object_or_404(Title, pk=pk)
    stats = variant_stats(title)
    active = [s.artwork for s in stats if s.artwork.is_active]
    return render(
        request,
        "personalization/insights_title.html",
        {
            "title": title,
            "stats": stats,
            "by_source": stats_by_source(stats),
            "segments": selection_by_segment(title),
            "active": active,
        },
    )


def _is_id(value: str) -> bool:
    """An ASCII decimal id ("²".isdigit() is True, and int("²") fails)."""
    return value.isascii() and value.isdigit() and len(value) < 19


# Experiments (staff) ---------------------------------------------------------------------------


@staff_member_required
@require_GET
def experiments(request: HttpRequest) -> HttpResponse:
    """Every experiment, newest first, with its latest result's headline."""
    rows = []
    for experiment in Experiment.objects.all():
        latest = experiment.results.first()
        rows.append((experiment, latest.report.get("fixed") if latest else None))
    return render(request, "personalization/experiments.html", {"rows": rows})


@staff_member_required
@require_GET
def experiment(request: HttpRequest, name: str) -> HttpResponse:
    """One experiment's results as last computed (hourly, or on demand), in either mode."""
    found = get_object_or_404(Experiment, name=name)
    latest = found.results.first()
    mode = "sequential" if request.GET.get("mode") == "sequential" else "fixed"
    report = latest.report.get(mode) if latest else None
    return render(
        request,
        "personalization/experiment.html",
        {
            "experiment": found,
            "result": latest,
            "report": report,
            "mode": mode,
            "metric_chart": _styled(svg_lines(report["series"]["metric"])) if report and "series" in report else None,
            "lift_chart": _lift_chart(report) if report and "series" in report else None,
        },
    )


@staff_member_required
@require_POST
def experiment_analyse(request: HttpRequest, name: str) -> HttpResponse:
    found = get_object_or_404(Experiment, name=name)
    experiment_analyse_enqueue(experiment=found)
    messages.success(request, "The analysis is being computed: reload in a moment.")
    return redirect("personalization:experiment", name=name)


@staff_member_required
@require_GET
def experiment_csv(request: HttpRequest, name: str) -> HttpResponse:
    """The results table of the latest computation as CSV."""
    found = get_object_or_404(Experiment, name=name)
    latest = found.results.first()
    if latest is None:
        raise NotFound(f"{name} has no results yet; compute them on its page first.")
    report = latest.report["sequential" if request.GET.get("mode") == "sequential" else "fixed"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-results.csv"'
    writer = csv.writer(response)
    columns = [c for c in CSV_COLUMNS if any(c in v for v in report.get("variants", []))]
    writer.writerow(columns)
    for variant in report.get("variants", []):
        writer.writerow([variant.get(c) for c in columns])
    return response


CSV_COLUMNS = [
    "name", "control", "weight", "profiles", "page_views", "impressions", "clicks", "plays", "ctr", "ctr_ci_low",
    "ctr_ci_high", "play_rate", "play_rate_ci_low", "play_rate_ci_high", "metric", "metric_ci_low", "metric_ci_high",
    "lift", "lift_ci_low", "lift_ci_high", "p_value", "prob_best",
]  # fmt: skip
PALETTE = ["#e5e5e5", "#46d369", "#f5b50a", "#2f80ed", "#eb5757", "#9b51e0"]


def _lift_chart(report: dict) -> dict:
    """Each treatment's cumulative lift with its 95% interval (the bounds dashed)."""
    series = {}
    for name, points in report["series"]["cumulative_lift"].items():
        series[name] = [p[0] for p in points]
        series[f"{name} low"] = [p[1] for p in points]
        series[f"{name} high"] = [p[2] for p in points]
    return _styled(svg_lines(series), offset=1)


def _styled(chart: dict, offset: int = 0) -> dict:
    """A colour per series (bounds share their estimate's, dashed), for the template to draw."""
    colours: dict[str, str] = {}
    for name, line in chart["lines"].items():
        base = name.rsplit(" ", 1)[0] if name.endswith((" low", " high")) else name
        colours.setdefault(base, PALETTE[(len(colours) + offset) % len(PALETTE)])
        line["colour"], line["dashed"] = colours[base], base != name
    return chart
