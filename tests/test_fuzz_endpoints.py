"""Fuzzing every public endpoint: whatever a client sends, Parley answers in its contract's shape.

Every form field, query parameter and the headers readers' requests carry
(Origin, Authorization, X-Forwarded-For, X-Parley-Guest, Content-Type,
Accept-Language, If-None-Match) get text from all of Unicode, lone surrogates
put on the wire as the invalid UTF-8 a broken client sends, raw bytes, NULs,
broken percent-encoding and very long values. The answer is never a 500, and
it is what the contract promises: a well-formed HTML fragment with the expected
root (the thread, the form, the new comment, or a notice), a popup page, or
JSON where JSON is the contract (counts, the hand-off).

Requests are built at the WSGI level (raw QUERY_STRING, PATH_INFO and header
values as a server hands them over, latin-1 decoded bytes) so nothing in the
test client cleans them up first.

Hypothesis runs derandomized, without its example database: CI sees the same
examples on every run and writes no .hypothesis/ folder, so a failure is
reproducible rather than a flake that passes on retry. To explore further
locally, raise PARLEY_FUZZ_EXAMPLES (and set PARLEY_FUZZ_RANDOM=1 for fresh
examples on each run).
"""
import json
import os
import re
import secrets
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, HOSTILE, OTHER_ORIGIN, SAFE_SCHEMES, SITE_ORIGIN, href_scheme

from widget import behind_proxies
from widget.extensions import db
from widget.models import Reader
from widget.sites import set_policy
from widget.tokens import digest, issue_token

EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "40"))


def fuzz(examples=EXAMPLES):
    return settings(
        max_examples=examples,
        deadline=None,
        # Deterministic for CI: the same examples every run, so a red build is reproducible and a
        # green one isn't luck. Exploring with fresh examples is opt-in (PARLEY_FUZZ_RANDOM=1).
        derandomize=not os.environ.get("PARLEY_FUZZ_RANDOM"),
        database=None,
        # The app, site and client fixtures are meant to be shared by every example of a test.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large],
    )


# --- what the answers must look like -------------------------------------------------------

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Every element the embed templates write, and what the sanitizer lets into a comment's body.
FRAGMENT_TAGS = {
    "section", "header", "h2", "nav", "div", "article", "span", "time", "footer", "details", "summary",
    "form", "button", "label", "input", "textarea", "strong", "img",
    "p", "br", "em", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a",
}
PAGE_TAGS = FRAGMENT_TAGS | {"html", "head", "meta", "title", "link", "body", "main", "h1", "script"}


class Element:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.classes = set((self.attrs.get("class") or "").split())

    def within(self, cls):
        element = self
        while element is not None:
            if cls in element.classes:
                return True
            element = element.parent
        return False


