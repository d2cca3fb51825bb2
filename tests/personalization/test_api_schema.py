"""Schemathesis against the API's own OpenAPI schema: generated input of every shape, for every
operation, never gets a 500, and every answer matches what the schema says (status and body)."""

from __future__ import annotations

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis import checks

from streamflix.wsgi import application
from tests.factories import make_catalog, make_profile


def in_test_transaction(environ, start_response):
    """The WSGI app as Django's test client calls it: without closing the test's database connection
    at the end of each request (which the real handler does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return application(environ, start_response)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_test_transaction)


@pytest.fixture
def token(db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # the tool is one client
    make_catalog(per_genre=6, genres=("Drama", "Comedy"))
    make_profile("Generated", is_featured=True)
    return Token.objects.create(user=User.objects.create_user("schemathesis")).key


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_the_api_keeps_its_schema(case, token):
    response = case.call_and_validate(  # raises, failing the test, when a check below fails
        headers={"Authorization": f"Token {token}"},
        # No 500, and every answer as documented. (Not asked: refusing every out-of-schema input;
        # DRF reads "0" for a name and ignores an unknown page parameter, and that is fine.)
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
            checks.response_headers_conformance,
        ],
    )
    assert response.status_code < 500
