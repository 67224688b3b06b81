"""Comment markdown: the subset that renders, the links it makes, and what it never lets through."""
import html
import re
from html.parser import HTMLParser

import pytest

from widget.render import USER_LINK_REL, avatar_colour, initials, render_markdown

ALLOWED_TAGS = {"p", "br", "em", "strong", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "rel"}, "ol": {"start"}}
VOID_TAGS = {"br"}
SAFE_SCHEMES = {"http", "https", "mailto"}
REL = "nofollow ugc noopener noreferrer"


class TagCollector(HTMLParser):
    """Every start tag with its attributes, and whether the markup is balanced."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (tag, [(name, value), ...])
        self.open = []
        self.unbalanced = []

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
            self.unbalanced.append(tag)


def parse(markup):
    parser = TagCollector()
    parser.feed(markup)
    parser.close()
    return parser


def links(markup):
    return [dict(attrs) for tag, attrs in parse(markup).tags if tag == "a"]


# Stripped before a browser reads a URL scheme (and more: any whitespace or control character).
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")


def href_scheme(href):
    """The scheme a browser would use for an href, or None for a relative URL.

    HTMLParser has already decoded character references once, as a browser
    does; html.unescape here catches anything left double-encoded as well.
    """
    value = _IGNORED_IN_SCHEME.sub("", html.unescape(href)).lower()
    match = _SCHEME.match(value)
    return match.group(1) if match else None