class Tree(HTMLParser):
    """The elements of a piece of HTML, and what is wrong with its nesting."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.roots, self.elements, self.stack, self.problems = [], [], [], []
        self.doctype = None
        self.script_text = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.stack[-1] if self.stack else None)
        if not self.stack:
            self.roots.append(element)
        self.elements.append(element)
        if tag not in VOID_TAGS:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.stack.pop()

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1].tag == tag:
            self.stack.pop()
        else:
            self.problems.append(f"</{tag}> closes nothing open")

    def handle_data(self, data):
        if self.stack and self.stack[-1].tag == "script":
            self.script_text.append((self.stack[-1], data))
        elif not self.stack and data.strip():
            self.problems.append(f"text outside any element: {data[:40]!r}")

    def handle_decl(self, decl):
        self.doctype = decl

    def unknown_decl(self, data):
        self.problems.append(f"odd declaration {data[:40]!r}")


def parse_html(text, allowed, absolute):
    """The answer's elements, once checked: balanced, known tags, no handlers, safe URLs.

    Links in a comment's body may be http, https or mailto; every other URL is Parley's own or an
    author's website: http(s), absolute in a fragment (DESIGN: fragments live in the news site's page).
    """
    tree = Tree()
    tree.feed(text)
    tree.close()
    assert tree.problems == [], tree.problems
    assert tree.stack == [], f"left open: {[e.tag for e in tree.stack]}"
    for element in tree.elements:
        assert element.tag in allowed, f"<{element.tag}> in the answer"
        if element.parent is not None and element.parent.within("parley-body"):
            # A comment's own markup: only what the sanitizer lets through.
            assert element.tag in ALLOWED_TAGS, f"<{element.tag}> in a comment's body"
            assert set(element.attrs) <= ALLOWED_ATTRIBUTES.get(element.tag, set()), (element.tag, element.attrs)
        for name, value in element.attrs.items():
            assert not name.startswith("on"), f"{name} on <{element.tag}>"
            if name not in ("href", "src", "action"):
                continue
            scheme = href_scheme(value or "")
            if element.within("parley-body"):
                assert scheme in SAFE_SCHEMES, f"{name}={value!r}"
            elif absolute or scheme is not None:
                assert scheme in ("http", "https"), f"{name}={value!r} on <{element.tag}>"
            else:
                assert value.startswith("/") and not value.startswith("//"), f"{name}={value!r}"
    return tree


def fragment(response, root_tag, root_class):
    """The answer's one root element, after checking the answer is a well-formed fragment."""
    assert response.mimetype == "text/html", response.mimetype
    tree = parse_html(response.get_data(as_text=True), FRAGMENT_TAGS, absolute=True)
    assert tree.doctype is None
    assert len(tree.roots) == 1, [(e.tag, e.classes) for e in tree.roots]
    root = tree.roots[0]
    assert (root.tag, root_class in root.classes) == (root_tag, True), (root.tag, root.classes)
    return root, tree


def notice(response):
    root, _ = fragment(response, "p", "parley-notice")
    assert root.attrs.get("data-kind") in {"error", "rate-limited", "rejected", "signin", "closed", "held", "reported"}
    return root


def form_answer(response):
    root, tree = fragment(response, "section", "parley-compose")
    assert sum(e.tag == "form" and "parley-form" in e.classes for e in tree.elements) <= 1
    return tree


def page(response):
    """A popup or policy page: a whole, well-formed document of Parley's."""
    assert response.mimetype == "text/html", response.mimetype
    tree = parse_html(response.get_data(as_text=True), PAGE_TAGS, absolute=False)
    assert tree.doctype and tree.doctype.lower() == "doctype html"
    assert [e.tag for e in tree.roots] == ["html"]
    for script, text in tree.script_text:
        if script.attrs.get("type") == "application/json":
            json.loads(text)
    return tree


def never_500(response):
    # 502 and 503 are answers of their own (a provider that fails; the database out of reach).
    assert response.status_code != 500, response.get_data(as_text=True)[:2000]


# --- what clients send ----------------------------------------------------------------------

def mostly(usual, odd, odds=3):
    """`usual`, or `odd` about `odds` times in ten (Hypothesis favours the ends of a range, so a little
    more): requests get past the first checks often enough to reach the later ones, and shrink to usual."""
    return st.integers(0, 9).flatmap(lambda n: odd if n >= 10 - odds else usual)


LONE_SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)
ANY_CHARACTER = st.one_of(st.characters(codec=None), LONE_SURROGATES, st.sampled_from("\x00\r\n\t\u202e\ufeff\u200b"))
ANY_TEXT = st.text(ANY_CHARACTER, max_size=40)
# Values a filter or a column might trip on.
ODD_BYTES = [
    b"", b"\x00", b"\x00" * 50, b"%00", b"\xc0\x80", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xef\xbb\xbf", b"\xff\xfe",
    b"\xf4\x90\x80\x80", b"\xe2\x82", b" ", b"\t\n\r", b"-1", b"0", b"007", b"2147483648", b"9" * 40, b"1e3",
    "\u0663".encode(), "\uff11".encode(), b"..", b"1.", b".1", b"0.0", b"a.b", b"1.2.3", b"null", b"undefined",
    b"[]", b"{}", "Айгерим".encode(), "\U0001f1f0\U0001f1ff".encode(), b"Moderator", b"mailto:x@y.org",
    b"https://news.example.org/article", b"javascript:alert(1)", b"//evil.example", b"http://[::1",
]
LONG = st.builds(
    lambda unit, count: unit * count,
    st.sampled_from([b"x", "é".encode(), "😀".encode(), b"\x00", b"%", b"a ", b"[a](http://b.c) "]),
    st.integers(200, 25_000),
)


