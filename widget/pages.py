"""A new thread's title, read from the site's own article page, never from the request.

Whoever posts a thread's first comment claims the page it sits on (the POST's
`url`). Parley fetches that page itself, and only when it is on one of the
site's registered origins (set by the site's owner, so nothing else is ever
fetched), and believes it only if the page embeds this very thread: the
widget's element with the site's key and the thread's key, or, for a thread
keyed by its page's URL, the page's canonical URL equal to the key. The title
is then the element's data-title, else og:title, else <title>.

The fetch runs beside the request with a deadline: a slow, huge, redirected or
failing page costs the comment at most FETCH_SECONDS and leaves the title blank.
"""
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser

import ada_url
import requests

FETCH_SECONDS = 2.0
MAX_PAGE_BYTES = 1_000_000
MAX_REDIRECTS = 3
USER_AGENT = "Parley/1 (reads the article page to title its comment thread)"
WIDGET_ID = "parley-comments"


@dataclass
class PageFacts:
    """What the page says about itself, as a browser would read it."""

    widgets: list = field(default_factory=list)  # attributes of each #parley-comments element
    canonical: str | None = None
    og_title: str | None = None
    title: str = ""


class PageReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.facts = PageFacts()
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if attrs.get("id") == WIDGET_ID:
            self.facts.widgets.append(attrs)
        if tag == "link" and "canonical" in attrs.get("rel", "").lower().split() and self.facts.canonical is None:
            self.facts.canonical = attrs.get("href", "")
        elif tag == "meta" and attrs.get("property") == "og:title" and self.facts.og_title is None:
            self.facts.og_title = attrs.get("content", "")
        elif tag == "title" and not self.facts.title:
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.facts.title += data


def page_key(page_url, canonical):
    """The thread key embed.js gives a page without data-thread: its canonical URL, else origin and path."""
    try:
        if canonical:
            return ada_url.join_url(page_url, canonical)
        parsed = ada_url.URL(page_url)
        return parsed.origin + parsed.pathname
    except ValueError:
        return None


def embedded_title(html, page_url, site_key, thread_key):
    """The title of `thread_key` if the page embeds it for `site_key`, else None."""
    reader = PageReader()
    reader.feed(html)
    reader.close()
    facts = reader.facts
    for widget in facts.widgets:
        if widget.get("data-site") != site_key:
            continue
        claimed = widget.get("data-thread") or page_key(page_url, facts.canonical)
        if claimed == thread_key:
            return widget.get("data-title") or facts.og_title or facts.title
    return None


class PageUnfit(Exception):
    """The page can't be read: off the site's origins, redirected away, too big, not HTML, or failing."""


def on_origins(url, origins):
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        return False
    return parsed.protocol in ("http:", "https:") and parsed.origin in origins


def download(url, origins, deadline):
    """The page's HTML, following redirects only within `origins`, within the deadline and size bound."""
    with requests.Session() as session:
        session.trust_env = False  # no proxies or .netrc credentials from the environment
        for _ in range(MAX_REDIRECTS + 1):
            if not on_origins(url, origins):
                raise PageUnfit(f"{url} is not on the site's origins")
            response = session.get(url, stream=True, allow_redirects=False, timeout=FETCH_SECONDS,
                                   headers={"User-Agent": USER_AGENT, "Accept": "text/html"})
            with response:
                if response.is_redirect:
                    url = ada_url.join_url(url, response.headers["Location"])
                    continue
                if response.status_code != 200 or "html" not in response.headers.get("Content-Type", ""):
                    raise PageUnfit(f"{url} answered {response.status_code} {response.headers.get('Content-Type')}")
                body = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > MAX_PAGE_BYTES or time.monotonic() > deadline:
                        raise PageUnfit(f"{url} is too big or too slow")
                # requests guesses ISO-8859-1 when no charset is named; HTML today is UTF-8.
                named = "charset" in response.headers["Content-Type"].lower()
                return url, body.decode(response.encoding if named else "utf-8", errors="replace")
        raise PageUnfit(f"{url} redirects too often")


def fetch_title(page_url, origins, site_key, thread_key, log):
    """The title the site's page at `page_url` gives thread `thread_key`, or "" (after FETCH_SECONDS at most)."""
    found = {}

    def work():
        try:
            final_url, html = download(page_url, origins, time.monotonic() + FETCH_SECONDS)
            found["title"] = embedded_title(html, final_url, site_key, thread_key)
        except (PageUnfit, requests.RequestException, ValueError, LookupError) as error:
            found["error"] = error

    # A daemon thread, so a page that stalls between reads can't hold the comment past the deadline.
    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(FETCH_SECONDS)
    if "title" in found and found["title"] is not None:
        return found["title"]
    log.info("thread %s: no title from %s (%s)", thread_key, page_url,
             found.get("error") or ("the page doesn't embed this thread" if "title" in found else "timed out"))
    return ""
