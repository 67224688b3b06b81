"""The moderators' pages: login, the queues, a comment, a thread, bulk actions, the audit log.

The dashboard is on Parley's own origin: a session cookie and CSRF-protected forms.

Only signed-in moderators get past the blueprint's gate (gate.py). Every page and
action then checks that the moderator may moderate the site in question; a comment
or site of another site answers 404, as if it weren't there.
"""
from dataclasses import dataclass
from enum import Enum

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.security import generate_password_hash
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from .. import limits
from ..comments import trusted_readers
from ..edits import earlier_versions
from ..extensions import db
from ..models import AuditEntry, Comment, Moderator, Reader, Report, Site, Thread
from ..moderation import AlreadyDecided, CannotDo, apply, edit_thread, set_thread_closed
from ..sites import find_site
from ..text import parse_id
from ..threads import TITLE_MAX
from ..web import client_ip
from . import bp, sessions
from .accounts import PASSWORD_MIN, password_matches, password_problem
from .actions import ACTIONS
from .gate import SESSION_TOKEN

QUEUES = ("pending", "reported", "published", "rejected")
QUEUE_PAGE = 50
DASHBOARD_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class DecisionForm(FlaskForm):
    """What the comment actions' forms may send besides the CSRF token (see actions.ACTIONS)."""

    note = StringField("Note")
    body = TextAreaField("Reply")
    duration = StringField("Ban for")
    scope = StringField("Ban whom", default="author")


class ThreadForm(FlaskForm):
    title = StringField("Title", description=f"The article's headline, at most {TITLE_MAX} characters.")
    url = StringField("URL", description="The article's address, on one of the site's origins; empty for none.")


def account_rule(problem, **html_limits):
    """A WTForms validator from a rule of widget/moderate/accounts.py: the problem it finds is the field's
    message; `html_limits` (minlength=..., maxlength=...) go on the input, for the browser to tell first."""
    def check(form, field):
        message = problem(field.data or "")
        if message:
            raise ValidationError(message)
    check.field_flags = html_limits
    return check


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    new = PasswordField("New password", validators=[DataRequired("Choose a new password."),
                                                    account_rule(password_problem, minlength=PASSWORD_MIN)])
    confirm = PasswordField("New password again", validators=[EqualTo("new", "The two new passwords differ.")])


@bp.after_request
def dashboard_headers(response):
    response.headers["Content-Security-Policy"] = DASHBOARD_CSP
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def comment_for(moderator, comment_id):
    """The comment `comment_id` and its site if this moderator may moderate it, else 404."""
    comment = db.session.get(Comment, comment_id)
    site = db.session.get(Site, comment.site_id) if comment is not None else None
    if site is None or not moderator.can_moderate(site):
        abort(404)
    return comment, site


def site_for(moderator, key):
    """The site `key` if this moderator may moderate it, else 404."""
    site = find_site(key)
    if site is None or not moderator.can_moderate(site):
        abort(404)
    return site


def pending_counts(sites):
    """{site id: held comments} for the navigation's list of sites, in one query."""
    return dict(db.session.execute(
        db.select(Comment.site_id, db.func.count()).where(
            Comment.site_id.in_([site.id for site in sites]), Comment.status == "pending")
        .group_by(Comment.site_id)).all())


class Place(Enum):
    """Where a site page that is no queue stands in the site's navigation."""

    AUDIT_LOG = "audit log"  # the log, and the pages showing part of it: an author's comments, a comment's history
    ELSEWHERE = "elsewhere"  # under no entry: a thread's title, the settings, the policy


def site_page(template, site, place, **context):
    """A dashboard page of one site, under its navigation: the sites (with their held comments
    when there are several to switch between), the queues and their counts. `place` is the queue
    the page is (one of QUEUES) or a Place; from a page that is no queue, the site switcher
    leads to each site's pending queue."""
    sites = visible_sites(g.moderator)
    return render_template(template, site=site, sites=sites, pending=pending_counts(sites) if len(sites) > 1 else {},
                           queues=QUEUES, counts=queue_counts(site), status=place if place in QUEUES else None,
                           in_audit_log=place is Place.AUDIT_LOG, **context)


