from django.conf import settings
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("personalization.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("favicon.ico"))),
    path("", include("catalog.urls")),
    path("", include("personalization.urls")),
]


def media(request, path):
    """Uploaded artwork from our own origin: never sniffed, never a document that runs scripts."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


if settings.SERVE_MEDIA:
    # The demo serves artwork itself; behind a real web server, MEDIA_ROOT is served there.
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media))

handler404 = "streamflix.error_handlers.not_found"
handler500 = "streamflix.error_handlers.server_error"