def is_utf8(value):
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# A value as bytes on the wire: text from all of Unicode as UTF-8, odd, hostile or long; or else
# bytes that aren't UTF-8 (lone surrogates passed through, random bytes), which the comment POST
# refuses outright (400), so they come less often and the other checks get their turn.
UTF8_VALUE = st.one_of(
    st.text(st.one_of(st.characters(codec="utf-8"), st.sampled_from("\x00\r\n\t\u202e\ufeff\u200b")),
            max_size=40).map(str.encode),
    st.sampled_from([value for value in ODD_BYTES if is_utf8(value)]),
    st.sampled_from(HOSTILE).map(str.encode),
    LONG,
)
NOT_UTF8_VALUE = st.one_of(
    ANY_TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
    st.sampled_from([value for value in ODD_BYTES if not is_utf8(value)]),
)
WIRE_VALUE = mostly(UTF8_VALUE, NOT_UTF8_VALUE, odds=2)
BROKEN_PERCENT = st.sampled_from([b"%", b"%Z", b"%ZZ", b"%e2%82", b"%%", b"%u0041", b"%0", b"%C0%80", b"%ED%A0%80",
                                  b"%FF%FE", b"%F4%90%80%80", b"+", b"%2", b"%%41"])


def raw(value):
    """`value` unencoded, but for what would split the pair (invalid UTF-8 bytes pass as they are)."""
    return value.replace(b"%", b"%25").replace(b"&", b"%26").replace(b"=", b"%3D").replace(b"#", b"%23")


def quoted(value):
    return quote_from_bytes(value, safe="").encode()


# Mostly percent-encoded properly; else raw (invalid UTF-8 passes as it is) or broken percent-encoding.
ENCODED = st.lists(mostly(WIRE_VALUE.map(quoted), st.one_of(WIRE_VALUE.map(raw), BROKEN_PERCENT)),
                   min_size=1, max_size=3).map(b"".join)


def pairs(usual, extra_names=()):
    """An urlencoded string: each (name, value) of `usual` sent as it is, with a fuzzed value,
    left out or repeated; then a few pairs of other names, odd names and broken pairs."""

    def one(name, value):
        good = name + b"=" + quoted(value)
        odd = ENCODED.map(lambda v: name + b"=" + v)
        return st.integers(0, 9).flatmap(lambda n: (
            st.just([good]) if n < 6 else odd.map(lambda o: [o]) if n < 8 else st.just([]) if n < 9
            else st.tuples(odd, st.booleans()).map(lambda t: [good, t[0]] if t[1] else [t[0], good])))

    junk = st.one_of(
        st.tuples(st.one_of(st.sampled_from([n for n, _ in usual] + list(extra_names) or [b"x"]), ENCODED),
                  ENCODED).map(b"=".join),
        ENCODED,  # a name without "="
        st.sampled_from([b"", b"=", b"==", b"&", b"=x"]),
    )
    return st.tuples(
        st.tuples(*[one(name, value) for name, value in usual]) if usual else st.just(()),
        mostly(st.just([]), st.lists(junk, min_size=1, max_size=4), odds=4),
        mostly(st.just(b"&"), st.sampled_from([b"&&", b";", b"&;"]), odds=1),
    ).map(lambda t: t[2].join([item for group in t[0] for item in group] + t[1]))


# A header value as a server hands it over: bytes on the wire (no line breaks), decoded latin-1.
ODD_HEADER = st.one_of(
    ANY_TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=60),
    st.sampled_from(ODD_BYTES),
    LONG.map(lambda value: value[:8000]),
).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"").decode("latin-1"))


