"""Parley: an embeddable comment section for news sites.

create_app builds the Flask app; nothing happens at import time.
"""
import ipaddress
import os
import re

from authlib.integrations.flask_client import OAuth
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import errors, web
from .config import check_settings, load_providers, load_settings
from .embed.lane import fast_lane
from .extensions import csrf, db, migrate
from .limits import RateLimits
from .providers import configured_providers
from .text import IdConverter

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Large enough for the longest comment a policy allows (20,000 characters of
# four-byte UTF-8, percent-encoded), small enough to refuse junk before parsing.
MAX_REQUEST_BYTES = 256 * 1024


def create_app(config=None):
    """The Parley app, from PARLEY_* environment variables and then `config`."""
    app = Flask(
        __name__,
        instance_path=os.path.join(PROJECT_ROOT, "instance"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
    )
    settings = load_settings()
    settings.update(config or {})
    check_settings(settings)
    app.config.update(settings)
    # Sign-in providers come from PARLEY_OAUTH_* variables, in the environment or in `config`.
    app.config["PARLEY_PROVIDERS"] = configured_providers(load_providers({**os.environ, **(config or {})}))
    url = database_url(settings["PARLEY_DATABASE_URL"], app.instance_path)
    app.config.update(
        SECRET_KEY=settings["PARLEY_SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=url,
        # A pooled connection to a server may have died with a restart: test it before use.
        # A SQLite file has no server to lose, and the test costs a statement on every request.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": not url.startswith("sqlite")},
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        # embed.js and its CSS have unversioned URLs: let browsers keep them briefly.
        SEND_FILE_MAX_AGE_DEFAULT=300,
        # The sign-in popup's cookie (OAuth state), first-party on Parley's origin.
        SESSION_COOKIE_NAME="parley_session",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=(settings["PARLEY_PUBLIC_URL"] or "").startswith("https://"),
    )
    os.makedirs(app.instance_path, exist_ok=True)

    # Inside the proxies' layer, so the read limit counts the client's address.
    app.wsgi_app = fast_lane(app, app.wsgi_app)
    # In front of the lane and Flask, inside the proxies' layer (the scheme decides the default port).
    app.wsgi_app = web.allowed_hosts_only(app, app.wsgi_app)
    if app.config["PARLEY_TRUSTED_PROXIES"]:
        # Client address and scheme from the trusted hops.
        app.wsgi_app = behind_proxies(app.wsgi_app, app.config["PARLEY_TRUSTED_PROXIES"])

    app.wsgi_app = ascii_query_string(app.wsgi_app)
    # Before the blueprints: their routes take ids as `<id:...>`.
    app.url_map.converters["id"] = IdConverter
    register_extensions(app)
    register_blueprints(app)
    web.init_app(app)
    errors.init_app(app)
    register_commands(app)
    return app


def behind_proxies(wsgi_app, hops):
    """`wsgi_app` taking the client's address and scheme from `hops` trusted proxies' X-Forwarded-*.

    Never X-Forwarded-Host: many proxies pass a client's own through, and links would follow it.
    A forwarded address that isn't an IP address (a proxy that passes the client's header on
    unchanged, or one hop too many trusted) is dropped for the proxy's own: it would otherwise be
    stored, banned and counted as if it were one.
    """
    def valid_remote_addr(environ, start_response):
        address = environ.get("REMOTE_ADDR") or ""
        try:
            valid = "%" not in address and ipaddress.ip_address(address) is not None
        except ValueError:
            valid = False
        if not valid:
            environ["REMOTE_ADDR"] = environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
        return wsgi_app(environ, start_response)

    return ProxyFix(valid_remote_addr, x_for=hops, x_proto=hops, x_host=0)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def ascii_query_string(wsgi_app):
    """Percent-encode raw non-ASCII bytes in the query string, as a browser would have.

    Werkzeug keeps percent-encoded bytes that aren't UTF-8 as they are, but raw ones in the
    request line (some clients and bots send them) make request.args raise UnicodeDecodeError:
    a 500 from any endpoint that reads a parameter. Encoded, they reach the views as "%FF".
    """
    def encode(match):
        text = match.group()
        # QUERY_STRING holds the request's bytes decoded as latin-1; anything past U+00FF is a
        # test client's str, taken as UTF-8.
        raw = text.encode("latin-1") if max(text) <= "\xff" else text.encode("utf-8", "surrogatepass")
        return "".join(f"%{byte:02X}" for byte in raw)

    def app(environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            environ["QUERY_STRING"] = _NON_ASCII.sub(encode, query)
        return wsgi_app(environ, start_response)

    return app


def database_url(url, instance_path):
    """The SQLAlchemy URL: SQLite in the instance folder by default, psycopg 3 for PostgreSQL."""
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "parley.db")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def register_extensions(app):
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True)
    csrf.init_app(app)
    # One RateLimits per app: its storage is this app's PARLEY_RATELIMIT_STORAGE_URI.
    RateLimits(app)
    # One OAuth registry per app (Authlib's binds to a single app): providers differ between apps.
    oauth = OAuth(app)
    for provider in app.config["PARLEY_PROVIDERS"].values():
        oauth.register(provider.name, **provider.registration)


def register_blueprints(app):
    from .auth import bp as auth_bp
    from .embed import bp as embed_bp
    from .health import bp as health_bp
    from .moderate import bp as moderate_bp

    # Readers' requests carry no cookie (embed) or a token of their own (the popup's
    # confirmation): CSRF tokens guard the dashboard, whose session is a cookie.
    csrf.exempt(embed_bp)
    csrf.exempt(auth_bp)
    app.register_blueprint(embed_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(moderate_bp)
    app.register_blueprint(health_bp)


def register_commands(app):
    from .cli import erase_ips_command, moderator_cli, policy_cli, secret_command, site_cli

    app.cli.add_command(site_cli)
    app.cli.add_command(moderator_cli)
    app.cli.add_command(policy_cli)
    app.cli.add_command(erase_ips_command)
    app.cli.add_command(secret_command)