def visible_sites(moderator):
    if moderator.is_admin:
        return db.session.scalars(db.select(Site).order_by(Site.name)).all()
    return sorted(moderator.sites, key=lambda site: site.name)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        # Per IP, and per IP and account: a per-account limit alone would let anyone lock a moderator out.
        wait = limits.hit("PARLEY_LIMIT_MODERATOR_LOGIN", client_ip()) or \
            limits.hit("PARLEY_LIMIT_MODERATOR_LOGIN", client_ip(), email)
        if wait:
            error = f"Too many attempts. Please wait {wait} seconds and try again."
            response = current_app.make_response((render_template("moderate/login.html", form=form, error=error), 429))
            response.headers["Retry-After"] = str(wait)
            return response
        moderator = db.session.execute(db.select(Moderator).filter_by(email=email)).scalar_one_or_none()
        if password_matches(moderator, form.password.data):
            # A fresh session (this browser's earlier one ends), and with it a fresh CSRF token
            # (Flask-WTF caches the old one in g).
            if session.get(SESSION_TOKEN):
                sessions.end(session[SESSION_TOKEN])
            session.clear()
            g.pop("csrf_token", None)
            session[SESSION_TOKEN] = sessions.start(moderator)
            db.session.commit()
            return redirect(dashboard_path(request.args.get("next", "")), 303)
        error = "Wrong email or password."
    status = 401 if error else 200
    return render_template("moderate/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    token = session.pop(SESSION_TOKEN, None)
    if token:
        sessions.end(token)
        db.session.commit()
    return redirect(url_for("moderate.login"), 303)


@bp.get("/")
def home():
    sites = visible_sites(g.moderator)
    if not sites:
        return render_template("moderate/empty.html")
    return redirect(url_for("moderate.queue", status="pending", site=sites[0].key), 303)


def like_pattern(text):
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True)
class Filters:
    """What a queue is narrowed to: one article (its key), an author (name or email), words of the text."""

    thread: str = ""
    author: str = ""
    text: str = ""

    @classmethod
    def from_args(cls, args):
        return cls(*(" ".join(args.get(name, "").split())[:200] for name in ("thread", "author", "text")))

    def narrow(self, query, site):
        """`query` (comments of `site`) kept to what the filters name."""
        if self.thread:
            query = query.where(Comment.thread_id == db.select(Thread.id).where(
                Thread.site_id == site.id, Thread.key == self.thread).scalar_subquery())
        if self.author:
            pattern = like_pattern(self.author.lower())
            readers = db.select(Reader.id).where(db.func.lower(Reader.name).like(pattern, escape="\\"))
            query = query.where(db.or_(db.func.lower(Comment.author_name).like(pattern, escape="\\"),
                                       Comment.author_email == self.author.lower(),
                                       Comment.reader_id.in_(readers)))
        if self.text:
            query = query.where(db.func.lower(Comment.body_source).like(like_pattern(self.text.lower()), escape="\\"))
        return query

    def args(self):
        return {name: value for name, value in vars(self).items() if value}


def queue_query(site, status):
    query = db.select(Comment).where(Comment.site_id == site.id)
    if status == "reported":
        reported = db.select(Report.comment_id).where(Report.site_id == site.id)
        return query.where(Comment.status == "published",
                           db.or_(Comment.flagged.is_(True), Comment.id.in_(reported)))
    if status == "rejected":
        # Comments their authors deleted keep their text, for moderators only: they show here too.
        return query.where(db.or_(Comment.status == "rejected",
                                  db.and_(Comment.status == "deleted", Comment.deleted_by == "author")))
    return query.where(Comment.status == status)


def reports_of(comments):
    """{comment id: {reason: count}} for the comments on a queue page, in one query."""
    counts = {}
    rows = db.session.execute(
        db.select(Report.comment_id, Report.reason, db.func.count())
        .where(Report.comment_id.in_([c.id for c in comments])).group_by(Report.comment_id, Report.reason)
    )
    for comment_id, reason, count in rows:
        counts.setdefault(comment_id, {})[reason] = count
    return counts


def trusted_authors(site, comments):
    """The signed-in authors among `comments` the site trusts already (no Trust button for them)."""
    return trusted_readers(site.id, [c.reader_id for c in comments if c.reader_id])


def queue_counts(site):
    return {status: db.session.scalar(db.select(db.func.count()).select_from(queue_query(site, status).subquery()))
            for status in QUEUES}


