"""Readers' endpoints. Each parses the request, asks a rule module, renders a fragment."""
from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import current_app, g, jsonify, make_response, render_template, request
from flask_wtf import FlaskForm

from .. import edits, likes, limits, policy
from ..bans import active_ban
from ..comments import ChangedMeanwhile, Draft, file_report, judge_and_save, judge_and_update
from ..extensions import db
from ..models import REPORT_REASONS, Comment, Site, Thread
from ..providers import provider_labels, providers_for_site
from ..sites import find_site, staff_names
from ..text import parse_id
from ..threads import (
    ANONYMOUS,
    BadCursor,
    Page,
    Viewer,
    cursor_before,
    find_thread,
    is_closed,
    load_page,
    valid_thread_key,
)
from ..tokens import GUEST_KEY_HEADER, Bearer, authenticate, guest_key_hash
from ..web import client_ip
from . import bp
from .cache import Versions, keep
from .forms import CommentForm, GuestCommentForm
from .fragments import fragment_base, readable_date
from .headers import not_stored
from .lane import READ_COUNTED
from .stamps import automation_sign, issue_stamp, stamp_age
from .reads import (
    PUBLIC_CACHE_CONTROL,
    Notice,
    Refusal,
    count_read,
    public_fragment,
    thread_args,
    thread_key_arg,
    too_many_reads,
)

MAX_COUNTS_PER_REQUEST = 100
# Endpoints whose refusals are JSON, as their answers are.
JSON_ENDPOINTS = ("embed.counts", "embed.like_comment")


@bp.errorhandler(Refusal)
def render_refusal(refusal):
    """The one place a refusal becomes an answer: JSON for the counts, else the reader's form
    with its notice (`refusal.form`), or the notice alone. Never stored: see headers.not_stored."""
    if request.endpoint in JSON_ENDPOINTS:
        body = jsonify(error=refusal.notice.message)
    elif refusal.form is not None:
        body = render_template(refusal.form.template, notice=refusal.notice, **refusal.form.context())
    else:
        body = render_template("embed/notice.html", notice=refusal.notice)
    return make_response(body, refusal.status, refusal.headers)


@bp.errorhandler(413)
def request_too_large(error):
    # The body went unread, so there is no text to send back: embed.js keeps the reader's.
    return render_refusal(Refusal(413, Notice("error", "That is far more text than a comment can hold.")))


@bp.app_errorhandler(404)
def no_such_embed_path(error):
    """A path under /embed/ that no route takes (a comment id no row can have, say) answers like the
    embed's own 404s, with a notice the widget can show; other 404s stay as they are.

    App-wide, since a path that matches no route belongs to no blueprint: so the blueprint's
    hooks don't run on it either, and its one default that applies is given here."""
    if request.path.startswith(bp.url_prefix + "/"):
        return not_stored(render_refusal(Refusal(404, Notice("error", "There is nothing at this address."))))
    return error


def too_fast(wait, form=None):
    notice = Notice("rate-limited", f"You're commenting too fast — try again in {wait} second{'s' if wait != 1 else ''}.")
    return Refusal(429, notice, form, {"Retry-After": str(wait)})


def limit_reads():
    """The read limit, counted once: by the fast lane, if it saw this read first (lane.READ_COUNTED)."""
    environ = request.environ
    wait = environ[READ_COUNTED] if READ_COUNTED in environ else count_read(request.remote_addr)
    if wait:
        raise too_many_reads(wait)


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
    bearer = bearer_of_request(site)
    reader = bearer.reader
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
    context["own"] = edits.editable_comments(thread, reader, None if reader else guest_key_of_request(), rules)
    if parent is None:
        # Personal, so here and never in the public thread: embed.js presses these buttons.
        context["liked"] = likes.liked_in_thread(thread, liker_of(bearer))
    return render_template("embed/form.html", **context)


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


