"""What fragment templates need beyond autoescaping: display filters, avatars and a markup version."""
import functools
import hashlib
import os

from flask import current_app, request
from markupsafe import Markup

from ..render import USER_LINK_REL
from ..threads import REPLIES_SHOWN
from ..web import external_url
from . import bp


@functools.cache
def markup_version():
    """A digest of the embed templates, so a deploy that changes markup changes every ETag."""
    folder = os.path.join(current_app.template_folder, "embed")
    digest = hashlib.blake2s(digest_size=8)
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as template:
            digest.update(name.encode() + template.read())
    return digest.hexdigest()


def readable_date(moment):
    """"1 December 2026, 07:05 UTC": embed.js restates it in the reader's own zone."""
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def iso_datetime(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def fragment_base(request):
    """The URL every link of a fragment starts with: PARLEY_PUBLIC_URL, else the request's root."""
    return current_app.config["PARLEY_PUBLIC_URL"] or request.root_url


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


def comment_markup(comment, site, thread):
    """A comment's own markup (templates/embed/_comment_own.html), kept per process.

    Its key holds everything the markup is made from (the body by its digest,
    so the key stays small), so a comment that changes in any way, an edit of
    its text alone included, or a page served under another base URL, gets a
    new entry; a thread's new version re-renders only its new or changed comments.
    """
    reader = comment.reader
    key = (
        fragment_base(request), site.key, thread.key, thread.url,
        comment.id, comment.parent_id, comment.depth, comment.created, comment.status, comment.pinned,
        comment.staff_id, comment.author_name, comment.author_website, comment.edited, comment.deleted_by,
        comment.like_count,
        reader.name if reader else None, reader.avatar_url if reader else None,
        hashlib.blake2s(comment.body_html.encode(), digest_size=16).digest(),
    )
    markup = current_app.extensions["parley_comment_markup"].get(key)
    if markup is None:
        template = current_app.jinja_env.get_template("embed/_comment_own.html")
        markup = Markup(template.render(c=comment, site=site, thread=thread))
        current_app.extensions["parley_comment_markup"].put(key, markup)
    return markup


@bp.record_once
def register_globals(state):
    # Globals, unlike context processors, also reach imported macros.
    state.app.jinja_env.globals.update(
        external_url=external_url, user_link_rel=USER_LINK_REL, replies_shown=REPLIES_SHOWN,
        comment_markup=comment_markup,
    )


bp.add_app_template_filter(readable_date, "readable_date")
bp.add_app_template_filter(iso_datetime, "iso_datetime")
bp.add_app_template_filter(initials, "initials")
bp.add_app_template_filter(avatar_colour, "avatar_colour")