def header(usual, *odd, odds=2):
    """Mostly `usual` (None: the header is left out), else one of `odd` or any header value."""
    return mostly(st.just(usual), st.one_of(st.sampled_from(odd), ODD_HEADER) if odd else ODD_HEADER, odds)


ORIGIN = header(SITE_ORIGIN, None, OTHER_ORIGIN, "null", SITE_ORIGIN + "/", "HTTPS://NEWS.EXAMPLE.ORG",
                "https://news.example.org:443", "", SITE_ORIGIN + "\x00", " " + SITE_ORIGIN, odds=1)
GUEST_KEY = header(None, "k" * 43, secrets.token_urlsafe(32), "k" * 42, "k" * 44)
CONTENT_TYPE = mostly(st.just("application/x-www-form-urlencoded"), st.sampled_from([
    "application/x-www-form-urlencoded; charset=latin-1", "application/x-www-form-urlencoded; charset=utf-16",
    "APPLICATION/X-WWW-FORM-URLENCODED", "multipart/form-data", "multipart/form-data; boundary=x",
    "multipart/form-data; boundary=", "text/plain", "application/json", "", "\x00", "a/b; c=\xff",
]), odds=2)
ACCEPT_LANGUAGE = header("kk-KZ,ru;q=0.9", "*", "en;q=x", ";;;", "x" * 300)
IF_NONE_MATCH = header(None, "*", 'W/"abc"', '"abc"', '"unterminated', "W/", ",,,", 'W/"x", *, "y"')
XFF = header("203.0.113.9", "203.0.113.9, 198.51.100.1", "::1", "2001:db8::1", "unknown", ",", "", "x" * 500,
             "::ffff:203.0.113.9", "1.2.3.4.5", "999.1.1.1", "fe80::1%eth0", "203.0.113.9\x00")


def authorizations(token):
    valid = st.sampled_from([None, f"Bearer {token}"])
    odd = st.one_of(
        st.sampled_from([f"bearer  {token} ", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 43,
                         "Bearer " + "x" * 201, "Bearer\x00", f"Bearer {token}\x00"]),
        ODD_HEADER, ODD_HEADER.map(lambda value: "Bearer " + value),
    )
    return mostly(valid, odd, odds=2)


@st.composite
def headers(draw, authorization=st.none()):
    """Reader-request headers, for environ_overrides."""
    chosen = {
        "HTTP_ORIGIN": draw(ORIGIN),
        "HTTP_AUTHORIZATION": draw(authorization),
        "HTTP_X_PARLEY_GUEST": draw(GUEST_KEY),
        "HTTP_ACCEPT_LANGUAGE": draw(ACCEPT_LANGUAGE),
        "HTTP_IF_NONE_MATCH": draw(IF_NONE_MATCH),
        "HTTP_X_FORWARDED_FOR": draw(XFF),
    }
    return {key: value for key, value in chosen.items() if value is not None}


def request(client, method, path, query=b"", body=None, environ=None, content_type=None):
    """One request as a WSGI server would hand it over: the path and query string as raw bytes."""
    overrides = {"PATH_INFO": path.decode("latin-1"), "QUERY_STRING": query.decode("latin-1"), **(environ or {})}
    if content_type is not None:
        overrides["CONTENT_TYPE"] = content_type
    try:
        response = client.open("/", method=method, data=body, environ_overrides=overrides)
    except Exception:
        # The test's app context outlives the request: leave the next example a usable session.
        db.session.rollback()
        raise
    never_500(response)
    return response


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def token(app, site):
    reader = Reader(provider="demo", subject="fuzz", name="Fuzz Reader", email="fuzz@example.org")
    db.session.add(reader)
    db.session.commit()
    return issue_token(reader, site, 30)[0]


@pytest.fixture
def lenient(app, monkeypatch):
    """Trust one proxy's X-Forwarded-For, so its value reaches the code; generous limits."""
    monkeypatch.setattr(app, "wsgi_app", behind_proxies(app.wsgi_app, 1))
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_REACT", "100000 per second")
    return app