@dataclass
class CommentPost:
    """What a comment POST has established so far, and the form it shows again when a step refuses
    (its context is made once, when an answer shows it)."""

    site: Site
    rules: dict
    bearer: Bearer
    form: FlaskForm
    thread_key: str
    thread: Thread | None = None
    parent: Comment | None = None
    template = "embed/form.html"

    @classmethod
    def read(cls, site):
        """The POST's form, as the site's rules and the reader's token (or none) make it."""
        rules = policy.site_policy(site)
        bearer = bearer_of_request(site)
        form = comment_form(site, rules, bearer.reader, request.form)
        return cls(site, rules, bearer, form, request.args.get("thread", ""))

    @property
    def reader(self):
        return self.bearer.reader

    @property
    def email(self):
        """A guest's email, lower-cased: one author whatever the case they type it in."""
        return None if self.reader else (self.form.email.data or "").strip().lower()

    def identity(self):
        """Whom the per-identity limit counts: the reader, or the guest by email and network."""
        return ("reader", str(self.reader.id)) if self.reader else ("guest", self.email, client_ip())

    def draft(self):
        """The comment as the policy judges it and judge_and_save stores it."""
        reader, form = self.reader, self.form
        return Draft(
            thread=self.thread,
            parent=self.parent,
            author_name=reader.name if reader else form.name.data,
            author_email=None if reader else self.email,
            author_website=None if reader else form.website.data or None,
            body_source=form.body.data,
            ip=request.remote_addr,
            reader=reader,
            guest_key=None if reader else guest_key_of_request(),
        )

    def automation(self):
        """What the form's hidden inputs say of a bot (see widget/embed/stamps.py), or None."""
        return automation_sign(request.form, current_app.secret_key, self.site.key, self.thread_key,
                               self.rules["min_submit_seconds"])

    def context(self):
        return form_context(self.site, self.rules, self.thread_key, self.form, self.reader, self.parent)


@bp.post("/<site_key>/comments")
def post_comment(site_key):
    """DESIGN's "life of a comment POST", a step a line: each refuses on its own (a Refusal)."""
    limit_attempts(site_key)  # 1.
    site = require_site(site_key)  # 2.
    readable = form_is_utf8()  # before request.form, which would consume the body
    post = CommentPost.read(site)
    require_own_page(post, readable)
    post.thread_key = thread_key_arg(request.args)
    require_sign_in(post)  # 3-4.
    post.thread = open_thread(post)  # 5.
    require_not_banned(post)
    post.parent = valid_form(post)  # 6.
    limit_comments(post)  # 7.
    outcome = judge_and_save(post.draft(), site, post.rules, post.automation(), request.args.get("url"))  # 8.
    return answer_to(post, outcome)


def limit_attempts(site_key):
    """1. Every attempt from this IP counts, whatever comes of it; a known site's form comes back."""
    wait = limits.hit("PARLEY_LIMIT_COMMENT_IP", client_ip())
    if wait:
        site = find_site(site_key)
        raise too_fast(wait, CommentPost.read(site) if site is not None else None)


def require_own_page(post, readable):
    """2. Posted from one of the site's pages, as UTF-8 text."""
    if not from_allowed_origin(post.site):
        raise Refusal(403, Notice("rejected", "Comments can only be posted from the site's own pages."), post)
    if not readable:
        raise Refusal(400, Notice("error", "Your comment arrived garbled (it isn't UTF-8 text); please send it again."))


def require_sign_in(post):
    """3-4. A token sent is valid; a site whose guest mode is "deny" has its readers signed in."""
    if post.bearer.state == "invalid":
        raise Refusal(401, Notice("signin", "Your sign-in has expired. Please sign in again."), post)
    if post.reader is None and post.rules["guests"] == "deny":
        raise Refusal(401, Notice("signin", f"Please sign in to comment on {post.site.name}."), post)


def open_thread(post):
    """5. The thread, open. One without comments is not stored yet: the comment stands in an
    unsaved one until judge_and_save stores both."""
    thread = find_thread(post.site, post.thread_key) or Thread(site_id=post.site.id, key=post.thread_key)
    if thread.id is not None and is_closed(thread, post.rules):
        raise Refusal(403, Notice("closed", "Comments on this article are closed."), post)
    return thread


def require_not_banned(post):
    """5. Neither the author (the reader, or the guest's email) nor the address is banned, for now."""
    ban = active_ban(post.site, reader=post.reader, email=post.email, ip=request.remote_addr)
    if ban is not None:
        until = f" until {readable_date(ban.expires)}" if ban.expires else ""
        raise Refusal(403, Notice("rejected", f"You can't comment on {post.site.name}{until}."), post)


def valid_form(post):
    """6. The form's fields, and the comment it replies to (published, in this thread; else None)."""
    form = post.form
    valid = form.validate()
    parent = None
    if form.parent.data and not form.parent.errors:
        parent = find_parent(post.thread, form.parent.data)
        if parent is None:
            form.parent.errors.append("The comment you are replying to is no longer available.")
            valid = False
    if not valid:
        raise Refusal(422, None, post)
    return parent


