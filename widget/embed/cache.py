"""Rendered public thread fragments, kept in each process and keyed by their ETag.

The ETag is built from the site's and the thread's versions, which every write
bumps in the database, so a changed thread gets a new key on every worker and
instance at its next request: nothing is ever invalidated by hand, and stale
entries simply age out of the bounded LRU.

A read of an unchanged thread needs only those versions: one light query
(`Versions.of_keys`), no ORM objects and no comment rows.
"""
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import JSON, DateTime, Integer, column, text

from ..extensions import db
from ..likes import unsettled
from ..sites import SITE_KEY_PATTERN
from . import bp
from .fragments import markup_version

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


# Aliased, since both tables' columns are called id and version.
VERSIONS_QUERY = text(
    "SELECT sites.id AS site_id, sites.version AS site_version, sites.origins AS origins, "
    "threads.id AS thread_id, threads.version AS thread_version, "
    "threads.likes_at AS likes_at, threads.likes_bumped_at AS likes_bumped_at "
    "FROM sites LEFT OUTER JOIN threads ON threads.site_id = sites.id AND threads.key = :thread "
    "WHERE sites.key = :site"
).columns(column("site_id", Integer), column("site_version", Integer), column("origins", JSON),
          column("thread_id", Integer), column("thread_version", Integer),
          column("likes_at", DateTime), column("likes_bumped_at", DateTime))


@dataclass(frozen=True)
class Versions:
    """What a thread fragment's ETag is made of, besides the request's own choices;
    with the site's origins, for the answer's CORS grant."""

    site_key: str
    site_id: int
    site_version: int
    origins: tuple
    thread_key: str
    thread_id: int | None
    thread_version: int | None
    # Likes came after the version's last bump, long enough ago to show (widget/likes.py).
    likes_unsettled: bool = False

    @classmethod
    def of(cls, site, thread_key, thread):
        return cls(site.key, site.id, site.version, tuple(site.origins), thread_key,
                   thread.id if thread else None, thread.version if thread else None,
                   bool(thread) and unsettled(thread.likes_at, thread.likes_bumped_at))

    @classmethod
    def of_keys(cls, site_key, thread_key):
        """Read from the database in one query; None when no site has this key."""
        if not SITE_KEY_PATTERN.fullmatch(site_key):
            return None
        # Straight from the pool, and on PostgreSQL outside any transaction: one SELECT is the only
        # round trip (no BEGIN, no ROLLBACK) for a read that may end here. (SQLite has no round
        # trips, and switching its isolation level costs more than it saves.)
        with db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execution_options(isolation_level="AUTOCOMMIT")
            row = connection.execute(VERSIONS_QUERY, {"site": site_key, "thread": thread_key}).first()
        if row is None:
            return None
        return cls(site_key, row.site_id, row.site_version, tuple(row.origins), thread_key,
                   row.thread_id, row.thread_version, unsettled(row.likes_at, row.likes_bumped_at))

    def allows_origin(self, origin):
        return origin is not None and origin in self.origins

    def etag(self, base, *variant):
        """The fragment's ETag, and the key it is cached under: every write bumps one of the versions.

        The base URL (`fragment_base`) is in it because every link in the fragment is built on it.
        """
        parts = [markup_version(), base, self.site_key,
                 self.site_id, self.site_version, self.thread_id, self.thread_key, self.thread_version,
                 self.likes_unsettled, *variant]
        return hashlib.blake2s(repr(parts).encode(), digest_size=12).hexdigest()


# A comment's own markup is about 1 KB: some 20 MB per worker at most.
COMMENT_ENTRIES = 20000


@bp.record_once
def create_caches(state):
    state.app.extensions["parley_fragments"] = FragmentCache()
    state.app.extensions["parley_comment_markup"] = FragmentCache(COMMENT_ENTRIES)


def cached(key):
    """The fragment stored under `key`, or None."""
    return current_app.extensions["parley_fragments"].get(key)


def keep(key, body):
    current_app.extensions["parley_fragments"].put(key, body)
    return body