@bp.get("/queue/<status>")
def queue(status):
    if status not in QUEUES:
        abort(404)
    site = site_for(g.moderator, request.args.get("site", ""))
    filters = Filters.from_args(request.args)
    # Authors and articles come in one query each for the page, not per comment, and not joined:
    # a text or author filter makes PostgreSQL expect one row and join by scanning threads and
    # readers for every match (bench/queue_bench.py: 300 ms on 100,000 comments, 15 ms without).
    query = filters.narrow(queue_query(site, status), site).options(
        selectinload(Comment.reader), selectinload(Comment.thread))
    # Pending waits oldest first; the others show the newest first. Keyset pages by id.
    oldest_first = status == "pending"
    after = parse_id(request.args.get("after", ""))
    if after:
        query = query.where(Comment.id > after if oldest_first else Comment.id < after)
    query = query.order_by(Comment.id.asc() if oldest_first else Comment.id.desc()).limit(QUEUE_PAGE + 1)
    comments = db.session.scalars(query).all()
    next_after = comments[QUEUE_PAGE - 1].id if len(comments) > QUEUE_PAGE else None
    return site_page(
        "moderate/queue.html", site, status, comments=comments[:QUEUE_PAGE], next_after=next_after,
        form=DecisionForm(), reports=reports_of(comments[:QUEUE_PAGE]), trusted=trusted_authors(site, comments),
        filters=filters,
    )


def dashboard_path(target):
    """`target` if it is a path in the dashboard, else the dashboard's home: never an open redirect,
    and nothing a Location header can't hold (a newline would make the redirect fail)."""
    if target.startswith("/moderate/") and target.isascii() and target.isprintable() and "\\" not in target:
        return target
    return url_for("moderate.home")


def go_back():
    """303 to the page the form came from, if it is a dashboard page."""
    return redirect(dashboard_path(request.form.get("back", "")), 303)


@bp.post("/comments/<id:comment_id>/<action>")
def act_on_comment(comment_id, action):
    """Take one of ACTIONS on a comment, and say how it went on the page the form came from."""
    if action not in ACTIONS:
        abort(404)
    comment, _ = comment_for(g.moderator, comment_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        flash(ACTIONS[action].take(comment, g.moderator, form))
    except AlreadyDecided:
        flash(f"Comment {comment_id} was already decided by someone else; nothing was changed.", "warning")
    except CannotDo as reason:
        flash(str(reason), "warning")
    return go_back()


@bp.post("/threads/<id:thread_id>/<action>")
def close_thread(thread_id, action):
    thread = db.session.get(Thread, thread_id)
    if action not in ("close", "reopen") or thread is None \
            or not g.moderator.can_moderate(db.session.get(Site, thread.site_id)):
        abort(404)
    if not DecisionForm().validate_on_submit():
        abort(400)
    set_thread_closed(thread, g.moderator, action == "close")
    flash(f"Comments on {thread.title or thread.key} are {'closed' if action == 'close' else 'open again'}.")
    return go_back()


@bp.route("/threads/<id:thread_id>", methods=["GET", "POST"])
def thread_page(thread_id):
    """A thread's title and URL, for a moderator to correct: they show on every dashboard page."""
    thread = db.session.get(Thread, thread_id)
    site = db.session.get(Site, thread.site_id) if thread is not None else None
    if site is None or not g.moderator.can_moderate(site):
        abort(404)
    form = ThreadForm(obj=thread)
    if form.validate_on_submit():
        try:
            edit_thread(thread, site, g.moderator, form.title.data, form.url.data)
        except ValueError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(f"Thread {thread.key} is now titled {thread.title or '(no title)'}.")
            return redirect(url_for("moderate.thread_page", thread_id=thread.id), 303)
    elif request.method == "POST":
        abort(400)
    status = 422 if form.form_errors else 200
    return site_page("moderate/thread.html", site, Place.ELSEWHERE, thread=thread, form=form), status


# The decisions the queues' "selected" buttons make, and their words in the flash.
BULK_DONE = {"approve": "approved", "reject": "rejected"}


@bp.post("/bulk/<action>")
def bulk_decide(action):
    """Approve or reject every selected comment of one site; each is decided (and audited) on its own."""
    if action not in BULK_DONE:
        abort(404)
    site = site_for(g.moderator, request.args.get("site", ""))
    if not DecisionForm().validate_on_submit():
        abort(400)
    ids = [parse_id(value) for value in request.form.getlist("ids")]
    comments = db.session.scalars(
        db.select(Comment).where(Comment.id.in_([i for i in ids if i]), Comment.site_id == site.id)
    ).all()
    done = skipped = 0
    for comment in comments:
        try:
            apply(comment, action, g.moderator)
            done += 1
        except (AlreadyDecided, CannotDo):
            skipped += 1
    flash(f"{done} comment{'s' if done != 1 else ''} {BULK_DONE[action]}."
          + (f" {skipped} had been decided already." if skipped else ""))
    return go_back()


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    moderator = g.moderator
    form = PasswordForm()
    if form.validate_on_submit():
        if password_matches(moderator, form.current.data):
            moderator.password_hash = generate_password_hash(form.new.data)
            # Whoever else holds a session of this account (a cookie copied, a forgotten browser) is out;
            # this browser goes on with a new one.
            sessions.end_all_for(moderator)
            session[SESSION_TOKEN] = sessions.start(moderator)
            db.session.commit()
            flash("Your password is changed.")
            return redirect(url_for("moderate.home"), 303)
        form.current.errors.append("That is not your current password.")
    status = 422 if form.errors else 200
    return render_template("moderate/password.html", form=form), status


@bp.get("/audit")
def audit_log():
    site = site_for(g.moderator, request.args.get("site", ""))
    entries = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.site_id == site.id).order_by(AuditEntry.id.desc()).limit(200)
    ).all()
    return site_page("moderate/audit.html", site, Place.AUDIT_LOG, entries=entries)


