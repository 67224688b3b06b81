"""Settings from PARLEY_* environment variables, with their defaults.

Every setting lives in the Flask config under its environment name, so the
README's table, the environment and `app.config` use one vocabulary.
"""
import os
import re

from limits import parse_many

# name -> (default, parser). A default of None means "unset".
SETTINGS = {
    "PARLEY_DATABASE_URL": (None, str),
    "PARLEY_SECRET_KEY": (None, str),
    "PARLEY_PUBLIC_URL": (None, str),
    "PARLEY_RATELIMIT_STORAGE_URI": ("memory://", str),
    "PARLEY_TRUSTED_PROXIES": (0, int),
    "PARLEY_IP_RETENTION_DAYS": (30, int),
    "PARLEY_READER_SESSION_DAYS": (30, int),
    # Rate limits, in Flask-Limiter's notation ("1 per 5 seconds;20 per hour").
    "PARLEY_LIMIT_COMMENT": ("1 per 5 seconds;20 per hour", str),
    "PARLEY_LIMIT_COMMENT_IP": ("60 per hour", str),
    "PARLEY_LIMIT_SIGNIN": ("10 per minute", str),
    "PARLEY_LIMIT_REACT": ("10 per minute", str),
    "PARLEY_LIMIT_READ": ("300 per minute", str),
    "PARLEY_LIMIT_MODERATOR_LOGIN": ("5 per minute", str),
}

# PARLEY_OAUTH_<NAME>_<FIELD>: one group of variables per sign-in provider.
PROVIDER_VARIABLE = re.compile(r"PARLEY_OAUTH_([A-Z][A-Z0-9_]*?)_(CLIENT_ID|CLIENT_SECRET|METADATA_URL|LABEL|AUTHORIZE_URL|ACCESS_TOKEN_URL|API_BASE_URL)")
PROVIDER_FIELDS = {
    "CLIENT_ID": "client_id",
    "CLIENT_SECRET": "client_secret",
    "METADATA_URL": "metadata_url",
    "LABEL": "label",
    # Endpoints of Facebook and GitHub, for GitHub Enterprise or a local stand-in.
    "AUTHORIZE_URL": "authorize_url",
    "ACCESS_TOKEN_URL": "access_token_url",
    "API_BASE_URL": "api_base_url",
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
    if config["PARLEY_READER_SESSION_DAYS"] < 1:
        raise ConfigError("PARLEY_READER_SESSION_DAYS must be at least 1.")
    for name in SETTINGS:
        if name.startswith("PARLEY_LIMIT_"):
            try:
                valid = bool(parse_many(config[name]))
            except ValueError:
                valid = False
            if not valid:
                raise ConfigError(f"{name}={config[name]!r} is not a limit like \"1 per 5 seconds;20 per hour\".")
    public_url = config.get("PARLEY_PUBLIC_URL")
    if public_url and not public_url.startswith(("http://", "https://")):
        raise ConfigError("PARLEY_PUBLIC_URL must start with http:// or https://.")


def load_providers(environ):
    """{name: fields} for every provider whose PARLEY_OAUTH_<NAME>_CLIENT_ID is set.

    Names are lower-cased ("PARLEY_OAUTH_MY_IDP_..." is provider "my_idp").
    """
    found = {}
    for variable, value in environ.items():
        match = PROVIDER_VARIABLE.fullmatch(variable)
        if match and isinstance(value, str) and value.strip():
            name, field = match.group(1).lower(), PROVIDER_FIELDS[match.group(2)]
            found.setdefault(name, {})[field] = value.strip()
    providers = {}
    for name, fields in sorted(found.items()):
        if "client_id" not in fields:
            continue
        if len(name) > 40:
            raise ConfigError(f"PARLEY_OAUTH_{name.upper()}_*: a provider's name has at most 40 characters.")
        if "client_secret" not in fields:
            raise ConfigError(f"PARLEY_OAUTH_{name.upper()}_CLIENT_SECRET is not set, but its CLIENT_ID is.")
        if name not in ("facebook", "github", "google") and "metadata_url" not in fields:
            raise ConfigError(
                f"PARLEY_OAUTH_{name.upper()}_METADATA_URL is not set: a provider other than facebook, "
                "github and google needs its OpenID Connect discovery URL."
            )
        providers[name] = fields
    return providers
