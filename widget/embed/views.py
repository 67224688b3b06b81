"""Readers' endpoints. Each parses the request, asks a rule module, renders a fragment."""
from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import current_app, g, jsonify, make_response, render_template, request

from .. import limits, policy
from ..bans import active_ban
from ..comments import Draft, file_report, save_comment, submission_for
from ..extensions import db
from ..forms import CommentForm, GuestCommentForm
from ..models import REPORT_REASONS, Comment, Thread
from ..providers import provider_labels, providers_for_site
from ..sites import find_site, staff_names
from ..stamps import automation_sign, issue_stamp, stamp_age
from ..text import parse_id
from ..threads import (
    ANONYMOUS,
    SORTS,
    BadCursor,
    Page,
    Viewer,
    cursor_before,
    find_thread,
    is_closed,
    load_page,
    thread_of_first_comment,
    valid_thread_key,
)
from ..tokens import GUEST_KEY_HEADER, authenticate, guest_key_hash
from . import bp
from .cache import Versions, keep
from .fragments import fragment_base, readable_date

# Public fragments: a CDN may keep one briefly; browsers revalidate (ETag).
PUBLIC_CACHE_CONTROL = "public, max-age=0, s-maxage=10, must-revalidate"
MAX_COUNTS_PER_REQUEST = 100


@dataclass
class Notice:
    """What a reader is told: `.parley-notice[data-kind]` and its sentence."""

    kind: str
    message: str


class Refusal(Exception):
    """An answer that refuses the request: the form with its notice, or the notice alone.

    A refusal without a notice is a 422, whose messages sit beside the fields.
    """

    def __init__(self, status, notice=None, form_context=None, headers=None):
        super().__init__(notice.message if notice else status)
        self.status, self.notice = status, notice
        self.form_context = form_context
        self.headers = headers or {}


@bp.errorhandler(Refusal)
def render_refusal(refusal):
    if request.endpoint == "embed.counts":
        body = jsonify(error=refusal.notice.message)
    elif refusal.form_context is not None:
        body = render_template("embed/form.html", notice=refusal.notice, **refusal.form_context)
    else:
        body = render_template("embed/notice.html", notice=refusal.notice)
    response = make_response(body, refusal.status, refusal.headers)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(413)
def request_too_large(error):
    # The body went unread, so there is no text to send back: embed.js keeps the reader's.
    return render_refusal(Refusal(413, Notice("error", "That is far more text than a comment can hold.")))


@bp.app_errorhandler(404)
def no_such_embed_path(error):
    """A path under /embed/ that no route takes (a comment id no row can have, say) answers like the
    embed's own 404s, with a notice the widget can show; other 404s stay as they are.

    App-wide, since a path that matches no route belongs to no blueprint."""
    if request.path.startswith(bp.url_prefix + "/"):
        return render_refusal(Refusal(404, Notice("error", "There is nothing at this address.")))
    return error


def too_fast(wait, context=None):
    notice = Notice("rate-limited", f"You're commenting too fast — try again in {wait} second{'s' if wait != 1 else ''}.")
    return Refusal(429, notice, context, {"Retry-After": str(wait)})


# Where the fast lane (widget/embed/lane.py) leaves its count of a read it handed on to Flask.
READ_COUNTED = "parley.read_wait"


def limit_reads():
    environ = request.environ
    wait = environ[READ_COUNTED] if READ_COUNTED in environ else limits.hit("PARLEY_LIMIT_READ", limits.client_ip())
    if wait:
        notice = Notice("rate-limited", f"Too many requests from your network — try again in {wait} seconds.")
        raise Refusal(429, notice, headers={"Retry-After": str(wait)})


def guest_key_of_request():
    return guest_key_hash(request.headers.get(GUEST_KEY_HEADER))


def require_site(site_key):
    site = find_site(site_key)
    if site is None:
        raise Refusal(404, Notice("error", "No comment section is registered under this site key."))
    g.site = site
    return site


def from_allowed_origin(site):
    return site.allows_origin(request.headers.get("Origin"))


