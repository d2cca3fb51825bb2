"""The WSGI process moves what it keeps for its life out of the garbage collector's scans once its
first request is served (streamflix.wsgi), and does it once."""

from __future__ import annotations

import gc

import pytest
from django.core.signals import request_finished

from tests.factories import make_catalog, make_profile


@pytest.mark.django_db
def test_the_first_request_freezes_the_process_heap_once(client):
    from streamflix import wsgi

    gc.unfreeze()
    request_finished.connect(wsgi._freeze_long_lived)  # as after `import streamflix.wsgi` in a fresh server
    try:
        make_catalog(per_genre=5, genres=("Drama",))
        make_profile("Keeper", is_featured=True)
        assert gc.get_freeze_count() == 0
        assert client.get("/profiles/").status_code == 200
        assert gc.get_freeze_count() > 10_000  # Django, the test's own modules, the catalog read
        gc.unfreeze()
        assert client.get("/profiles/").status_code == 200
        assert gc.get_freeze_count() == 0  # one-shot: later requests leave the collector alone
    finally:
        request_finished.disconnect(wsgi._freeze_long_lived)
        gc.unfreeze()
