"""Settings from PARLEY_* environment variables, with their defaults.

Every setting lives in the Flask config under its environment name, so the
README's table, the environment and `app.config` use one vocabulary.
"""
import os

# name -> (default, parser). A default of None means "unset".
SETTINGS = {
    "PARLEY_DATABASE_URL": (None, str),
    "PARLEY_SECRET_KEY": (None, str),
    "PARLEY_PUBLIC_URL": (None, str),
    "PARLEY_RATELIMIT_STORAGE_URI": ("memory://", str),
    "PARLEY_TRUSTED_PROXIES": (0, int),
    "PARLEY_IP_RETENTION_DAYS": (30, int),
    "PARLEY_NEW_THREADS_PER_HOUR": (200, int),
}


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def load_settings(environ=None):
    """Read every PARLEY_* setting from `environ` (default: os.environ)."""
    environ = os.environ if environ is None else environ
    settings = {}
    for name, (default, parse) in SETTINGS.items():
        raw = environ.get(name, "").strip()
        if not raw:
            settings[name] = default
            continue
        try:
            settings[name] = parse(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a valid {parse.__name__}.") from None
    return settings


def check_settings(config):
    """Refuse settings the service can't run with, naming the fix."""
    if not config.get("PARLEY_SECRET_KEY"):
        raise ConfigError(
            "PARLEY_SECRET_KEY is not set. Parley signs reader tokens and sessions "
            "with it and refuses to start without one. Generate one with\n"
            '  python3 -c "import secrets; print(secrets.token_urlsafe(32))"\n'
            "and export it as PARLEY_SECRET_KEY (`make run` writes one for the demo)."
        )
    if config["PARLEY_TRUSTED_PROXIES"] < 0:
        raise ConfigError("PARLEY_TRUSTED_PROXIES must be 0 or more.")
    if config["PARLEY_IP_RETENTION_DAYS"] < 1:
        raise ConfigError("PARLEY_IP_RETENTION_DAYS must be at least 1.")
    if config["PARLEY_NEW_THREADS_PER_HOUR"] < 1:
        raise ConfigError("PARLEY_NEW_THREADS_PER_HOUR must be at least 1.")
    public_url = config.get("PARLEY_PUBLIC_URL")
    if public_url and not public_url.startswith(("http://", "https://")):
        raise ConfigError("PARLEY_PUBLIC_URL must start with http:// or https://.")