def limit_comments(post):
    """7. Every comment that passed validation counts against its author, whatever its fate."""
    wait = limits.hit("PARLEY_LIMIT_COMMENT", post.site.key, *post.identity())
    if wait:
        raise too_fast(wait, post)


def answer_to(post, outcome):
    """8. The verdict, answered: 201 with the comment, 202 with an empty form and the held notice, 403."""
    verdict = outcome.verdict
    if verdict.action == "reject":
        raise Refusal(403, Notice("rejected", verdict.reasons[0].message), post)
    comment = outcome.comment
    if verdict.action == "hold":
        post.form = comment_form(post.site, post.rules, post.reader)
        notice = Notice("held", f"Thanks — your comment is awaiting moderation. {verdict.reasons[0].message}")
        return render_template("embed/form.html", notice=notice, **post.context()), 202
    page = Page(roots=[comment])
    return render_template("embed/comment.html", site=post.site, thread=comment.thread, comment=comment, page=page), 201


def reacting_reader(site_key, what):
    """The site and the bearer of a reaction (a report, a like) from one of its pages (403, 401)."""
    site = require_site(site_key)
    if not from_allowed_origin(site):
        raise Refusal(403, Notice("rejected", f"{what} can only come from the site's own pages."))
    bearer = bearer_of_request(site)
    if bearer.state == "invalid":
        raise Refusal(401, Notice("signin", "Your sign-in has expired. Please sign in again."))
    return site, bearer


def published_comment(site, comment_id):
    """The site's published comment `comment_id`; 404 for any other."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.site_id != site.id or comment.status != "published":
        raise Refusal(404, Notice("error", "That comment is no longer there."))
    return comment


@bp.post("/<site_key>/comments/<id:comment_id>/report")
def report_comment(site_key, comment_id):
    """202 for a reader's report; a second report by the same reader (or IP) is accepted and not counted."""
    site, bearer = reacting_reader(site_key, "Reports")
    reporter = f"reader:{bearer.reader.id}" if bearer.reader else f"ip:{client_ip()}"
    wait = limits.hit("PARLEY_LIMIT_REACT", site.key, reporter)
    if wait:
        raise too_fast(wait)
    comment = published_comment(site, comment_id)
    reason = request.form.get("reason", "")
    if reason not in REPORT_REASONS:
        raise Refusal(422, Notice("error", f"Report it as one of: {', '.join(REPORT_REASONS)}."))
    file_report(comment, reason, reporter)
    return render_template("embed/notice.html", notice=Notice("reported", "Thanks — a moderator will take a look.")), 202


@bp.post("/<site_key>/comments/<id:comment_id>/like")
def like_comment(site_key, comment_id):
    """200 {"liked", "likes"}: the reader's (or guest key's) like of a comment, toggled."""
    site, bearer = reacting_reader(site_key, "Likes")
    liker = liker_of(bearer)
    if liker is None:
        raise Refusal(401, Notice("signin", "Sign in to like comments."))
    # The budget reports draw on too: per reader, or per IP for guests.
    wait = limits.hit("PARLEY_LIMIT_REACT", site.key, f"ip:{client_ip()}" if liker.is_guest else liker.key)
    if wait:
        raise Refusal(429, Notice("rate-limited", f"You're liking too fast — try again in {wait} seconds."),
                      headers={"Retry-After": str(wait)})
    comment = published_comment(site, comment_id)
    if active_ban(site, reader=bearer.reader, email=None, ip=request.remote_addr) is not None:
        raise Refusal(403, Notice("rejected", f"You can't like comments on {site.name}."))
    try:
        liked, count = likes.toggle_like(comment, liker, policy.site_policy(site))
    except likes.CannotLike as refusal:
        raise Refusal(403, Notice("rejected", str(refusal))) from None
    return jsonify(liked=liked, likes=count)


def liker_of(bearer):
    """The signed-in reader, else the guest's widget key with their network; None for neither."""
    if bearer.reader is not None:
        return likes.Liker.of(reader=bearer.reader)
    guest_key = guest_key_of_request()
    return likes.Liker.of(guest_key=guest_key, network=client_ip()) if guest_key else None


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


