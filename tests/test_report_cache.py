"""The process-wide cache of built report files."""

from __future__ import annotations

import threading

from dashboard.presentation.reports.cache import FileCache


def test_keeps_the_most_recently_used_files():
    cache = FileCache(2)
    cache.get_or_build("a", lambda: b"A")
    cache.get_or_build("b", lambda: b"B")
    assert cache.get("a") == b"A"             # "a" is now the most recent
    cache.get_or_build("c", lambda: b"C")     # evicts "b"
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"A", None, b"C")
    assert cache.get_or_build("a", lambda: b"rebuilt") == b"A"


def test_concurrent_requests_build_once():
    cache, calls, started = FileCache(4), [], threading.Event()
    release = threading.Event()

    def build() -> bytes:
        calls.append(1)
        started.set()
        release.wait(5)
        return b"deck"

    results = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_build("k", build)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: results.append(cache.get_or_build("k", build)))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert results == [b"deck", b"deck"] and len(calls) == 1
    assert cache.building == {}
