"""Every kind of page Parley (and the demo) serves carries a CSP, nosniff and a Referrer-Policy."""
import pytest

from demo.site import ARTICLE_PATH, create_news_site
from support import SITE_ORIGIN

PAGES = {
    "thread fragment": ("GET", "/embed/{site}/thread?thread=article-1", 200),
    "form fragment": ("GET", "/embed/{site}/form?thread=article-1", 200),
    "refused post": ("POST", "/embed/{site}/comments?thread=article-1", 422),
    "unknown site": ("GET", "/embed/nosuchsite1/thread?thread=a", 404),
    "counts": ("GET", "/embed/{site}/counts?thread=article-1", 200),
    "policy page": ("GET", "/embed/{site}/policy", 200),
    "sign-in of an unknown provider": ("GET", "/auth/nobody/login?site={site}&origin=x", 404),
    "dashboard login": ("GET", "/moderate/login", 200),
    "dashboard redirect": ("GET", "/moderate/", 303),
    "liveness": ("GET", "/healthz", 200),
    "readiness": ("GET", "/readyz", 200),
    "embed script": ("GET", "/static/js/embed.js", 200),
    "not found": ("GET", "/no/such/page", 404),
}


def assert_locked_down(answer):
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] in ("no-referrer", "same-origin", "strict-origin-when-cross-origin")
    csp = answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    answer.close()


@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_locked_down(client, site, name):
    method, url, status = PAGES[name]
    answer = client.open(url.format(site=site.key), method=method, headers={"Origin": SITE_ORIGIN})
    assert answer.status_code == status
    assert_locked_down(answer)


def test_the_sign_in_popup_is_locked_down(signin_app):
    client = signin_app.test_client()
    answer = client.get("/auth/demo/callback?state=forged")
    assert answer.status_code == 400
    assert_locked_down(answer)


def test_the_demo_article_is_locked_down_too():
    news = create_news_site("http://127.0.0.1:5000", "demo-site-key", "http://localhost:8000")
    answer = news.test_client().get(ARTICLE_PATH)
    assert answer.status_code == 200
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' http://127.0.0.1:5000" in csp
