"""Comment markdown to sanitised HTML, done once when a comment is written.

markdown-it-py parses a small subset with raw HTML off and bare URLs
linkified; nh3 then keeps only an allow-list of tags and attributes, so even a
parser bug can't let markup through. Every link gets USER_LINK_REL.
"""
import hashlib

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


def initials(name):
    """Up to two letters for an avatar: "Madi Asanov" -> "MA"."""
    letters = [word[0] for word in name.split() if word[0].isalnum()]
    if not letters:
        return "?"
    if len(letters) == 1:
        return letters[0].upper()
    return (letters[0] + letters[-1]).upper()


AVATAR_COLOURS = 8


def avatar_colour(name):
    """A stable palette index (0-7) for a name, so a person keeps one colour."""
    return hashlib.blake2s(name.casefold().encode(), digest_size=1).digest()[0] % AVATAR_COLOURS
