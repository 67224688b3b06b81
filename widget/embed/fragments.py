"""What fragment templates need beyond autoescaping: display filters and a markup version."""
import functools
import hashlib
import os

from flask import current_app

from ..render import USER_LINK_REL, avatar_colour, initials
from ..threads import REPLIES_SHOWN
from ..urls import external_url
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


@bp.record_once
def register_globals(state):
    # Globals, unlike context processors, also reach imported macros.
    state.app.jinja_env.globals.update(
        external_url=external_url, user_link_rel=USER_LINK_REL, replies_shown=REPLIES_SHOWN
    )


bp.add_app_template_filter(readable_date, "readable_date")
bp.add_app_template_filter(iso_datetime, "iso_datetime")
bp.add_app_template_filter(initials, "initials")
bp.add_app_template_filter(avatar_colour, "avatar_colour")
