"""Idle keep-alive clients of a threaded server must not hold database connections (fault 4 of issue 9:
200 idle clients took 99 PostgreSQL connections under runserver with CONN_MAX_AGE=60)."""

from __future__ import annotations

import http.client
from urllib.parse import urlparse

import pytest
from django.db import connection

from tests.conftest import require_postgres
from tests.factories import make_catalog, make_profile

CLIENTS = 30


@pytest.mark.django_db(transaction=True)
def test_idle_keep_alive_clients_hold_no_database_connections(live_server):
    require_postgres()
    make_catalog(per_genre=10, genres=("Drama",))
    make_profile("Keeper", is_featured=True)
    address = urlparse(live_server.url)
    clients = [http.client.HTTPConnection(address.hostname, address.port, timeout=30) for _ in range(CLIENTS)]
    try:
        for client in clients:  # each asks for a page that reads the database, then idles, connection open
            client.request("GET", "/profiles/", headers={"Connection": "keep-alive"})
            response = client.getresponse()
            assert response.status == 200 and b"Keeper" in response.read()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            open_connections = cursor.fetchone()[0]
    finally:
        for client in clients:
            client.close()
    assert open_connections <= 2  # this test's own, and at most one request finishing