def site_segment(site):
    """The site key in the path: mostly the real one, else anything a path segment can hold."""
    return mostly(st.just(site.key.encode()), st.one_of(
        WIRE_VALUE.map(lambda v: v.replace(b"/", b"") or b"x"),
        st.sampled_from([site.key.lower().encode(), site.key.encode() + b"\x00", b"NoSuchSite123", b"a" * 65]),
    ), odds=2)


THREAD = [(b"thread", b"article-1")]


# --- the embed endpoints ---------------------------------------------------------------------


@fuzz()
@given(data=st.data())
def test_thread_fragment(lenient, client, site, token, write, data):
    write("article-1", body="A *published* comment.")
    segment = data.draw(site_segment(site))
    usual = THREAD + [(b"sort", b"top"), (b"title", b"An article"), (b"url", SITE_ORIGIN.encode() + b"/a")]
    query = data.draw(pairs(usual, [b"after", b"around", b"sort"]))
    response = request(client, "GET", b"/embed/" + segment + b"/thread", query,
                       environ=data.draw(headers(authorizations(token))))
    if response.status_code == 200:
        fragment(response, "section", "parley-thread")
    elif response.status_code == 304:
        assert response.data == b""
    else:
        assert response.status_code in (400, 404, 429)
        notice(response)


@fuzz()
@given(data=st.data())
def test_form_fragment(lenient, client, site, token, write, data):
    parent = write("article-1")
    segment = data.draw(site_segment(site))
    query = data.draw(pairs(THREAD + [(b"parent", str(parent.id).encode())], [b"thread"]))
    response = request(client, "GET", b"/embed/" + segment + b"/form", query,
                       environ=data.draw(headers(authorizations(token))))
    assert response.headers["Cache-Control"] == "no-store"
    if response.status_code == 200:
        form_answer(response)
    else:
        assert response.status_code in (400, 404, 429)
        notice(response)


COMMENT_FIELDS = [b"name", b"email", b"website", b"body", b"parent", b"shown", b"homepage"]
USUAL_COMMENT = [(b"name", b"Madi Asanov"), (b"email", b"madi@example.org"), (b"website", b"madi.example.kz"),
                 (b"body", b"A fine article.")]


@fuzz(EXAMPLES * 2)
@given(data=st.data())
def test_comment_post(lenient, client, site, token, write, data):
    set_policy(site, {"min_submit_seconds": 0, "duplicate_window_hours": 0, "max_links": 1000})
    parent = write("article-1")
    segment = data.draw(site_segment(site))
    query = data.draw(pairs(THREAD, [b"thread", b"title", b"url"]))
    body = data.draw(pairs(USUAL_COMMENT + [(b"parent", str(parent.id).encode())], COMMENT_FIELDS))
    response = request(client, "POST", b"/embed/" + segment + b"/comments", query, body,
                       environ=data.draw(headers(authorizations(token))), content_type=data.draw(CONTENT_TYPE))
    assert response.headers["Cache-Control"] == "no-store"
    status = response.status_code
    if status == 201:
        root, tree = fragment(response, "article", "parley-comment")
        bodies = [e for e in tree.elements if "parley-body" in e.classes]
        assert len(bodies) == 1
    elif status in (202, 401, 403, 422) or (status == 429 and "parley-compose" in response.text):
        tree = form_answer(response)
        if status == 422:
            assert any("parley-error" in e.classes for e in tree.elements)
        else:
            assert any("parley-notice" in e.classes for e in tree.elements)
    else:
        assert status in (400, 404, 413, 429), status
        notice(response)
    if status == 429:
        assert response.headers["Retry-After"].isdigit()