def author_of(site, args):
    """(the condition on comments by the author `args` names, their name or email), for a reader
    (?reader=id) or a guest (?email=); 404 for neither, or for a reader who never commented here."""
    reader_id = parse_id(args.get("reader", ""))
    email = args.get("email", "").strip().lower()
    if reader_id:
        reader = db.session.get(Reader, reader_id)
        # Readers are shared by every site: only one who commented here is this site's to see.
        if reader is None or not db.session.scalar(
                db.select(Comment.id).where(Comment.site_id == site.id, Comment.reader_id == reader.id).limit(1)):
            abort(404)
        return Comment.reader_id == reader.id, reader.name
    if email:
        return Comment.author_email == email, email
    abort(404)


@bp.get("/author")
def author():
    """Every comment of one reader, or of one guest email, on the site, whatever its status: to judge a ban."""
    site = site_for(g.moderator, request.args.get("site", ""))
    same_author, who = author_of(site, request.args)
    query = db.select(Comment).where(Comment.site_id == site.id, same_author)
    statuses = dict(db.session.execute(
        db.select(Comment.status, db.func.count()).where(Comment.site_id == site.id, same_author)
        .group_by(Comment.status)).all())
    after = parse_id(request.args.get("after", ""))
    if after:
        query = query.where(Comment.id < after)
    comments = db.session.scalars(
        query.options(joinedload(Comment.reader), joinedload(Comment.thread))
        .order_by(Comment.id.desc()).limit(QUEUE_PAGE + 1)
    ).all()
    next_after = comments[QUEUE_PAGE - 1].id if len(comments) > QUEUE_PAGE else None
    return site_page(
        "moderate/author.html", site, Place.AUDIT_LOG, who=who, statuses=statuses, comments=comments[:QUEUE_PAGE],
        next_after=next_after, form=DecisionForm(), reports=reports_of(comments[:QUEUE_PAGE]),
        trusted=trusted_authors(site, comments),
    )


@bp.get("/comments/<id:comment_id>")
def comment_page(comment_id):
    """One comment with everything decided about it."""
    comment, site = comment_for(g.moderator, comment_id)
    entries = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.comment_id == comment.id).order_by(AuditEntry.id.desc())
    ).all()
    return site_page(
        "moderate/comment.html", site, Place.AUDIT_LOG, comment=comment, entries=entries, form=DecisionForm(),
        reports=reports_of([comment]), trusted=trusted_authors(site, [comment]), versions=earlier_versions(comment),
    )
