"""What several test modules share: origins, a hostile-input corpus, an HTML tag collector,
apps on a Redis, dashboard accounts and their CSRF tokens."""
import os
import re
import socket
from html.parser import HTMLParser

import pytest
import redis
from flask import current_app
from sqlalchemy import text

from widget import create_app
from widget.extensions import db

# Long and varied enough for check_settings; the tests of that check make their own.
SECRET_KEY = "tests-only-key-2Jq8vXe5LmR0tW3nYb7KpHs"
SITE_ORIGIN = "https://news.example.org"
OTHER_ORIGIN = "https://elsewhere.example.com"

# The Redis tests' own database number on the machine's Redis.
REDIS_URL = os.environ.get("PARLEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")

# Tests post many comments quickly; the tests of limits set their own.
GENEROUS_LIMITS = {
    name: "100000 per second"
    for name in ("PARLEY_LIMIT_COMMENT", "PARLEY_LIMIT_COMMENT_IP", "PARLEY_LIMIT_SIGNIN", "PARLEY_LIMIT_READ")
}


def empty_tables():
    current_app.extensions["parley_limits"].reset()
    db.session.remove()
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


def free_port():
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


ALLOWED_TAGS = {"p", "br", "em", "strong", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "rel"}, "ol": {"start"}}
VOID_TAGS = {"br"}
SAFE_SCHEMES = {"http", "https", "mailto"}
REL = "nofollow ugc noopener noreferrer"


class TagCollector(HTMLParser):
    """Every start tag with its attributes, and any end tag that closes nothing open."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (tag, [(name, value), ...]) in document order
        self.open = []
        self.stray_end_tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()
        else:
            self.stray_end_tags.append(tag)


def parse(markup):
    parser = TagCollector()
    parser.feed(markup)
    parser.close()
    return parser


def tag_names(markup):
    return [tag for tag, _ in parse(markup).tags]


def links(markup):
    return [dict(attrs) for tag, attrs in parse(markup).tags if tag == "a"]


# Whitespace and control characters, which browsers skip or drop when reading a scheme.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")


def href_scheme(href):
    """The scheme a browser takes from an href, or None for a relative URL.

    `href` comes from HTMLParser, which has already decoded character
    references exactly once, as a browser does. Decoding a second time would
    invent schemes no browser sees (&amp;#106;... is a harmless relative path).
    """
    value = _IGNORED_IN_SCHEME.sub("", href).lower()
    match = _SCHEME.match(value)
    return match.group(1) if match else None


# Payloads in the spirit of OWASP's XSS filter evasion cheat sheet and PayloadsAllTheThings.
HOSTILE = [
    # script tags in many spellings
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt src=https://evil.example/x.js></ScRiPt>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script",
    "<script src=//evil.example/x.js",
    "</script><script>alert(1)</script>",
    "<<script>alert(1);//<</script>",
    "**bold**<script>alert(1)</script>*em*",
    "<script\x00>alert(1)</script>",
    "<script/xss src=https://evil.example/x.js></script>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x ONERROR=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    '<a href="https://a.org" onmouseover="alert(1)">x</a>',
    "<div onclick=alert(1)>click</div>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    # dangerous schemes in markdown link syntax
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[x](&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript%3Aalert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](file:///etc/passwd)",
    # dangerous schemes in autolink syntax, and bare
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "javascript:alert(1)",
    "see javascript://example.org/%0aalert(1)",
    # raw and unclosed markup
    '<a href="javascript:alert(1)">x</a>',
    '<a href="javascript:alert(1)"',
    "<b <i>x",
    "<a href=x onmouseover=alert(1)",
    # SVG and MathML
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    # embedding, styling and page-level elements
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>">',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="https://evil.example/x.swf">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<form action="https://evil.example/"><button>go</button></form>',
    '<table background="javascript:alert(1)">',
    # entity and encoding tricks
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    # comments, CDATA, processing instructions
    "<!-- <script>alert(1)</script> -->",
    "<!--><script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?xml version='1.0'?><script>alert(1)</script>",
    # link titles breaking out, nested brackets, references, images
    '[x](https://a.org "onmouseover=alert(1)")',
    '[x](https://a.org "\\" onmouseover=alert(1) x=\\"")',
    "[x](https://a.org 'onmouseover=alert(1)')",
    "[x](https://a.org (onmouseover=alert(1)))",
    "[[x](javascript:alert(1))](https://a.org)",
    "[x](https://a.org)(javascript:alert(1))",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    '![x](https://a.org/i.png"onerror="alert(1))',
    'https://a.org/"onmouseover=alert(1)//',
    "https://a.org/<script>alert(1)</script>",
    "> <script>alert(1)</script>\n- <img src=x onerror=alert(1)>\n1. [x](javascript:alert(1))",
]


# The dashboard: accounts made directly (the `moderator create` command has its own tests) and the
# pages' CSRF tokens; signing in and sending forms is conftest's `dashboard` fixture.
MODERATOR_EMAIL = "mod@news.example.org"
MODERATOR_PASSWORD = "correct horse battery"


def csrf_of(page):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def add_moderator(email=MODERATOR_EMAIL, sites=(), admin=False):
    from werkzeug.security import generate_password_hash

    from widget.models import Moderator

    moderator = Moderator(email=email, password_hash=generate_password_hash(MODERATOR_PASSWORD),
                          is_admin=admin, sites=list(sites))
    db.session.add(moderator)
    db.session.commit()
    return moderator


def queue_page(client, site, status="pending"):
    return client.get(f"/moderate/queue/{status}?site={site.key}")


def policy_form(site, **changes):
    """The dashboard's policy form as a browser sends it: the site's policy with `changes`,
    lists one entry per line, a checkbox present only when ticked."""
    from widget.policy import site_policy

    data = {}
    for key, value in {**site_policy(site), **changes}.items():
        if isinstance(value, bool):
            if value:
                data[key] = "y"
        elif isinstance(value, list):
            data[key] = "\n".join(value)
        else:
            data[key] = str(value)
    return data


def redis_or_skip(url):
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is unreachable at {url} (CI=true: the Redis tests must run): {error}", pytrace=False)
        pytest.skip(f"SKIPPING THE REDIS TESTS: Redis is unreachable at {url}: {error}")
    return client


def redis_app(database_url, storage_url, **config):
    return create_app({
        "PARLEY_SECRET_KEY": SECRET_KEY, "PARLEY_DATABASE_URL": database_url, "TESTING": True,
        "PARLEY_RATELIMIT_STORAGE_URI": storage_url, "PARLEY_LIMIT_COMMENT_IP": "100000 per second",
        "PARLEY_LIMIT_READ": "100000 per second", **config,
    })


def discard(app):
    app.extensions["parley_limits"].close()
    with app.app_context():
        db.engine.dispose()
