"""Comment markdown to sanitised HTML, done once when a comment is written.

markdown-it-py parses a small subset with raw HTML off and bare URLs
linkified; nh3 then keeps only an allow-list of tags and attributes, so even a
parser bug can't let markup through. Every link gets USER_LINK_REL. `read_html` reads the result back as a reader
gets it, for the policy: the text shown and the links.
"""
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt

USER_LINK_REL = "nofollow ugc noopener noreferrer"

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    .enable(["strikethrough", "linkify"])
    # Outside the subset: headings, rules, images and link reference
    # definitions stay as the plain text the reader typed.
    .disable(["heading", "lheading", "hr", "image", "reference"])
)

_cleaner = nh3.Cleaner(
    tags={"p", "br", "em", "strong", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a"},
    # "*" replaces ammonia's generic defaults (title, lang) with nothing.
    attributes={"*": set(), "a": {"href"}, "ol": {"start"}},
    url_schemes={"http", "https", "mailto"},
    # A relative link would point into the host page's own site: no use in a comment.
    url_relative="deny",
    link_rel=USER_LINK_REL,
    strip_comments=True,
)


def render_markdown(source):
    """The sanitised HTML for a comment's markdown source."""
    return _cleaner.clean(_markdown.render(source)).strip()


# Elements that start a new line on screen: words on either side stay apart.
LINE_BREAKING_TAGS = {"p", "br", "li", "blockquote", "pre", "ul", "ol"}
# An address a reader can copy into a browser, linked or not ("https://%65vil.example" isn't linked).
SCHEME_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """Rendered comment HTML as a reader gets it."""

    text: str  # everything shown, character references decoded once
    unlinked_text: str  # the text outside links (code spans, addresses linkify didn't take)
    link_text: str  # the links' own words, which may show another address than they open
    hrefs: tuple  # every link's address, as the browser opens it (before its own URL parsing)


class _Reader(HTMLParser):
    def __init__(self):
        # convert_charrefs decodes each reference once, in text and attributes: "&amp;#105;" reads "&#105;".
        super().__init__(convert_charrefs=True)
        self.text, self.unlinked, self.linked, self.hrefs = [], [], [], []
        self.open_links = 0

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.open_links += 1
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)
        self.separate(tag)

    def handle_endtag(self, tag):
        if tag == "a":
            self.open_links = max(0, self.open_links - 1)
        self.separate(tag)

    def handle_data(self, data):
        self.text.append(data)
        (self.linked if self.open_links else self.unlinked).append(data)

    def separate(self, tag):
        """A new line on screen parts words; a link's edge parts its words from the text around it."""
        if tag in LINE_BREAKING_TAGS:
            self.text.append("\n")
        if tag in LINE_BREAKING_TAGS or tag == "a":
            self.unlinked.append("\n")
            self.linked.append("\n")


def read_html(html):
    """What readers get of `html` (render_markdown's output): the rules judge this, not only the source,
    since markdown and character references can spell what the source doesn't ("id&#105;ot")."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return Reading("".join(reader.text), "".join(reader.unlinked), "".join(reader.linked), tuple(reader.hrefs))


def visible_text(html):
    """The text a reader sees of rendered comment HTML, character references decoded exactly once."""
    return read_html(html).text


def urls_in(text):
    """The http(s) addresses a reader can read in plain text, each once: what linkify would link
    ("evil&#46;com" shows "evil.com" but isn't linked), and any scheme:// address it wouldn't."""
    linkify = _markdown.linkify
    found = {match.index: match.url for match in (linkify.match(text) if linkify.pretest(text) else None) or ()}
    for match in SCHEME_URL.finditer(text):
        found.setdefault(match.start(), match.group())
    return [url for url in found.values() if url.lower().startswith(("http://", "https://"))]
