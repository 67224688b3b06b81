"""Rate limits: the PARLEY_LIMIT_* values, checked exactly where the comment POST's order puts them.

The `limits` library (Flask-Limiter's own engine, so the same notation and
storages) holds the storage and the moving-window strategy: memory:// by
default, redis://... in production, shared by every worker and instance.
Limits are hit explicitly rather than by route decorators, because DESIGN's
order needs it: the per-IP comment limit counts every attempt before anything
else, the per-identity one only comments that passed validation.

When the storage fails, the same limits go on in this process's memory, with a
logged warning, and the storage is tried again every RECHECK_SECONDS: never a
500, never unlimited.
"""
import ipaddress
import math
import threading
import time

from flask import current_app
from limits import parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

RECHECK_SECONDS = 30
# A storage that doesn't answer within this is treated as down.
STORAGE_TIMEOUT_SECONDS = 0.5


def ip_bucket(address):
    """The client `address` as limits and bans count it: an IPv4 address, or an IPv6 /64 network,
    since anyone holding one IPv6 address usually holds its whole /64 (web.client_ip: the request's)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


class RateLimits:
    """One app's limits: its storage's moving window, and the in-memory stand-in for when it fails.

    Made per app by create_app rather than once in extensions.py: the storage is
    the app's PARLEY_RATELIMIT_STORAGE_URI, and apps in one process (tests, the
    soak run) each have their own.
    """

    def __init__(self, app):
        uri = app.config["PARLEY_RATELIMIT_STORAGE_URI"]
        self.storage = storage_from_string(uri, **storage_options(uri))
        self.shared = MovingWindowRateLimiter(self.storage)
        self.fallback = MovingWindowRateLimiter(MemoryStorage())
        self.failed_at = None
        # Only one thread at a time asks a failed storage whether it is back.
        self.probing = threading.Lock()
        app.extensions["parley_limits"] = self

    def strategy(self):
        if self.failed_at is None:
            return self.shared
        if time.monotonic() - self.failed_at >= RECHECK_SECONDS and self.probing.acquire(blocking=False):
            try:
                if self.storage_answers():
                    current_app.logger.warning("rate-limit storage is back: limits are shared again")
                    self.failed_at = None
                    return self.shared
                self.failed_at = time.monotonic()
            finally:
                self.probing.release()
        return self.fallback

    def storage_answers(self):
        try:
            return bool(self.storage.check())
        except Exception:  # noqa: BLE001 -- any failure of the storage means "not yet"
            return False

    def hit(self, name, *identity):
        """Count one attempt of `identity` against limit `name`; None if allowed, else seconds to wait."""
        items = parse_many(current_app.config[name])
        strategy = self.strategy()
        try:
            return self._hit(strategy, items, name, identity)
        except Exception:
            if strategy is self.fallback:
                raise
            current_app.logger.warning("rate-limit storage failed: counting %s in process memory", name, exc_info=True)
            self.failed_at = time.monotonic()
            return self._hit(self.fallback, items, name, identity)

    @staticmethod
    def _hit(strategy, items, name, identity):
        waits = []
        for item in items:
            if not strategy.hit(item, name, *identity):
                reset_at = strategy.get_window_stats(item, name, *identity).reset_time
                waits.append(max(1, math.ceil(reset_at - time.time())))
        return max(waits) if waits else None

    def close(self):
        """Let go of the storage's connections (a Redis client's pool), as an app being discarded should."""
        client = getattr(self.storage, "storage", None)
        if hasattr(client, "close"):
            client.close()

    def reset(self):
        """Forget every count (tests)."""
        self.storage.reset()
        self.fallback.storage.reset()
        self.failed_at = None


def storage_options(uri):
    """A Redis storage gives up after STORAGE_TIMEOUT_SECONDS, so a hung Redis reads as a failed one."""
    if uri.startswith(("redis", "rediss")):
        return {"socket_timeout": STORAGE_TIMEOUT_SECONDS, "socket_connect_timeout": STORAGE_TIMEOUT_SECONDS}
    return {}


def hit(name, *identity):
    return current_app.extensions["parley_limits"].hit(name, *identity)
