"""Browser fixtures: the demo (Parley on 127.0.0.1, the news site on localhost) and Chromium.

The two servers run on different sites, as on a real news site, so the widget
can't lean on third-party cookies or same-origin requests.
"""
import contextlib
import os
import threading

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from support import SECRET_KEY, free_port
from werkzeug.serving import make_server

from demo.provider import create_demo_provider, demo_provider_settings
from demo.seed import seed_demo, seed_moderator
from demo.site import ARTICLE_PATH, create_news_site
from widget import create_app
from widget.comments import Draft, save_comment
from widget.extensions import db
from widget.models import Comment, Site
from widget.sites import set_policy, update_site
from widget.threads import get_or_create_thread

CHROMIUM = "/usr/bin/chromium"
MODERATOR_PASSWORD = "e2e moderator password"


def with_coop(app):
    """`app` answering with Cross-Origin-Opener-Policy: same-origin, as some providers do."""
    def wsgi(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("Cross-Origin-Opener-Policy", "same-origin")], exc_info)
        return app(environ, start)
    return wsgi


def port(url):
    return int(url.rsplit(":", 1)[1])


class Demo:
    def __init__(self, tmp_path):
        self.parley_url = f"http://127.0.0.1:{free_port()}"
        self.news_url = f"http://localhost:{free_port()}"
        self.article_url = self.news_url + ARTICLE_PATH
        self.id_url = f"http://127.0.0.1:{free_port()}"
        # The same provider behind Cross-Origin-Opener-Policy, which cuts a popup off from its opener.
        self.severing_id_url = f"http://127.0.0.1:{free_port()}"
        severing = {key.replace("_DEMO_", "_SEVERING_"): value
                    for key, value in demo_provider_settings(self.severing_id_url).items()}
        severing["PARLEY_OAUTH_SEVERING_LABEL"] = "Severing ID"
        self.parley = create_app(
            {
                "PARLEY_SECRET_KEY": SECRET_KEY,
                "PARLEY_DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
                "PARLEY_LIMIT_COMMENT": "1000 per minute",
                **demo_provider_settings(self.id_url),
                **severing,
            }
        )
        with self.parley.app_context():
            upgrade()
            self.site_key = seed_demo(self.news_url).key
        news = create_news_site(self.parley_url, self.site_key, self.news_url)
        # Other host pages on a third site, for threads the demo article doesn't have.
        self.pages_url = f"http://localhost:{free_port()}"
        self.pages = {}
        pages = Flask("host-pages")
        pages.add_url_rule("/<name>", "page", lambda name: self.pages[name])
        # A page on a site that is none of the news site's: the hostile opener of issue 10.
        self.elsewhere_url = f"http://127.0.0.2:{free_port()}"
        with self.parley.app_context():
            site = db.session.execute(db.select(Site).filter_by(key=self.site_key)).scalar_one()
            update_site(site, origins=[self.news_url, self.pages_url])
            # Playwright types in no time: the "sent too fast" check is the HTTP tests' to try.
            set_policy(site, {"min_submit_seconds": 0})
            seed_moderator(site, MODERATOR_PASSWORD)
        self.moderator_password = MODERATOR_PASSWORD
        self.servers = [
            make_server("127.0.0.1", port(self.parley_url), self.parley, threaded=True),
            make_server("127.0.0.1", port(self.news_url), news, threaded=True),
            make_server("127.0.0.1", port(self.pages_url), pages, threaded=True),
            make_server("127.0.0.2", port(self.elsewhere_url), pages, threaded=True),
            make_server("127.0.0.1", port(self.id_url), create_demo_provider(), threaded=True),
            make_server("127.0.0.1", port(self.severing_id_url), with_coop(create_demo_provider()), threaded=True),
        ]
        for server in self.servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def host_page(self, name, thread, loading="async", attributes=""):
        """A bare article page on another origin of the site, embedding `thread` (`attributes` go on the embed)."""
        self.pages[name] = (
            f"<!doctype html><html lang=en><head><title>{name}</title><link rel=icon href='data:,'></head><body>"
            f"<h1>{name}</h1><div id='parley-comments' data-site='{self.site_key}' data-thread='{thread}'"
            f" {attributes}></div>"
            f"<script src='{self.parley_url}/static/js/embed.js' {loading}></script></body></html>"
        )
        return f"{self.pages_url}/{name}"

    @contextlib.contextmanager
    def policy(self, **keys):
        """The demo site's policy with `keys` set, for one test."""
        with self.parley.app_context():
            site = db.session.execute(db.select(Site).filter_by(key=self.site_key)).scalar_one()
            set_policy(site, {"min_submit_seconds": 0, **keys})
        try:
            yield
        finally:
            with self.parley.app_context():
                site = db.session.execute(db.select(Site).filter_by(key=self.site_key)).scalar_one()
                set_policy(site, {"min_submit_seconds": 0})

    def write(self, thread, body, name="Guest", parent=None, status="published"):
        """Store a comment directly (published unless `status` says otherwise); returns its id."""
        with self.parley.app_context():
            site = db.session.execute(db.select(Site).filter_by(key=self.site_key)).scalar_one()
            stored = get_or_create_thread(site, thread, url=f"{self.pages_url}/{thread}")
            parent = db.session.get(Comment, parent) if parent else None
            return save_comment(Draft(stored, parent, name, "guest@example.org", None, body, None), status).id

    def stop(self):
        for server in self.servers:
            server.shutdown()


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    demo = Demo(tmp_path_factory.mktemp("demo"))
    yield demo
    demo.stop()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`; .ci/run does).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile whose console errors (CSP violations, script errors) fail the test.

    Chromium also logs every 4xx answer as an error; those are the widget's
    expected refusals, so they don't count.
    """
    context = browser.new_context()
    page = context.new_page()
    errors = []

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource: the server responded"):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"the page logged errors: {errors}"
