"""Threads can't be squatted: reads store nothing, and a thread's title comes from the site's own page.

Issue 10, item 4: GETs of made-up thread keys used to create threads until the
site's hourly quota was spent, and the first view fixed the thread's title.
"""
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support import OTHER_ORIGIN, SITE_ORIGIN, add_moderator

from widget import pages
from widget.extensions import db
from widget.models import AuditEntry, Thread
from widget.sites import create_site, set_policy
from widget.threads import TITLE_MAX


def thread_rows():
    return db.session.scalar(db.select(db.func.count()).select_from(Thread))


def stored(key):
    db.session.expire_all()
    return db.session.execute(db.select(Thread).filter_by(key=key)).scalar_one()


def test_500_reads_of_made_up_threads_store_nothing_and_a_real_first_comment_works(client, site, reader):
    for n in range(500):
        reader.origin = SITE_ORIGIN if n % 2 else None
        key = f"made-up-{uuid.uuid4().hex}"
        assert reader.thread(key, title="Squatted", url=f"{SITE_ORIGIN}/{key}").status_code == 200
        if n % 50 == 0:
            assert reader.form(key).status_code == 200
            assert reader.counts(key).get_json() == {key: 0}
    assert thread_rows() == 0

    reader.origin = SITE_ORIGIN
    response = reader.post("real-article")
    assert response.status_code == 201
    assert stored("real-article").comment_count == 1
    assert thread_rows() == 1