@dataclass
class EditPost(CommentPost):
    """An author's edit of `comment`: only its text, in the edit form (embed/edit_form.html)."""

    comment: Comment | None = None
    template = "embed/edit_form.html"

    @classmethod
    def read(cls, site, comment_id):
        rules = policy.site_policy(site)
        comment = db.session.get(Comment, comment_id)
        form = CommentForm(request.form if request.method == "POST" else None,
                           min_length=rules["min_length"], max_length=rules["max_length"])
        thread_key = comment.thread.key if comment is not None and comment.site_id == site.id else ""
        return cls(site, rules, bearer_of_request(site), form, thread_key, comment=comment)

    @property
    def email(self):
        return None if self.reader else self.comment.author_email

    def identity(self):
        """Whom the edit limit counts: the reader, or the guest's widget key."""
        return ("reader", str(self.reader.id)) if self.reader else ("guest", self.comment.guest_key)

    def context(self):
        return {"site": self.site, "comment": self.comment, "form": self.form,
                "stamp": form_context(self.site, self.rules, self.thread_key, self.form, self.reader)["stamp"]}


def own_comment(site_key, comment_id, what):
    """The site, and the author's edit of `comment_id` as far as who and when allow (401, 403)."""
    site = require_site(site_key)
    readable = form_is_utf8()
    post = EditPost.read(site, comment_id)
    if not from_allowed_origin(site):
        raise Refusal(403, Notice("rejected", f"Comments can only be {what} from the site's own pages."))
    if not readable:
        raise Refusal(400, Notice("error", "Your comment arrived garbled (it isn't UTF-8 text); please send it again."))
    if post.bearer.state == "invalid":
        raise Refusal(401, Notice("signin", "Your sign-in has expired. Please sign in again."))
    try:
        edits.check_changeable(post.comment, site, post.reader, None if post.reader else guest_key_of_request(),
                               post.rules)
    except edits.CannotChange as refusal:
        raise Refusal(403, Notice("rejected", str(refusal))) from None
    if what == "edited" and is_closed(post.comment.thread, post.rules):
        # A closed thread takes no new words, edited ones included; authors may still take theirs back.
        raise Refusal(403, Notice("closed", "Comments on this article are closed, so they can't be edited any more."))
    require_not_banned(post)
    return post


@bp.get("/<site_key>/comments/<id:comment_id>/edit")
def edit_form(site_key, comment_id):
    """The comment form, filled with the comment's text, for its author (personal, never cached)."""
    limit_reads()
    post = own_comment(site_key, comment_id, "edited")
    post.form.body.data = post.comment.body_source
    return render_template(post.template, **post.context())


@bp.post("/<site_key>/comments/<id:comment_id>/edit")
def edit_comment(site_key, comment_id):
    """The author's new text, through the POST's own steps and the same policy: 200 the comment,
    202 held (the comment, awaiting moderation, after the notice), 403, 422, 429 as for a post."""
    post = own_comment(site_key, comment_id, "edited")
    if not post.form.validate():
        raise Refusal(422, None, post)
    wait = limits.hit("PARLEY_LIMIT_EDIT", site_key, *post.identity())
    if wait:
        raise too_fast(wait, post)
    try:
        outcome = judge_and_update(post.comment, post.form.body.data, post.rules, post.automation())
    except ChangedMeanwhile:
        raise Refusal(403, Notice("rejected", "This comment can no longer be edited or deleted.")) from None
    verdict = outcome.verdict
    if verdict.action == "reject":
        raise Refusal(403, Notice("rejected", verdict.reasons[0].message), post)
    notice = None
    if outcome.comment.status == "pending":
        reason = f" {verdict.reasons[0].message}" if verdict.action == "hold" else ""
        notice = Notice("held", f"Thanks — your edit is awaiting moderation.{reason}")
    comment = outcome.comment
    body = render_template("embed/comment.html", site=post.site, thread=comment.thread, comment=comment,
                           page=Page(roots=[comment]), notice=notice)
    return body, 202 if notice else 200


@bp.post("/<site_key>/comments/<id:comment_id>/delete")
def delete_comment(site_key, comment_id):
    """The author takes their comment back: 200 with what the thread now shows in its place (a
    placeholder while replies hang on it, else nothing)."""
    post = own_comment(site_key, comment_id, "deleted")
    wait = limits.hit("PARLEY_LIMIT_EDIT", site_key, *post.identity())
    if wait:
        raise too_fast(wait)
    try:
        edits.delete_own(post.comment)
    except ChangedMeanwhile:
        raise Refusal(403, Notice("rejected", "This comment can no longer be edited or deleted.")) from None
    comment = post.comment
    if not comment.reply_count:
        return "", 200
    return render_template("embed/comment.html", site=post.site, thread=comment.thread, comment=comment,
                           page=Page(roots=[comment]))
