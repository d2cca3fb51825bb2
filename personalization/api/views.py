"""The REST API: the same services as the site, for other clients (a TV, a phone).

Reading (profiles, homepages, titles) is open, throttled per client; writing (events, new profiles)
needs a signed-in client: a token from POST /api/auth/token/, or the site's session with its CSRF
token. Errors are JSON: {"detail": message, "code": code} with the status (streamflix.error_handlers).
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from catalog.models import Title
from personalization.api.serializers import (
    ErrorOutput,
    EventBatchInput,
    EventBatchOutput,
    EventInput,
    EventOutput,
    HomepageQuery,
    PageOutput,
    ProfileInput,
    ProfileOutput,
    RowOutput,
    RowsOutput,
    SeenInput,
    SeenOutput,
    TitleOutput,
    TokenOutput,
)
from personalization.http import own_account, own_account_id, profile_for_request, viewing_context
from personalization.selectors.viewers import visible_profiles
from personalization.services.events import ClientEvent, event_batch_submit, event_submit, impressions_seen_submit
from personalization.services.homepage import homepage_build, homepage_row, homepage_rows_between
from personalization.services.profiles import profile_create

ERRORS = {400: ErrorOutput, 401: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput, 429: ErrorOutput}


class ProfileListApi(generics.ListCreateAPIView):
    """GET: your own profiles, then the sample viewers (`?featured=1`: the picker's six).
    POST (signed in): a new profile in your household."""

    serializer_class = ProfileOutput

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else super().get_permissions()

    def get_throttles(self):
        self.throttle_scope = "profiles" if self.request.method == "POST" else None
        return super().get_throttles()

    def get_queryset(self):
        profiles = visible_profiles(own_account_id=own_account_id(self.request)).order_by(
            "account__is_demo", "-is_featured", "featured_order", "id"
        )
        featured = self.request.query_params.get("featured")
        return profiles.filter(is_featured=True) if featured in ("1", "true") else profiles

    @extend_schema(
        parameters=[OpenApiParameter("featured", bool, description="Only the picker's featured sample viewers.")],
        responses={200: ProfileOutput(many=True), **ERRORS},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ProfileInput, responses={201: ProfileOutput, **ERRORS})
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = ProfileInput(data=request.data)
        data.is_valid(raise_exception=True)
        profile = profile_create(account=own_account(request, create=True), name=data.validated_data["name"])
        return Response(ProfileOutput(profile).data, status=status.HTTP_201_CREATED)


class HomepageApi(APIView):
    """Build a homepage for a profile: the first rows filled, the rest lazy (fetch them by index)."""

    @extend_schema(parameters=[HomepageQuery], responses={200: PageOutput, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        profile = profile_for_request(request, pk)
        query = HomepageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        detected = viewing_context(request)
        context = replace(
            detected, **query.validated_data, overridden=detected.overridden or bool(query.validated_data)
        )
        page = homepage_build(profile=profile, context=context)
        return Response(PageOutput(page).data)


class HomepageRowApi(APIView):
    """One lazy row of a homepage built earlier (410 once the page view has expired: build a new one)."""

    @extend_schema(responses={200: RowOutput, 410: ErrorOutput, **ERRORS})
    def get(self, request: Request, pk: int, page_view_id: str, index: int) -> Response:
        profile = profile_for_request(request, pk)
        row = homepage_row(profile=profile, page_view_id=page_view_id, index=index)
        return Response(RowOutput(row).data)


class HomepageRowsApi(APIView):
    """Lazy rows `first` to `last` (inclusive, at most ten) of a homepage built earlier, in one answer: what
    a client scrolling fast (a TV's page-down) asks for. Each row's impressions are logged once, as with
    the single-row endpoint (410 once the page view has expired)."""

    @extend_schema(responses={200: RowsOutput, 410: ErrorOutput, **ERRORS})
    def get(self, request: Request, pk: int, page_view_id: str, first: int, last: int) -> Response:
        profile = profile_for_request(request, pk)
        rows = homepage_rows_between(profile=profile, page_view_id=page_view_id, first=first, last=last)
        return Response(RowsOutput({"rows": rows}).data)


class TitleListApi(generics.ListAPIView):
    """The catalogue, most watched first: `?search=` in the name, `?genre=` by name, paginated."""

    serializer_class = TitleOutput

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Part of the title's name."),
            OpenApiParameter("genre", str, description="A genre name, e.g. Comedy."),
        ],
        responses={200: TitleOutput(many=True), **ERRORS},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        titles = Title.objects.available().by_popularity().prefetch_related("genres")
        search = self.request.query_params.get("search", "").strip()[:100]
        if search:
            titles = titles.filter(Q(name__icontains=search))
        genre = self.request.query_params.get("genre", "").strip()[:40]
        if genre:
            titles = titles.filter(genres__name__iexact=genre)
        return titles


class TitleDetailApi(generics.RetrieveAPIView):
    serializer_class = TitleOutput
    queryset = Title.objects.available().prefetch_related("genres")

    @extend_schema(responses={200: TitleOutput, **ERRORS})
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class EventCreateApi(APIView):
    """Record what the viewer did with a card (signed in). Invalid input is refused and writes nothing;
    a click or play already recorded for that card answers 409, a card of an expired page 410."""

    permission_classes = [IsAuthenticated]
    throttle_scope = "events"

    @extend_schema(request=EventInput, responses={201: EventOutput, 409: ErrorOutput, 410: ErrorOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        profile = profile_for_request(request, pk)
        data = EventInput(data=request.data)
        data.is_valid(raise_exception=True)
        event = event_submit(
            profile=profile,
            title_id=data.validated_data["title"],
            kind=data.validated_data["type"],
            impression=data.validated_data["impression"],
        )
        return Response(EventOutput(event).data, status=status.HTTP_201_CREATED)


class EventBatchApi(APIView):
    """Record several events at once (signed in), in the order they happened: what a client queued while
    offline, or sends together. Recorded exactly as the events one by one would be, in one transaction.
    One invalid event refuses the whole batch (400, or 410 for a card of an expired page; the message
    says which event) and nothing is written; a click or play already recorded for its card is not an
    error here: its result says "duplicate" and it changed nothing."""

    permission_classes = [IsAuthenticated]
    throttle_scope = "events"

    @extend_schema(request=EventBatchInput, responses={200: EventBatchOutput, 410: ErrorOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        profile = profile_for_request(request, pk)
        data = EventBatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = event_batch_submit(
            profile=profile,
            events=[ClientEvent(e["type"], e["title"], e["impression"]) for e in data.validated_data["events"]],
        )
        return Response(
            EventBatchOutput(
                {
                    "recorded": result.recorded,
                    "duplicates": result.duplicates,
                    "results": [
                        {"status": "recorded" if event else "duplicate", "event": event} for event in result.events
                    ],
                }
            ).data
        )


class SeenApi(APIView):
    """Report the cards that were on the viewer's screen (at least half visible for at least a second),
    in batches, by their impression tokens: only seen cards count as impressions (CTR, experiments, the
    bandit's learning). A card never reported stays "served, not seen". One token that was not issued to
    this profile for that title refuses the whole report (400, nothing written); a card of an expired
    page answers 410; a replayed report changes nothing (200, counted as already seen)."""

    permission_classes = [IsAuthenticated]
    throttle_scope = "seen"

    @extend_schema(request=SeenInput, responses={200: SeenOutput, 410: ErrorOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        profile = profile_for_request(request, pk)
        data = SeenInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = impressions_seen_submit(profile=profile, cards=[dict(card) for card in data.validated_data["cards"]])
        return Response(SeenOutput(result.as_dict()).data)


class TokenApi(ObtainAuthToken):
    """Trade a username and password for the API token that signs a client's requests
    (`Authorization: Token <key>`); attempts are throttled per client."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(responses={200: TokenOutput, 400: ErrorOutput, 429: ErrorOutput})
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)