def bearer_of_request(site):
    """What the request's Authorization header amounts to on `site`; kept in g for the headers."""
    g.bearer = authenticate(
        request.headers.get("Authorization"), site, current_app.config["PARLEY_READER_SESSION_DAYS"]
    )
    return g.bearer


def thread_key_arg(args):
    key = args.get("thread", "")
    if not valid_thread_key(key):
        raise Refusal(400, Notice("error", "This page's comment thread has a missing or invalid identifier."))
    return key


def public_fragment(body, status, etag):
    response = make_response(body, status)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    # Always, so no shared cache hands the public copy to a reader who sent a token or key.
    response.vary.update(["Authorization", GUEST_KEY_HEADER])
    return response


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


@bp.get("/<site_key>/thread")
def thread_fragment(site_key):
    """The thread, rendered. Anonymous reads of unchanged threads were answered before Flask
    (widget/embed/lane.py); what reaches this view needs the database's comments."""
    limit_reads()
    return rendered_thread(site_key)


def rendered_thread(site_key):
    site = require_site(site_key)
    bearer = bearer_of_request(site)
    viewer = Viewer(reader_id=bearer.reader.id if bearer.reader else None, guest_key=guest_key_of_request())
    key, sort, after, around = thread_args(request.args)

    # A thread nobody has commented on isn't stored: it shows empty, and reading it writes nothing.
    thread = find_thread(site, key)
    etag = Versions.of(site, key, thread).etag(fragment_base(request), sort, after, around, viewer)
    if request.if_none_match.contains_weak(etag):
        return public_fragment("", 304, etag)
    page = Page(roots=[])
    if thread is not None:
        if around is not None:
            try:
                after = cursor_before(thread, sort, parse_id(around))
            except LookupError:
                after = None
        try:
            page = load_page(thread, sort, after, viewer)
        except BadCursor:
            raise Refusal(400, Notice("error", "That page of comments doesn't exist.")) from None
    body = render_template("embed/thread.html", site=site, thread=thread, thread_key=key, sort=sort,
                           page=page, after=after)
    # Unknown threads aren't kept: made-up keys would push real threads' fragments out of the cache.
    if thread is not None and viewer == ANONYMOUS:
        keep(etag, body)
    return public_fragment(body, 200, etag)


def find_parent(thread, parent_id):
    """The published comment `parent_id` (a string from the request) of `thread`, or None."""
    parent_id = parse_id(parent_id)
    if thread is None or parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.thread_id != thread.id or parent.status != "published":
        return None
    return parent


def comment_form(site, rules, reader, formdata=None):
    """A signed-in reader writes only the comment; a guest, where guests may post, also says who they are."""
    if reader or rules["guests"] == "deny":
        return CommentForm(formdata, min_length=rules["min_length"], max_length=rules["max_length"])
    return GuestCommentForm(formdata, min_length=rules["min_length"], max_length=rules["max_length"],
                            reserved_names=(site.name, *staff_names(site)),
                            provider_labels=provider_labels(current_app.config["PARLEY_PROVIDERS"]))


def form_context(site, rules, thread_key, form, reader, parent=None):
    """What embed/form.html needs: the form, who is signing it, how else one could sign it, and
    when it was shown (a form sent back keeps its first stamp, so fixing a typo isn't "too fast")."""
    stamp = request.form.get("shown") if request.method == "POST" else None
    if stamp_age(current_app.secret_key, site.key, thread_key, stamp) is None:
        stamp = issue_stamp(current_app.secret_key, site.key, thread_key)
    return {
        "site": site, "thread_key": thread_key, "form": form, "parent": parent, "reader": reader,
        "providers": providers_for_site(site, current_app.config["PARLEY_PROVIDERS"]),
        "guests": rules["guests"], "stamp": stamp,
    }