def test_the_empty_thread_of_an_unknown_key_renders_and_caches_like_any_thread(reader, write):
    first = reader.thread("not-yet")
    assert first.status_code == 200
    assert 'class="parley-thread" data-thread="not-yet" data-count="0"' in first.text
    assert "No comments yet" in first.text
    assert first.headers["Cache-Control"] == "public, max-age=0, s-maxage=10, must-revalidate"
    assert first.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    etag = first.headers["ETag"]
    again = reader.thread("not-yet", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    assert thread_rows() == 0
    # Its first comment makes it a stored thread, with a new ETag.
    write("not-yet")
    changed = reader.thread("not-yet", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_title_in_the_request_never_becomes_the_threads(reader):
    reader.thread("coming-article", title="FAKE: editor resigns in disgrace", url=f"{SITE_ORIGIN}/coming-article")
    response = reader.client.post(
        f"/embed/{reader.site.key}/comments",
        query_string={"thread": "coming-article", "title": "FAKE: editor resigns in disgrace"},
        data={"name": "Madi Asanov", "email": "madi@example.org", "body": "First!"}, headers=reader.headers())
    assert response.status_code == 201
    assert "FAKE" not in stored("coming-article").title


def test_a_claimed_url_off_the_sites_origins_is_not_stored(reader):
    assert post_from(reader, "phished", f"{OTHER_ORIGIN}/phish").status_code == 201
    assert (stored("phished").title, stored("phished").url) == ("", "")


def test_a_rejected_first_comment_also_opens_the_thread_but_a_bots_does_not(reader, site):
    set_policy(site, {"min_submit_seconds": 0, "banned_words": ["idiot"]})
    assert reader.post("refused", body="you idiot").status_code == 403
    assert stored("refused").comment_count == 0
    set_policy(site, {"min_submit_seconds": 60})
    assert reader.post("by-a-bot").status_code == 403
    assert db.session.execute(db.select(Thread).filter_by(key="by-a-bot")).scalar_one_or_none() is None


# --- the site's own page, served for real on 127.0.0.1 ----------------------------------------


class ArticlePages:
    """A news site's pages: path -> (status, headers, body, seconds to wait before answering)."""

    def __init__(self):
        self.pages = {}
        self.requests = []
        pages_of = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                pages_of.requests.append((self.path, self.headers.get("User-Agent")))
                status, headers, body, delay = pages_of.pages.get(self.path, (404, {}, b"", 0))
                time.sleep(delay)
                self.send_response(status)
                for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def serve(self, path, body, status=200, headers=None, delay=0):
        self.pages[path] = (status, headers or {}, body.encode() if isinstance(body, str) else body, delay)
        return self.origin + path

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def news_pages():
    pages_server = ArticlePages()
    yield pages_server
    pages_server.close()


@pytest.fixture
def local_site(app, news_pages):
    """A site whose origin is the local page server."""
    return set_policy(create_site("Steppe Daily", [news_pages.origin]), {"min_submit_seconds": 0, "duplicate_window_hours": 0})


@pytest.fixture
def local_reader(reader, local_site, news_pages):
    """The shared reader fixture's browser, on the local site's page."""
    reader.site, reader.origin = local_site, news_pages.origin
    return reader


def article(site, thread='data-thread="{key}"', title='data-title="Parliament passes the water law"', key="",
            head="<title>Water law | Steppe Daily</title>"):
    widget = f'<div id="parley-comments" data-site="{site.key}" {thread.format(key=key)} {title}></div>'
    return f"<!doctype html><html><head>{head}</head><body><h1>Water law</h1>{widget}</body></html>"


def post_from(reader, key, url, body="First comment."):
    return reader.client.post(
        f"/embed/{reader.site.key}/comments", query_string={"thread": key, "url": url},
        data={"name": "Madi Asanov", "email": "madi@example.org", "body": body}, headers=reader.headers())


def test_the_title_is_read_from_the_page_that_embeds_the_thread(local_reader, local_site, news_pages):
    url = news_pages.serve("/water-law", article(local_site, key="water-law"))
    assert post_from(local_reader, "water-law", url).status_code == 201
    thread = stored("water-law")
    assert (thread.title, thread.url) == ("Parliament passes the water law", url)
    assert news_pages.requests == [("/water-law", pages.USER_AGENT)]
    # Later comments don't fetch again.
    assert post_from(local_reader, "water-law", url, body="Second.").status_code == 201
    assert len(news_pages.requests) == 1


def test_without_data_title_the_page_gives_og_title_then_its_title(local_reader, local_site, news_pages):
    og = '<meta property="og:title" content="Water law &amp; you"><title>Ignored</title>'
    url = news_pages.serve("/og", article(local_site, key="og", title="", head=og))
    assert post_from(local_reader, "og", url).status_code == 201
    assert stored("og").title == "Water law & you"
    url = news_pages.serve("/plain", article(local_site, key="plain", title=""))
    assert post_from(local_reader, "plain", url).status_code == 201
    assert stored("plain").title == "Water law | Steppe Daily"


def test_a_thread_keyed_by_its_canonical_url_is_verified_by_it(local_reader, local_site, news_pages):
    canonical = f"{news_pages.origin}/news/canonical"
    url = news_pages.serve("/news/canonical?utm_source=x", article(
        local_site, thread="", head=f'<link rel="canonical" href="/news/canonical"><title>Canonical story</title>',
        title=""))
    assert post_from(local_reader, canonical, url).status_code == 201
    assert stored(canonical).title == "Canonical story"


@pytest.mark.parametrize("case", ["other thread", "other site", "timeout", "oversize", "not html", "404",
                                  "redirect off the origins"])
def test_a_page_that_doesnt_verify_leaves_the_title_blank_and_the_comment_stands(
        local_reader, local_site, news_pages, case, monkeypatch):
    monkeypatch.setattr(pages, "FETCH_SECONDS", 0.5)
    body, options = article(local_site, key="story"), {}
    if case == "other thread":
        body = article(local_site, key="another-story")
    elif case == "other site":
        body = body.replace(local_site.key, "SomeOtherSite123")
    elif case == "timeout":
        options = {"delay": 1.5}
    elif case == "oversize":
        body = body + " " * (pages.MAX_PAGE_BYTES + 1)
    elif case == "not html":
        options = {"headers": {"Content-Type": "text/plain"}}
    elif case == "404":
        options = {"status": 404}
    else:
        news_pages.serve("/elsewhere", article(local_site, key="story"))
        options = {"status": 302, "headers": {"Location": f"http://localhost:{news_pages.server.server_address[1]}/elsewhere"}}
    url = news_pages.serve("/story", body, **options)
    started = time.monotonic()
    response = post_from(local_reader, "story", url)
    assert response.status_code == 201
    assert time.monotonic() - started < 1.4
    thread = stored("story")
    assert (thread.title, thread.url) == ("", url)
    if case == "redirect off the origins":
        assert [path for path, _ in news_pages.requests] == ["/story"]


def test_a_redirect_within_the_sites_origins_is_followed(local_reader, local_site, news_pages):
    news_pages.serve("/moved", article(local_site, key="moved"))
    url = news_pages.serve("/old", "", status=301, headers={"Location": "/moved"})
    assert post_from(local_reader, "moved", url).status_code == 201
    assert stored("moved").title == "Parliament passes the water law"


def test_nothing_is_fetched_for_a_url_off_the_sites_origins(local_reader, news_pages):
    assert post_from(local_reader, "off", f"http://localhost:{news_pages.server.server_address[1]}/x").status_code == 201
    assert news_pages.requests == []
    assert stored("off").url == ""


# --- a moderator corrects the title and URL -------------------------------------------------


def edit_page(client, thread):
    return client.get(f"/moderate/threads/{thread.id}")


def edit(client, thread, **fields):
    return client.submit(f"/moderate/threads/{thread.id}", fields, page=f"/moderate/threads/{thread.id}")


@pytest.fixture
def moderator_client(open_dashboard, site):
    add_moderator(sites=[site])
    client = open_dashboard()
    client.log_in()
    return client


def test_a_moderator_corrects_a_threads_title_and_url(moderator_client, site, write, reader):
    thread = write("water-law").thread
    etag = reader.thread("water-law").headers["ETag"]
    assert "edit title" in moderator_client.get(f"/moderate/queue/published?site={site.key}").text
    response = edit(moderator_client, thread, title="  Parliament passes\nthe water law ", url=f"{SITE_ORIGIN}/water")
    assert response.status_code == 303
    thread = stored("water-law")
    assert (thread.title, thread.url) == ("Parliament passes the water law", f"{SITE_ORIGIN}/water")
    entry = db.session.scalars(db.select(AuditEntry)).one()
    assert entry.action == "edit-thread" and "Parliament passes the water law" in entry.note
    assert "Parliament passes the water law" in moderator_client.get(f"/moderate/queue/published?site={site.key}").text
    # The thread's fragments go stale (their links carry its URL).
    assert reader.thread("water-law", headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize("fields, message", [
    ({"title": "Fine", "url": f"{OTHER_ORIGIN}/water"}, "on one of the site&#39;s origins"),
    ({"title": "Fine", "url": "javascript:alert(1)"}, "on one of the site&#39;s origins"),
    ({"title": "x" * (TITLE_MAX + 1), "url": ""}, f"at most {TITLE_MAX} characters"),
])
def test_a_bad_title_or_url_is_refused_with_a_reason(moderator_client, write, fields, message):
    thread = write("water-law").thread
    response = edit(moderator_client, thread, **fields)
    assert response.status_code == 422
    assert message in response.text
    thread = stored("water-law")
    assert (thread.title, thread.url) == ("", f"{SITE_ORIGIN}/water-law")
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 0


def test_an_edit_without_its_csrf_token_is_400(moderator_client, write):
    thread = write("water-law").thread
    response = moderator_client.post(f"/moderate/threads/{thread.id}", data={"title": "Hijacked", "url": ""})
    assert response.status_code == 400
    assert stored("water-law").title == ""


def test_a_moderator_of_another_site_cant_see_or_edit_the_thread(open_dashboard, moderator_client, write):
    other = create_site("Other Paper", ["https://other.example"])
    thread = write("water-law").thread
    add_moderator("other@other.example", sites=[other])
    stranger = open_dashboard()
    stranger.log_in(email="other@other.example")
    assert edit_page(stranger, thread).status_code == 404
    response = stranger.submit(f"/moderate/threads/{thread.id}", {"title": "Hijacked", "url": ""})
    assert response.status_code == 404
    assert stored("water-law").title == ""
    assert stranger.get("/moderate/threads/99999999999999999999").status_code == 404
