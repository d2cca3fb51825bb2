"""The REST API: the same homepage service as the site, for other clients."""

from __future__ import annotations

from dataclasses import replace

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Title
from personalization.api.serializers import (
    EventInput,
    EventOutput,
    HomepageQuery,
    PageOutput,
    ProfileOutput,
    RowOutput,
    TitleOutput,
)
from personalization.http import profile_for_request, request_account, viewing_context
from personalization.services.events import event_submit
from personalization.services.homepage import homepage_build, homepage_row


class ProfileListApi(generics.ListAPIView):
    """Profiles of your account (signed in) or the demo account's sample viewers."""

    serializer_class = ProfileOutput

    def get_queryset(self):
        profiles = request_account(self.request).profiles.order_by("-is_featured", "featured_order", "id")
        featured = self.request.query_params.get("featured")
        return profiles.filter(is_featured=True) if featured in ("1", "true") else profiles


class HomepageApi(APIView):
    """Build a homepage for a profile: the first rows filled, the rest lazy (fetch them by index)."""

    @extend_schema(parameters=[HomepageQuery], responses=PageOutput)
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
    @extend_schema(responses=RowOutput)
    def get(self, request: Request, pk: int, page_view_id: str, index: int) -> Response:
        profile = profile_for_request(request, pk)
        row = homepage_row(profile=profile, page_view_id=page_view_id, index=index)
        return Response(RowOutput(row).data)


class TitleDetailApi(generics.RetrieveAPIView):
    serializer_class = TitleOutput
    queryset = Title.objects.available().prefetch_related("genres")


class EventCreateApi(APIView):
    """Record what the viewer did with a card. Invalid input is refused with 400 and writes nothing."""

    @extend_schema(request=EventInput, responses={201: EventOutput})
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
