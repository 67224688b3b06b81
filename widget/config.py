"""Settings from PARLEY_* environment variables, with their defaults.

Every setting lives in the Flask config under its environment name, so the
README's table, the environment and `app.config` use one vocabulary.
"""
import os
import re
import secrets

from limits import parse_many


def comma_separated(raw):
    """"a.example, b.example:8080" -> ("a.example", "b.example:8080"), lower-cased, blanks dropped."""
    return tuple(entry.strip().lower() for entry in raw.split(",") if entry.strip())


# name -> (default, parser). A default of None means "unset".
SETTINGS = {
    "PARLEY_DATABASE_URL": (None, str),
    "PARLEY_SECRET_KEY": (None, str),
    "PARLEY_PUBLIC_URL": (None, str),
    "PARLEY_ALLOWED_HOSTS": ((), comma_separated),
    "PARLEY_RATELIMIT_STORAGE_URI": ("memory://", str),
    "PARLEY_TRUSTED_PROXIES": (0, int),
    "PARLEY_IP_RETENTION_DAYS": (30, int),
    "PARLEY_READER_SESSION_DAYS": (30, int),
    # Rate limits, in the `limits` library's notation ("1 per 5 seconds;20 per hour").
    "PARLEY_LIMIT_COMMENT": ("1 per 5 seconds;20 per hour", str),
    "PARLEY_LIMIT_COMMENT_IP": ("60 per hour", str),
    "PARLEY_LIMIT_SIGNIN": ("10 per minute", str),
    "PARLEY_LIMIT_REACT": ("10 per minute", str),
    "PARLEY_LIMIT_EDIT": ("10 per minute;60 per hour", str),
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


# One signed cookie or form stamp lets anyone test guesses of the key offline, at leisure.
SECRET_KEY_MIN_LENGTH = 32
# Fewer distinct characters than this, or one short run repeated ("abcd" * 8), is a
# placeholder or a keyboard pattern, not a random key; a random key of 32 characters from
# any common alphabet (hex, base64) holds many more.
SECRET_KEY_MIN_DISTINCT = 10
MAKE_A_SECRET_KEY = (
    "Make one with\n"
    '  python3 -c "import secrets; print(secrets.token_urlsafe(48))"\n'
    "and export it as PARLEY_SECRET_KEY."
)

# A Host header value as PARLEY_ALLOWED_HOSTS lists it: a DNS name, an IPv4 address or a
# bracketed IPv6 address, then an optional port: what Werkzeug takes as a Host. Names are
# written in ASCII (IDNA: xn--...).
HOST_ENTRY = re.compile(
    r"(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::([1-9]\d{0,4}))?"
)


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def new_secret_key():
    """A random key for PARLEY_SECRET_KEY: 48 random bytes, 64 URL-safe characters."""
    return secrets.token_urlsafe(48)


def secret_key_problem(key):
    """Why `key` can't be PARLEY_SECRET_KEY, or None when it can."""
    if not key:
        return ("PARLEY_SECRET_KEY is not set. Parley signs sessions and form stamps with it "
                "and refuses to start without one.")
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return (f"PARLEY_SECRET_KEY is too short: it holds {len(key)} characters and needs at least "
                f"{SECRET_KEY_MIN_LENGTH}, and whoever guesses a key can forge sign-ins.")
    repeated = key in (key + key)[1:-1]  # true exactly when key is a shorter string repeated
    if len(set(key)) < SECRET_KEY_MIN_DISTINCT or repeated:
        return (f"PARLEY_SECRET_KEY is guessable: it repeats a pattern or holds fewer than "
                f"{SECRET_KEY_MIN_DISTINCT} different characters. Use a random key.")
    return None


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
    problem = secret_key_problem(config.get("PARLEY_SECRET_KEY"))
    if problem:
        raise ConfigError(f"{problem}\n{MAKE_A_SECRET_KEY}\n(`make run` writes one for the demo.)")
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
    for entry in config["PARLEY_ALLOWED_HOSTS"]:
        match = HOST_ENTRY.fullmatch(entry)
        if match is None or (match.group(1) and not 1 <= int(match.group(1)) <= 65535):
            raise ConfigError(
                f"PARLEY_ALLOWED_HOSTS: {entry!r} is not a host. List Host headers, comma-separated, "
                "as readers' browsers send them: comments.example.org,comments.example.org:8443"
            )


def check_served_hosts(config):
    """Refuse to serve the public while a request's Host header could choose every fragment's links.

    Fragments are public and kept by CDNs: one request with a forged Host would otherwise
    plant its links in the copy every reader gets.
    """
    if not config["PARLEY_PUBLIC_URL"] and not config["PARLEY_ALLOWED_HOSTS"]:
        raise ConfigError(
            "Neither PARLEY_PUBLIC_URL nor PARLEY_ALLOWED_HOSTS is set, so any request's Host header would "
            "choose the links in the public, cacheable fragments. Set PARLEY_PUBLIC_URL to the address "
            "readers' browsers use (https://comments.example.org), or list the Host headers to serve in "
            "PARLEY_ALLOWED_HOSTS (comments.example.org,comments.example.org:8443)."
        )


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