@fuzz(EXAMPLES * 2)
@given(fields=st.fixed_dictionaries({
    name: mostly(st.just(usual), st.one_of(UTF8_VALUE, st.none()), odds=odds) for name, usual, odds in
    [("name", b"Madi Asanov", 4), ("email", b"madi@example.org", 3), ("website", b"madi.example.kz", 4),
     ("body", b"A fine article.", 6), ("parent", b"", 1), ("homepage", b"", 1)]
}), signed_in=st.booleans())
def test_comment_fields(lenient, client, site, token, fields, signed_in):
    """Any UTF-8 text in each field, on an otherwise ordinary request: published, held or refused
    beside its field; never a 500, and what is published holds only the sanitizer's markup."""
    set_policy(site, {"min_submit_seconds": 0, "duplicate_window_hours": 0, "max_links": 1000})
    body = b"&".join(name.encode() + b"=" + quoted(value) for name, value in fields.items() if value is not None)
    environ = {"HTTP_ORIGIN": SITE_ORIGIN, **({"HTTP_AUTHORIZATION": f"Bearer {token}"} if signed_in else {})}
    response = request(client, "POST", f"/embed/{site.key}/comments".encode(), b"thread=article-1", body,
                       environ=environ, content_type="application/x-www-form-urlencoded")
    if response.status_code == 201:
        fragment(response, "article", "parley-comment")
    else:
        assert response.status_code in (202, 403, 413, 422), response.status_code
        if response.status_code == 413:
            notice(response)
        else:
            form_answer(response)


@fuzz()
@given(data=st.data())
def test_report(lenient, client, site, token, write, data):
    comment = write("article-1")
    segment = data.draw(site_segment(site))
    comment_id = data.draw(mostly(st.just(str(comment.id)), st.one_of(
        st.integers(0, 2**70).map(str), st.sampled_from(["0", "007", "2147483648", "9" * 30]),
        # Unicode digits: Werkzeug's int converter matches them.
        st.sampled_from(["\u0661", "\uff11", "\u0967\u0968"]),
    ), odds=4)).encode()
    body = data.draw(pairs([(b"reason", b"spam")], [b"reason"]))
    response = request(client, "POST", b"/embed/" + segment + b"/comments/" + comment_id + b"/report", b"", body,
                       environ=data.draw(headers(authorizations(token))), content_type=data.draw(CONTENT_TYPE))
    assert response.status_code in (202, 401, 403, 404, 413, 422, 429)
    notice(response)


@fuzz()
@given(data=st.data())
def test_counts(lenient, client, site, write, data):
    write("article-1")
    segment = data.draw(site_segment(site))
    query = data.draw(pairs(THREAD + [(b"thread", b"article-2")], [b"thread"]))
    response = request(client, "GET", b"/embed/" + segment + b"/counts", query,
                       environ=data.draw(headers()))
    assert response.mimetype == "application/json"
    answer = json.loads(response.get_data(as_text=True))
    if response.status_code == 200:
        assert isinstance(answer, dict) and answer
        assert all(isinstance(key, str) and type(count) is int and count >= 0 for key, count in answer.items())
    else:
        assert response.status_code in (400, 404, 429)
        assert set(answer) == {"error"}


@fuzz()
@given(data=st.data())
def test_policy_page(lenient, client, site, data):
    segment = data.draw(site_segment(site))
    query = data.draw(pairs([], [b"thread"]))
    response = request(client, "GET", b"/embed/" + segment + b"/policy", query, environ=data.draw(headers()))
    if response.status_code == 200:
        tree = page(response)
        assert any(e.tag == "h1" for e in tree.elements)
    else:
        assert response.status_code == 404
        notice(response)


# --- the sign-in popup and its hand-off --------------------------------------------------------

PROVIDERS = st.one_of(
    st.sampled_from([b"demo", b"facebook", b"github", b"down", b"nosuch", b"DEMO"]),
    WIRE_VALUE.map(lambda v: v.replace(b"/", b"") or b"x"),
)


def popup_page(response, statuses):
    assert response.status_code in statuses, response.status_code
    tree = page(response)
    assert any("parley-popup-message" in e.classes for e in tree.elements)
    return tree


@pytest.fixture
def signin_site(signin_app):
    from widget.sites import create_site, set_policy, update_site

    site = set_policy(create_site("Central Asia News", [SITE_ORIGIN]), {"min_submit_seconds": 0})
    return update_site(site, providers=["demo", "facebook", "github"])


