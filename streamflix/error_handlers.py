"""Where application errors become responses: one middleware for pages, one handler for the API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.defaults import page_not_found
from django.views.defaults import server_error as django_server_error
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

from streamflix.errors import ApplicationError


class RejectNulMiddleware:
    """Text with a NUL character cannot be stored (PostgreSQL refuses it) or searched for: answer 400 at
    the door instead of a database error deep inside (form fields and query strings; DRF's own
    fields refuse it in JSON)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # (The API's JSON bodies are DRF's to read: its text fields refuse NUL themselves, and reading a
        # form body here would make DRF accept forms, which the API refuses.)
        form = request.POST if request.content_type in FORM_TYPES and not request.path.startswith("/api/") else {}
        for values in (request.GET, form):
            if any("\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values):
                message = "Text may not contain NUL (\\0) characters."
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": message, "code": "invalid"}, status=400)
                return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class ApplicationErrorMiddleware:
    """Answers an ApplicationError raised by a view: a redirect for a plain page that says where to
    go, the error's fragment for htmx, else its message as text, with the error's status."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        htmx = getattr(request, "htmx", False)
        if exception.redirect_to and request.method == "GET" and not htmx:
            return redirect(exception.redirect_to)
        if exception.template:
            return render(request, exception.template, {"error": exception}, status=exception.status)
        return HttpResponse(exception.message, status=exception.status, content_type="text/plain; charset=utf-8")


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every API error as {"detail": message, "code": code} with its status: application errors, and
    DRF's own (a serializer's field errors are also kept, by field, under "errors")."""
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        fields = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        where, message = first_error(fields)
        response.data = {"detail": f"{where}: {message}" if where else message, "code": "invalid", "errors": fields}
    elif response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "code": getattr(exc, "default_code", "error")}
    return response


def first_error(errors: object, where: str = "") -> tuple[str, str]:
    """(where, message) of the first error in DRF's nested errors, the place written as a client would
    reach it: `events[0].title`, not the Python repr of the dict of lists of ErrorDetail inside."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if value:  # a list's valid items come back as {}
                if isinstance(key, int):
                    where = f"{where}[{key}]"
                elif key != "non_field_errors":
                    where = f"{where}.{key}" if where else key
                return first_error(value, where)
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if isinstance(value, str):
                return where, str(value)
            if value:
                return first_error(value, f"{where}[{index}]")
    return where, str(errors)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: JSON under /api/ (a client reads it), the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON under /api/, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error: it is logged; try again later.", "code": "error"}, status=500)
    return django_server_error(request)