@bp.get("/<site_key>/form")
def form_fragment(site_key):
    limit_reads()
    site = require_site(site_key)
    reader = bearer_of_request(site).reader
    key = thread_key_arg(request.args)
    rules = policy.site_policy(site)
    form = comment_form(site, rules, reader)
    parent = None
    parent_id = request.args.get("parent", "")
    if parent_id:
        parent = find_parent(find_thread(site, key), parent_id)
        if parent is None:
            raise Refusal(404, Notice("error", "The comment you wanted to reply to is no longer available."))
        form.parent.data = str(parent.id)
    context = form_context(site, rules, key, form, reader, parent)
    thread = find_thread(site, key)
    if thread is not None and is_closed(thread, rules):
        context["closed"] = True
    response = make_response(render_template("embed/form.html", **context))
    response.headers["Cache-Control"] = "no-store"
    return response


def form_is_utf8():
    """False when a urlencoded body holds bytes that aren't UTF-8 (Werkzeug would keep them as %FF)."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return True
    try:
        # get_data caches the body, so request.form can still parse it afterwards.
        parse_qsl(request.get_data().decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def stored_thread(site, thread):
    """`thread`, stored first if this is its first comment, titled from the page the POST names."""
    if thread.id is not None:
        return thread
    return thread_of_first_comment(site, thread.key, request.args.get("url"), current_app.logger)


@bp.post("/<site_key>/comments")
def post_comment(site_key):
    """DESIGN's "life of a comment POST": each step answers on its own when it refuses."""
    # 1. Every attempt from this IP counts, whatever comes of it.
    wait = limits.hit("PARLEY_LIMIT_COMMENT_IP", limits.client_ip())
    if wait:
        site = find_site(site_key)
        context = None
        if site is not None:
            rules = policy.site_policy(site)
            reader = bearer_of_request(site).reader
            form = comment_form(site, rules, reader, request.form)
            context = form_context(site, rules, request.args.get("thread", ""), form, reader)
        raise too_fast(wait, context)

    # 2. The site, and the page the comment comes from.
    site = require_site(site_key)
    readable = form_is_utf8()  # before request.form, which would consume the body
    rules = policy.site_policy(site)
    bearer = bearer_of_request(site)
    reader = bearer.reader
    form = comment_form(site, rules, reader, request.form)
    context = form_context(site, rules, request.args.get("thread", ""), form, reader)
    if not from_allowed_origin(site):
        raise Refusal(403, Notice("rejected", "Comments can only be posted from the site's own pages."), context)
    if not readable:
        raise Refusal(400, Notice("error", "Your comment arrived garbled (it isn't UTF-8 text); please send it again."))
    key = thread_key_arg(request.args)
    context["thread_key"] = key

    # 3-4. The reader's token, and the site's guest mode.
    if bearer.state == "invalid":
        raise Refusal(401, Notice("signin", "Your sign-in has expired. Please sign in again."), context)
    if reader is None and rules["guests"] == "deny":
        raise Refusal(401, Notice("signin", f"Please sign in to comment on {site.name}."), context)

    # 5. The thread is open; the author isn't banned. A thread without comments is not stored yet:
    # the comment stands in an unsaved one until it is saved itself.
    thread = find_thread(site, key) or Thread(site_id=site.id, key=key)
    if thread.id is not None and is_closed(thread, rules):
        raise Refusal(403, Notice("closed", "Comments on this article are closed."), context)
    # Guests' emails are kept lower-cased: one author whatever the case they type it in.
    email = None if reader else (form.email.data or "").strip().lower()
    ban = active_ban(site, reader=reader, email=email, ip=request.remote_addr)
    if ban is not None:
        until = f" until {readable_date(ban.expires)}" if ban.expires else ""
        raise Refusal(403, Notice("rejected", f"You can't comment on {site.name}{until}."), context)

    # 6. The form.
    valid = form.validate()
    if form.parent.data and not form.parent.errors:
        context["parent"] = find_parent(thread, form.parent.data)
        if context["parent"] is None:
            form.parent.errors.append("The comment you are replying to is no longer available.")
            valid = False
    if not valid:
        raise Refusal(422, None, context)

    # 7. Every comment that passed validation counts against its author, whatever its fate.
    identity = ("reader", str(reader.id)) if reader else ("guest", email, limits.client_ip())
    wait = limits.hit("PARLEY_LIMIT_COMMENT", site.key, *identity)
    if wait:
        raise too_fast(wait, context)

    # 8. The policy.
    draft = Draft(
        thread=thread,
        parent=context["parent"],
        author_name=reader.name if reader else form.name.data,
        author_email=None if reader else email,
        author_website=None if reader else form.website.data or None,
        body_source=form.body.data,
        ip=request.remote_addr,
        reader=reader,
        guest_key=None if reader else guest_key_of_request(),
    )
    automation = automation_sign(request.form, current_app.secret_key, site.key, key, rules["min_submit_seconds"])
    verdict = policy.decide(submission_for(draft, rules, automation), rules)
    if verdict.action == "reject":
        # Kept for moderators to review, unless it is a bot's or a repeat: those add nothing.
        if verdict.reasons[0].code not in ("automated", "duplicate"):
            draft.thread = stored_thread(site, draft.thread)
            save_comment(draft, "rejected", verdict.reasons)
        raise Refusal(403, Notice("rejected", verdict.reasons[0].message), context)
    thread = draft.thread = stored_thread(site, draft.thread)
    comment = save_comment(draft, verdict.status, verdict.reasons, verdict.flagged)
    if verdict.action == "hold":
        context["form"] = comment_form(site, rules, reader)
        notice = Notice("held", f"Thanks — your comment is awaiting moderation. {verdict.reasons[0].message}")
        response = make_response(render_template("embed/form.html", notice=notice, **context), 202)
    else:
        response = make_response(
            render_template("embed/comment.html", site=site, thread=thread, comment=comment, page=Page(roots=[comment])),
            201,
        )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<site_key>/comments/<id:comment_id>/report")
