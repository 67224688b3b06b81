"""Fixtures: the app on SQLite and on PostgreSQL, a registered site, a reader's requests and a
moderator's browser on the dashboard.

Every test that takes `app` (or anything built on it) runs once per database.
Each database is fresh for the test session and built by the real migrations;
each test starts from empty tables.
"""
import os
import secrets
import threading
import uuid

import psycopg
import pytest
from flask_migrate import upgrade
from flask import g
from flask.testing import FlaskClient
from support import (
    GENEROUS_LIMITS,
    MODERATOR_EMAIL,
    MODERATOR_PASSWORD,
    SECRET_KEY,
    SITE_ORIGIN,
    csrf_of,
    empty_tables,
    free_port,
)
from werkzeug.serving import make_server

from widget import create_app
from widget.extensions import db
from widget.models import Reader as ReaderAccount
from widget.models import TrustedReader
from widget.sites import create_site, set_policy
from widget.tokens import issue_token

POSTGRES_ADMIN_URL = os.environ.get("PARLEY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def postgres_database():
    """A new, empty PostgreSQL database: (its SQLAlchemy URL, a function that drops it)."""
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        message = f"PostgreSQL is unreachable at {POSTGRES_ADMIN_URL}: {error}".strip()
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: the PostgreSQL tests must run)", pytrace=False)
        pytest.skip(f"SKIPPING EVERY POSTGRESQL TEST. {message}")
    name = f"parley_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]

    def drop():
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return f"{base}/{name}", drop


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "parley.db")
        return
    url, drop = postgres_database()
    yield url
    drop()


@pytest.fixture(scope="session")
def migrated_app(database_url):
    app = create_app(
        {
            "PARLEY_SECRET_KEY": SECRET_KEY,
            "PARLEY_DATABASE_URL": database_url,
            "TESTING": True,
            **GENEROUS_LIMITS,
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(migrated_app):
    """The app, with empty tables; config changes made through monkeypatch are undone."""
    with migrated_app.app_context():
        yield migrated_app
        empty_tables()


@pytest.fixture(scope="session")
def provider_servers():
    """Real sign-in servers on 127.0.0.1: the demo's OpenID Connect provider and the
    Facebook and GitHub stand-ins. Yields (Parley settings for them, the stand-ins)."""
    from fake_providers import FakeProviders

    from demo.provider import create_demo_provider, demo_provider_settings

    fakes = FakeProviders()
    oidc_url, fakes_url = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    servers = [
        make_server("127.0.0.1", int(oidc_url.rsplit(":", 1)[1]), create_demo_provider(), threaded=True),
        make_server("127.0.0.1", int(fakes_url.rsplit(":", 1)[1]), fakes.app(), threaded=True),
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = {
        **demo_provider_settings(oidc_url),
        **fakes.settings(fakes_url),
        # An OpenID Connect provider whose server is down.
        "PARLEY_OAUTH_DOWN_CLIENT_ID": "down",
        "PARLEY_OAUTH_DOWN_CLIENT_SECRET": "down",
        "PARLEY_OAUTH_DOWN_METADATA_URL": f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration",
    }
    yield settings, fakes
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def signin_app_once(migrated_app, database_url, provider_servers):
    settings, _ = provider_servers
    app = create_app(
        {"PARLEY_SECRET_KEY": SECRET_KEY, "PARLEY_DATABASE_URL": database_url, "TESTING": True,
         **GENEROUS_LIMITS, **settings}
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def signin_app(signin_app_once, provider_servers):
    """The app with sign-in providers configured (demo, facebook, github, and one that is down)."""
    provider_servers[1].reset()
    with signin_app_once.app_context():
        yield signin_app_once
        empty_tables()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def site(app):
    """A registered site whose form stamp check is off: tests post the moment they ask.
    The tests of that check turn it on."""
    return set_policy(create_site("Central Asia News", [SITE_ORIGIN]), {"min_submit_seconds": 0})


class Reader:
    """A reader's browser on the site's page: requests carry the page's Origin."""

    def __init__(self, client, site, origin=SITE_ORIGIN):
        self.client, self.site, self.origin = client, site, origin

    def headers(self, extra=None):
        headers = {"Origin": self.origin} if self.origin else {}
        headers.update(extra or {})
        return headers

    def thread(self, thread="article-1", headers=None, **params):
        return self.client.get(
            f"/embed/{self.site.key}/thread", query_string={"thread": thread, **params}, headers=self.headers(headers)
        )

    def form(self, thread="article-1", **params):
        return self.client.get(
            f"/embed/{self.site.key}/form", query_string={"thread": thread, **params}, headers=self.headers()
        )

    def post(self, thread="article-1", **fields):
        data = {"name": "Madi Asanov", "email": "madi@example.org", "website": "", "body": "A fine article.", "parent": ""}
        data.update(fields)
        return self.client.post(
            f"/embed/{self.site.key}/comments", query_string={"thread": thread}, data=data, headers=self.headers()
        )

    def counts(self, *threads):
        return self.client.get(
            f"/embed/{self.site.key}/counts", query_string=[("thread", t) for t in threads], headers=self.headers()
        )


@pytest.fixture
def reader(client, site):
    return Reader(client, site)


@pytest.fixture
def reader_token(site):
    """A signed-in reader's Bearer token (the sign-in flow itself is tested elsewhere)."""
    def make(name="Aigerim", trusted=False):
        reader = ReaderAccount(provider="demo", subject=secrets.token_hex(4), name=name, email="a@demo.example")
        db.session.add(reader)
        db.session.commit()
        if trusted:
            db.session.add(TrustedReader(site_id=site.id, reader_id=reader.id))
            db.session.commit()
        token, _ = issue_token(reader, site, 30)
        return reader, token
    return make


@pytest.fixture
def write(site):
    """Store a comment directly (no HTTP): write("article-1", body=..., parent=comment)."""
    from widget.comments import Draft, save_comment
    from widget.threads import get_or_create_thread

    def write(thread="article-1", body="A comment.", name="Guest", parent=None, status="published"):
        thread = get_or_create_thread(site, thread, url=f"{SITE_ORIGIN}/{thread}")
        draft = Draft(thread, parent, name, "guest@example.org", None, body, "203.0.113.9")
        return save_comment(draft, status)

    return write


class Dashboard(FlaskClient):
    """A moderator's browser on the dashboard (flaskr's AuthActions, on the client itself):
    sign in and out, and send a form with the session's CSRF token."""

    def csrf(self, page="/moderate/password"):
        """The session's CSRF token, as `page` carries it (by default one every moderator may open)."""
        # The tests' app context outlives requests, and Flask-WTF caches a session's token in g:
        # without this, a second browser would be handed the first one's token.
        g.pop("csrf_token", None)
        return csrf_of(self.get(page).text)

    def log_in(self, email=MODERATOR_EMAIL, password=MODERATOR_PASSWORD):
        token = self.csrf("/moderate/login")
        return self.post("/moderate/login", data={"email": email, "password": password, "csrf_token": token})

    def log_out(self):
        return self.submit("/moderate/logout")

    def submit(self, url, data=None, page="/moderate/password", **kwargs):
        """POST `data` to `url` with the session's CSRF token (taken from `page`)."""
        return self.post(url, data={"csrf_token": self.csrf(page), **(data or {})}, **kwargs)


@pytest.fixture
def open_dashboard(app):
    """A new browser on the dashboard, each time it is called."""
    return lambda: Dashboard(app, app.response_class)


@pytest.fixture
def dashboard(open_dashboard):
    return open_dashboard()
