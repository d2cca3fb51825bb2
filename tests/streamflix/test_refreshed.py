"""`Refreshed`: a per-process value reloaded when its version moves, and kept when a reload fails."""

from __future__ import annotations

import logging

import pytest

from streamflix.refreshed import Refreshed


class Source:
    """A version another process moves, and loads that may fail."""

    def __init__(self) -> None:
        self.version = 1
        self.version_reads = 0
        self.loads: list[int] = []
        self.broken: set[int] = set()

    def read_version(self) -> int:
        self.version_reads += 1
        return self.version

    def load(self, version: int) -> str:
        self.loads.append(version)
        if version in self.broken:
            raise OSError(f"artifact of version {version} is unreadable")
        return f"value {version}"


def test_it_loads_once_and_reloads_when_the_version_moves():
    source = Source()
    value = Refreshed("thing", version=source.read_version, load=source.load, check_seconds=0.0)
    assert value.get() == "value 1" and value.get() == "value 1"
    source.version = 2
    assert value.get() == "value 2"
    assert source.loads == [1, 2]


def test_it_looks_at_the_version_at_most_once_per_interval(monkeypatch):
    now = [100.0]
    monkeypatch.setattr("streamflix.refreshed.time.monotonic", lambda: now[0])
    source = Source()
    value = Refreshed("thing", version=source.read_version, load=source.load, check_seconds=5.0)
    value.get()
    source.version = 2
    now[0] += 4.9
    assert value.get() == "value 1" and source.version_reads == 1  # not due: not even asked
    now[0] += 0.2
    assert value.get() == "value 2" and source.version_reads == 2


def test_a_failed_reload_keeps_serving_the_old_value_and_tries_again(caplog):
    source = Source()
    value = Refreshed("thing", version=source.read_version, load=source.load, check_seconds=0.0)
    value.get()
    source.version, source.broken = 2, {2}

    with caplog.at_level(logging.ERROR):
        assert value.get() == "value 1"
    assert "Could not load thing version 2; keeping version 1" in caplog.text

    source.broken = set()
    assert value.get() == "value 2"  # the next look tries again
    assert source.loads == [1, 2, 2]


def test_a_first_load_that_fails_raises_there_is_nothing_to_keep():
    source = Source()
    source.broken = {1}
    value = Refreshed("thing", version=source.read_version, load=source.load, check_seconds=0.0)
    with pytest.raises(OSError, match="unreadable"):
        value.get()


def test_a_value_older_than_its_maximum_age_is_reloaded_at_the_same_version(monkeypatch):
    now = [0.0]
    monkeypatch.setattr("streamflix.refreshed.time.monotonic", lambda: now[0])
    source = Source()
    value = Refreshed("thing", version=source.read_version, load=source.load, check_seconds=1.0, max_age_seconds=60)
    value.get()
    now[0] = 30.0
    value.get()
    now[0] = 61.0
    value.get()
    assert source.loads == [1, 1]
