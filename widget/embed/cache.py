"""Rendered public thread fragments, kept in each process and keyed by their ETag.

The ETag is built from the site's and the thread's versions, which every write
bumps in the database, so a changed thread gets a new key on every worker and
instance at its next request: nothing is ever invalidated by hand, and stale
entries simply age out of the bounded LRU.
"""
import threading
from collections import OrderedDict

from flask import current_app

from . import bp

# About 30 KB for a page of 20 comments with replies: some 15 MB per worker at most.
ENTRIES = 512


class FragmentCache:
    def __init__(self, entries=ENTRIES):
        self.entries = entries
        self._bodies = OrderedDict()
        # gunicorn's threaded workers and the dev server share one cache between threads.
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, key, body):
        with self._lock:
            self._bodies[key] = body
            self._bodies.move_to_end(key)
            while len(self._bodies) > self.entries:
                self._bodies.popitem(last=False)

    def __len__(self):
        return len(self._bodies)


@bp.record_once
def create_cache(state):
    state.app.extensions["parley_fragments"] = FragmentCache()


def cached(key, render):
    """The fragment stored under `key`, rendered by `render()` the first time it is asked for."""
    cache = current_app.extensions["parley_fragments"]
    body = cache.get(key)
    if body is None:
        body = render()
        cache.put(key, body)
    return body