@fuzz(EXAMPLES // 2)
@given(data=st.data())
def test_login(signin_app, signin_site, data):
    site_key = signin_site.key.encode()
    provider = data.draw(mostly(st.sampled_from([b"demo", b"facebook", b"github"]), PROVIDERS))
    query = data.draw(pairs([(b"site", site_key), (b"origin", SITE_ORIGIN.encode()),
                             (b"handoff", digest("x").encode()), (b"page", f"{SITE_ORIGIN}/news/1".encode())]))
    response = request(signin_app.test_client(), "GET", b"/auth/" + provider + b"/login", query,
                       environ=data.draw(headers()))
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).scheme == "http"  # the stand-ins run on http://127.0.0.1
    else:
        popup_page(response, (400, 404, 429, 502))


@fuzz(EXAMPLES // 2)
@given(data=st.data())
def test_callback(signin_app, signin_site, data):
    popup = signin_app.test_client()
    provider = data.draw(st.sampled_from([b"demo", b"facebook", b"github"]))
    names = [b"state", b"code", b"error", b"error_description", b"iss", b"session_state"]
    fixed = [(b"code", b"abc")]
    if data.draw(st.booleans()):
        # A sign-in really under way in this popup, so its state is right and the rest goes on.
        started = popup.get(f"/auth/{provider.decode()}/login",
                            query_string={"site": signin_site.key, "origin": SITE_ORIGIN})
        assert started.status_code == 302, started.text
        state = re.search(r"[?&]state=([^&]+)", started.headers["Location"]).group(1)
        fixed.append((b"state", state.encode()))
    query = data.draw(pairs(fixed, names))
    response = request(popup, "GET", b"/auth/" + provider + b"/callback", query, environ=data.draw(headers()))
    popup_page(response, (200, 400, 403, 404, 502))


@fuzz(EXAMPLES // 2)
@given(data=st.data())
def test_handoff(signin_app, signin_site, data):
    body = data.draw(pairs([(b"site", signin_site.key.encode()), (b"code", b"c" * 43), (b"secret", b"s" * 43)]))
    response = request(signin_app.test_client(use_cookies=False), "POST", b"/auth/handoff", b"", body,
                       environ=data.draw(headers()), content_type=data.draw(CONTENT_TYPE))
    assert response.status_code in (400, 403, 413)
    assert response.mimetype == "application/json"
    json.loads(response.get_data(as_text=True))


@fuzz(EXAMPLES // 2)
@given(data=st.data())
def test_handoff_confirm(signin_app, signin_site, data):
    body = data.draw(pairs([(b"confirm", b"x" * 22)]))
    response = request(signin_app.test_client(), "POST", b"/auth/handoff/confirm", b"", body,
                       environ=data.draw(headers()), content_type=data.draw(CONTENT_TYPE))
    popup_page(response, (400, 413))


@fuzz(EXAMPLES // 2)
@given(data=st.data())
def test_logout(signin_app, signin_site, data):
    query = data.draw(pairs([(b"site", signin_site.key.encode())]))
    method = data.draw(st.sampled_from(["POST", "POST", "OPTIONS"]))
    response = request(signin_app.test_client(use_cookies=False), method, b"/auth/logout", query, b"",
                       environ=data.draw(headers(authorizations("x" * 43))), content_type=data.draw(CONTENT_TYPE))
    assert response.status_code == 204 and response.data == b""


# --- what the fuzzing found, pinned down -------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["thread", "form", "counts", "policy"])
def test_raw_bytes_that_arent_utf8_in_the_query_string_are_no_500(client, site, endpoint):
    # Werkzeug decodes a raw query string strictly: without Parley's percent-encoding of raw
    # bytes, request.args raised UnicodeDecodeError.
    query = b"thread=article-\xff&thread=\xc3\x28&title=\xed\xa0\x80&sort=oldest&x\x80=y"
    response = request(client, "GET", f"/embed/{site.key}/{endpoint}".encode(), query,
                       environ={"HTTP_ORIGIN": SITE_ORIGIN})
    assert response.status_code == 200
    if endpoint == "counts":
        assert response.get_json() == {"article-%FF": 0, "%C3(": 0}
    elif endpoint == "thread":
        assert 'data-thread="article-%FF"' in response.text


def test_raw_bytes_in_the_sign_in_query_string_are_no_500(signin_app, signin_site):
    query = b"site=" + signin_site.key.encode() + b"&origin=https://news.example.org\xff"
    response = request(signin_app.test_client(), "GET", b"/auth/demo/login", query)
    popup_page(response, (400,))


@pytest.mark.parametrize("comment_id", ["2147483648", "9" * 30, "\u0661\u0662"])
def test_report_of_a_comment_id_past_any_row_is_404(client, site, write, comment_id):
    write()
    response = client.post(f"/embed/{site.key}/comments/{comment_id}/report", data={"reason": "spam"},
                           headers={"Origin": SITE_ORIGIN})
    assert response.status_code == 404
    notice(response)


@pytest.mark.parametrize("forwarded", ["203.0.113.9\x00", "x" * 500, "<script>", "fe80::1%eth0", "unknown", ""])
def test_a_forwarded_address_that_isnt_one_is_the_proxys(lenient, client, site, write, forwarded):
    from widget.models import Comment, Report

    environ = {"HTTP_ORIGIN": SITE_ORIGIN, "HTTP_X_FORWARDED_FOR": forwarded, "REMOTE_ADDR": "10.0.0.7"}
    body = b"name=Madi&email=madi%40example.org&body=Through+a+proxy"
    posted = request(client, "POST", f"/embed/{site.key}/comments".encode(), b"thread=article-1", body, environ,
                     content_type="application/x-www-form-urlencoded")
    assert posted.status_code == 201
    assert db.session.scalars(db.select(Comment.ip)).all() == ["10.0.0.7"]
    comment_id = db.session.scalars(db.select(Comment.id)).one()
    reported = request(client, "POST", f"/embed/{site.key}/comments/{comment_id}/report".encode(), b"",
                       b"reason=spam", environ, content_type="application/x-www-form-urlencoded")
    assert reported.status_code == 202
    assert db.session.scalars(db.select(Report.reporter)).all() == ["ip:10.0.0.7"]


def test_a_real_forwarded_address_is_still_taken(lenient, client, site):
    from widget.models import Comment

    environ = {"HTTP_ORIGIN": SITE_ORIGIN, "HTTP_X_FORWARDED_FOR": "198.51.100.4, 2001:db8::5",
               "REMOTE_ADDR": "10.0.0.7"}
    body = b"name=Madi&email=madi%40example.org&body=Through+a+proxy"
    request(client, "POST", f"/embed/{site.key}/comments".encode(), b"thread=article-1", body, environ,
            content_type="application/x-www-form-urlencoded")
    assert db.session.scalars(db.select(Comment.ip)).all() == ["2001:db8::5"]


TWO_MEGABYTES = b"body=" + b"x" * (2 * 1024 * 1024)


def test_a_2mb_report_is_413_with_its_notice(client, site, write):
    comment = write()
    response = request(client, "POST", f"/embed/{site.key}/comments/{comment.id}/report".encode(), b"",
                       TWO_MEGABYTES, {"HTTP_ORIGIN": SITE_ORIGIN}, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    notice(response)


def test_2mb_to_the_sign_in_endpoints_is_413_in_their_own_shape(signin_app, signin_site):
    client = signin_app.test_client()
    handoff = request(client, "POST", b"/auth/handoff", b"", TWO_MEGABYTES, {"HTTP_ORIGIN": SITE_ORIGIN},
                      content_type="application/x-www-form-urlencoded")
    assert handoff.status_code == 413 and set(handoff.get_json()) == {"error"}
    confirm = request(client, "POST", b"/auth/handoff/confirm", b"", TWO_MEGABYTES,
                      content_type="application/x-www-form-urlencoded")
    popup_page(confirm, (413,))