def report_comment(site_key, comment_id):
    """202 for a reader's report; a second report by the same reader (or IP) is accepted and not counted."""
    site = require_site(site_key)
    if not from_allowed_origin(site):
        raise Refusal(403, Notice("rejected", "Reports can only come from the site's own pages."))
    bearer = bearer_of_request(site)
    if bearer.state == "invalid":
        raise Refusal(401, Notice("signin", "Your sign-in has expired. Please sign in again."))
    reporter = f"reader:{bearer.reader.id}" if bearer.reader else f"ip:{limits.client_ip()}"
    wait = limits.hit("PARLEY_LIMIT_REACT", site.key, reporter)
    if wait:
        raise too_fast(wait)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.site_id != site.id or comment.status != "published":
        raise Refusal(404, Notice("error", "That comment is no longer there."))
    reason = request.form.get("reason", "")
    if reason not in REPORT_REASONS:
        raise Refusal(422, Notice("error", f"Report it as one of: {', '.join(REPORT_REASONS)}."))
    file_report(comment, reason, reporter)
    response = make_response(render_template(
        "embed/notice.html", notice=Notice("reported", "Thanks — a moderator will take a look.")), 202)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<site_key>/counts")
def counts(site_key):
    limit_reads()
    site = require_site(site_key)
    keys = request.args.getlist("thread")
    if not keys or len(keys) > MAX_COUNTS_PER_REQUEST or not all(valid_thread_key(k) for k in keys):
        raise Refusal(400, Notice("error", f"Ask for 1 to {MAX_COUNTS_PER_REQUEST} valid thread keys."))
    stored = dict(
        db.session.execute(
            db.select(Thread.key, Thread.comment_count).where(Thread.site_id == site.id, Thread.key.in_(keys))
        ).all()
    )
    response = jsonify({key: stored.get(key, 0) for key in keys})
    response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    return response


@bp.get("/<site_key>/policy")
def policy_page(site_key):
    site = require_site(site_key)
    owner_text = site.settings.get("policy_text_html", "")
    rules = policy.describe(policy.site_policy(site))
    return render_template("embed/policy.html", site=site, rules=rules, owner_text=owner_text)
