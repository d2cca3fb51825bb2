"""The one public catalog endpoint: artwork renditions, drawn on first request."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from catalog.models import Artwork, Title
from catalog.services import RENDITION_SIZES, artwork_rendition_ensure, title_default_art_ensure

RENDITION_MAX_AGE = 24 * 3600


@require_GET
def artwork_rendition(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    """Serve a card or hero image, drawing it first if nobody has asked for it before.

    Once drawn, pages link to the file under MEDIA_URL directly; this view only serves the
    first request (and pages built from a snapshot taken before the file existed).
    """
    if kind not in RENDITION_SIZES:
        raise Http404("Unknown rendition.")
    artwork = get_object_or_404(Artwork.objects.select_related("title"), pk=pk)
    name = artwork_rendition_ensure(artwork=artwork, kind=kind)
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = f"public, max-age={RENDITION_MAX_AGE}"
    return response


@require_GET
def title_default_art(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    """The generated default card or billboard of a title none of whose artwork is in service."""
    if kind not in RENDITION_SIZES:
        raise Http404("Unknown rendition.")
    title = get_object_or_404(Title.objects.available(), pk=pk)
    name = title_default_art_ensure(title=title, kind=kind)
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = f"public, max-age={RENDITION_MAX_AGE}"
    return response
