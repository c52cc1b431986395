"""Recently built report files, shared by every session of one process.

The «Отчёт» page keeps one ``FileCache`` per process (``st.cache_resource``) keyed by
scope, period, format, norm and data version: a second request (from anyone) is
instant, and concurrent requests for the same file build it once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class FileCache:
    """The ``size`` most recently used files; one build per key at a time."""

    def __init__(self, size: int):
        self.size = size
        self.files: OrderedDict[Hashable, bytes] = OrderedDict()
        self.lock = threading.Lock()
        self.building: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable) -> bytes | None:
        with self.lock:
            if key in self.files:
                self.files.move_to_end(key)
                return self.files[key]
        return None

    def get_or_build(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        with self.lock:
            key_lock = self.building.setdefault(key, threading.Lock())
        try:
            with key_lock:  # a second request for the same file waits for the first
                data = self.get(key)
                if data is None:
                    data = build()
                    with self.lock:
                        self.files[key] = data
                        while len(self.files) > self.size:
                            self.files.popitem(last=False)
        finally:
            with self.lock:
                self.building.pop(key, None)
        return data
