"""What the thread view and the fast lane (lane.py) share: it needs an app context, never a request one.

The lane answers before Flask has made a request context, so nothing here reads
`flask.request` or `g`: each function takes what it needs of the request as
arguments (the query's args, the client's address). A helper that needs the
request belongs in views.py; should one slip in here anyway, the lane logs the
error and hands the read to the view, which answers as it always does.
"""
from dataclasses import dataclass

from flask import make_response

from .. import limits
from ..text import parse_id
from ..threads import SORTS, valid_thread_key
from ..tokens import GUEST_KEY_HEADER

# Public fragments: a CDN may keep one briefly; browsers revalidate (ETag).
PUBLIC_CACHE_CONTROL = "public, max-age=0, s-maxage=10, must-revalidate"


@dataclass
class Notice:
    """What a reader is told: `.parley-notice[data-kind]` and its sentence."""

    kind: str
    message: str


class Refusal(Exception):
    """An answer that refuses the request: the form with its notice, or the notice alone.

    `form` shows the reader's form again (a views.CommentPost), None for the notice alone;
    a refusal without a notice is a 422, whose messages sit beside the fields.
    """

    def __init__(self, status, notice=None, form=None, headers=None):
        super().__init__(notice.message if notice else status)
        self.status, self.notice = status, notice
        self.form = form
        self.headers = headers or {}


def count_read(address):
    """Count one read from `address` against PARLEY_LIMIT_READ; None if allowed, else seconds to wait."""
    return limits.hit("PARLEY_LIMIT_READ", limits.ip_bucket(address))


def too_many_reads(wait):
    notice = Notice("rate-limited", f"Too many requests from your network — try again in {wait} seconds.")
    return Refusal(429, notice, headers={"Retry-After": str(wait)})


def thread_key_arg(args):
    key = args.get("thread", "")
    if not valid_thread_key(key):
        raise Refusal(400, Notice("error", "This page's comment thread has a missing or invalid identifier."))
    return key


def thread_args(args):
    """The thread key, sort, cursor and anchor of a thread request, checked (400 when wrong)."""
    key = thread_key_arg(args)
    sort = args.get("sort", "oldest")
    if sort not in SORTS:
        raise Refusal(400, Notice("error", "Comments can be sorted oldest, newest or top first."))
    after = args.get("after") or None
    around = args.get("around") or None
    if around is not None and parse_id(around) is None:
        raise Refusal(400, Notice("error", "That link points to a comment that doesn't exist."))
    return key, sort, after, around


def public_fragment(body, status, etag):
    response = make_response(body, status)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    # Always, so no shared cache hands the public copy to a reader who sent a token or key.
    response.vary.update(["Authorization", GUEST_KEY_HEADER])
    return response
