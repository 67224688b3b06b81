"""Rate limits: the PARLEY_LIMIT_* values, checked exactly where the comment POST's order puts them.

Flask-Limiter holds the storage and the counting strategy (memory:// by default,
redis://... in production, shared by every worker and instance). Limits are hit
explicitly rather than by decorators, because DESIGN's order needs it: the
per-IP comment limit counts every attempt before anything else, the
per-identity one only comments that passed validation.

When the storage fails, the same limits go on in this process's memory, with a
logged warning, and the storage is tried again every RECHECK_SECONDS: never a
500, never unlimited.
"""
import ipaddress
import math
import threading
import time

from flask import current_app, request
from flask_limiter import Limiter
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

RECHECK_SECONDS = 30
# A storage that doesn't answer within this is treated as down.
STORAGE_TIMEOUT_SECONDS = 0.5


def client_ip():
    """The client's address as limits count it: an IPv4 address, or an IPv6 /64 network, since
    anyone holding one IPv6 address usually holds its whole /64.

    ProxyFix has already taken PARLEY_TRUSTED_PROXIES hops of X-Forwarded-For, and no more.
    """
    return ip_bucket(request.remote_addr)


def ip_bucket(address):
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
    """One app's limits: its Flask-Limiter storage, and the in-memory stand-in for when it fails."""

    def __init__(self, app):
        app.config.update(
            RATELIMIT_STORAGE_URI=app.config["PARLEY_RATELIMIT_STORAGE_URI"],
            RATELIMIT_STRATEGY="moving-window",
            RATELIMIT_STORAGE_OPTIONS={"socket_timeout": STORAGE_TIMEOUT_SECONDS,
                                       "socket_connect_timeout": STORAGE_TIMEOUT_SECONDS}
            if app.config["PARLEY_RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")) else {},
            RATELIMIT_HEADERS_ENABLED=False,
        )
        # One Limiter per app (its storage is per app); no decorators: see the module's docstring.
        self.flask_limiter = Limiter(key_func=client_ip, app=app)
        unhook(app, self.flask_limiter)
        self.fallback = MovingWindowRateLimiter(MemoryStorage())
        self.failed_at = None
        # Only one thread at a time asks a failed storage whether it is back.
        self.probing = threading.Lock()
        app.extensions["parley_limits"] = self

    def strategy(self):
        if self.failed_at is None:
            return self.flask_limiter.limiter
        if time.monotonic() - self.failed_at >= RECHECK_SECONDS and self.probing.acquire(blocking=False):
            try:
                if self.storage_answers():
                    current_app.logger.warning("rate-limit storage is back: limits are shared again")
                    self.failed_at = None
                    return self.flask_limiter.limiter
                self.failed_at = time.monotonic()
            finally:
                self.probing.release()
        return self.fallback

    def storage_answers(self):
        try:
            return bool(self.flask_limiter.storage.check())
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
        client = getattr(self.flask_limiter.storage, "storage", None)
        if hasattr(client, "close"):
            client.close()

    def reset(self):
        """Forget every count (tests)."""
        self.flask_limiter.reset()
        self.fallback.storage.reset()
        self.failed_at = None


def unhook(app, limiter):
    """Take Flask-Limiter's per-request hooks off `app`: they check and report the limits of
    decorated routes, which Parley has none of, so on every request they cost time for nothing.
    Its storage and strategy are what Parley uses."""
    def kept(hook):
        return getattr(hook, "__self__", None) is not limiter and limiter not in getattr(hook, "args", ())

    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        hooks[None] = [hook for hook in hooks.get(None, []) if kept(hook)]


def hit(name, *identity):
    return current_app.extensions["parley_limits"].hit(name, *identity)
