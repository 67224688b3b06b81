"""The stored data: sites, their threads, comments and the readers who write them."""
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def commit_unique():
    """Commit; False, rolled back, when a unique constraint says the row is there already
    (another request made it first, or this one is a repeat)."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def utcnow():
    """Naive UTC, the one kind of timestamp stored (SQLite keeps no zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Site(db.Model):
    """A news site that embeds Parley: its key, its origins, its settings."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Normalised origins ("https://news.example.org") the widget may run on.
    origins: Mapped[list] = mapped_column(JSON, default=list)
    # Site-owner choices (sign-in providers, policy) as a JSON object.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Bumped by every settings change, so cached fragments of every thread go stale.
    version: Mapped[int] = mapped_column(default=1)
    created: Mapped[datetime] = mapped_column(default=utcnow)

    def allows_origin(self, origin):
        return origin is not None and origin in self.origins


class Reader(db.Model):
    """A signed-in reader: one identity at one sign-in provider."""

    __tablename__ = "readers"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(80))
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    # Verified address from the provider: for moderators only, never shown.
    email: Mapped[str | None] = mapped_column(String(254))
    created: Mapped[datetime] = mapped_column(default=utcnow)


class TrustedReader(db.Model):
    """A moderator's "trust" of a reader on one site: their comments there skip holds (never refusals)."""

    __tablename__ = "trusted_readers"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("readers.id"), primary_key=True)
    created: Mapped[datetime] = mapped_column(default=utcnow)


class ReaderSession(db.Model):
    """One sign-in of a reader on one site: what a bearer token stands for."""

    __tablename__ = "reader_sessions"
    __table_args__ = (Index("ix_reader_sessions_reader", "reader_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the token: a leaked table gives no usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("readers.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    last_used: Mapped[datetime] = mapped_column(default=utcnow)
    expires: Mapped[datetime] = mapped_column()
    revoked: Mapped[datetime | None] = mapped_column()

    reader: Mapped[Reader] = relationship()


class LoginHandoff(db.Model):
    """A confirmed sign-in waiting for the widget that started it, when the popup lost its page.

    Redeemed once, on the article's own origin, with the one-time code the
    popup carried there (in the URL fragment) and the secret the widget keeps
    in that origin's storage; holds no token: redeeming it creates the session.
    """

    __tablename__ = "login_handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("readers.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    origin: Mapped[str] = mapped_column(String(300))
    expires: Mapped[datetime] = mapped_column(index=True)

    reader: Mapped[Reader] = relationship()


BAN_KINDS = ("reader", "email", "ip")


class Ban(db.Model):
    """A site's ban of a signed-in reader, a guest email or a client IP, until `expires` (None: for good)."""

    __tablename__ = "bans"
    __table_args__ = (
        CheckConstraint("kind IN ('reader', 'email', 'ip')", name="kind"),
        Index("ix_bans_lookup", "site_id", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(10))
    # A reader's id, a lower-cased email or an IP address, as text.
    value: Mapped[str] = mapped_column(String(254))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    expires: Mapped[datetime | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")


REPORT_REASONS = ("spam", "abuse", "off-topic", "other")


class Report(db.Model):
    """A reader's report of a published comment: one per reader (per IP for guests) and comment."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter"),
        CheckConstraint("reason IN ('spam', 'abuse', 'off-topic', 'other')", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    reason: Mapped[str] = mapped_column(String(10))
    # "reader:<id>" or "ip:<address or /64>": who may report this comment only once.
    reporter: Mapped[str] = mapped_column(String(80))
    created: Mapped[datetime] = mapped_column(default=utcnow)


moderator_sites = db.Table(
    "moderator_sites",
    db.Column("moderator_id", ForeignKey("moderators.id"), primary_key=True),
    db.Column("site_id", ForeignKey("sites.id"), primary_key=True),
)


class Moderator(db.Model):
    """A dashboard account: an admin (every site; manages sites and moderators) or a moderator of some sites."""

    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # werkzeug's scrypt hash; the password itself is never stored.
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(80), default="")
    is_admin: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime] = mapped_column(default=utcnow)

    sites: Mapped[list[Site]] = relationship(secondary=moderator_sites)

    @property
    def display_name(self):
        """The name a staff reply is signed with."""
        return self.name or "Moderator"

    def can_moderate(self, site):
        return self.is_admin or any(own.id == site.id for own in self.sites)


class ModeratorSession(db.Model):
    """One dashboard sign-in: what the session cookie's token stands for (widget/moderate/sessions.py)."""

    __tablename__ = "moderator_sessions"
    __table_args__ = (Index("ix_moderator_sessions_moderator", "moderator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderators.id", ondelete="CASCADE"))
    # SHA-256 of the cookie's token: a leaked table opens no dashboard.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)

    moderator: Mapped[Moderator] = relationship()


class AuditEntry(db.Model):
    """One moderation decision: who, what, when, the status before and after, and a note."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_site", "site_id", "id"),
        Index("ix_audit_comment", "comment_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    action: Mapped[str] = mapped_column(String(20))
    status_before: Mapped[str | None] = mapped_column(String(16))
    status_after: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(default=utcnow)

    moderator: Mapped["Moderator | None"] = relationship()


class Thread(db.Model):
    """The comments under one article of one site."""

    __tablename__ = "threads"
    __table_args__ = (
        UniqueConstraint("site_id", "key"),
        # New threads per site and hour, counted to cap made-up threads.
        Index("ix_threads_site_created", "site_id", "created"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    key: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(String(2048), default="")
    created: Mapped[datetime] = mapped_column(default=utcnow)
    closed: Mapped[bool] = mapped_column(default=False)
    # Bumped by every write to the thread; part of every cache key and ETag.
    version: Mapped[int] = mapped_column(default=1)
    # Published comments, replies included: what counts and headers show.
    comment_count: Mapped[int] = mapped_column(default=0)
    # The last like or unlike, and the last time likes bumped `version` (widget/likes.py: at most
    # once every few seconds, so a storm of likes doesn't re-render the thread for each).
    likes_at: Mapped[datetime | None] = mapped_column()
    likes_bumped_at: Mapped[datetime | None] = mapped_column()

    site: Mapped[Site] = relationship()


COMMENT_STATUSES = ("published", "pending", "rejected", "deleted")


class Comment(db.Model):
    """One comment: its place in the thread, its author, its text and its fate."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(
            "status IN ('published', 'pending', 'rejected', 'deleted')",
            name="status",
        ),
        # A thread's pages: top-level comments in id order, or by replies for "top".
        Index("ix_comments_thread_page", "thread_id", "parent_id", "id"),
        Index("ix_comments_thread_top", "thread_id", "parent_id", "reply_count", "id"),
        # Every reply under one top-level comment, fetched in one query per page.
        Index("ix_comments_root", "root_id", "id"),
        # Moderation queues: one status of one site, oldest or newest first.
        Index("ix_comments_queue", "site_id", "status", "id"),
        # The Reported queue's flagged comments, counted on every dashboard page.
        Index("ix_comments_flagged", "site_id", "status", "flagged", "id"),
        # Erasing client IPs once they are older than the retention period.
        Index("ix_comments_created", "created"),
        # An author's history: approved comments, duplicates, their own held comments.
        Index("ix_comments_reader", "reader_id", "status"),
        Index("ix_comments_guest_email", "site_id", "author_email", "created"),
        Index("ix_comments_guest_key", "guest_key"),
        # A thread's editor's picks, found without reading its other comments.
        Index("ix_comments_thread_pinned", "thread_id", "pinned", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    # The comment it is shown under (replies nest at most three levels deep).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    # The top-level comment it belongs to; None for a top-level comment.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    depth: Mapped[int] = mapped_column(default=0)

    # Either a signed-in reader or a guest's own name, email and website.
    reader_id: Mapped[int | None] = mapped_column(ForeignKey("readers.id"))
    author_name: Mapped[str] = mapped_column(String(80))
    author_email: Mapped[str | None] = mapped_column(String(254))
    author_website: Mapped[str | None] = mapped_column(String(2048))

    body_source: Mapped[str] = mapped_column(Text)
    # Sanitised HTML, rendered once when the comment is written.
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="published")
    created: Mapped[datetime] = mapped_column(default=utcnow)
    edited: Mapped[datetime | None] = mapped_column()
    # The client's address, for bans and abuse reports; erased after
    # PARLEY_IP_RETENTION_DAYS (see widget.comments.erase_old_ips).
    ip: Mapped[str | None] = mapped_column(String(45))
    # Published replies beneath this comment at any depth; "top" sorts by it.
    reply_count: Mapped[int] = mapped_column(default=0)
    # Why the policy decided as it did: [{"code", "message", "detail"}], for moderators.
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    # Published, but in the Reported queue for a moderator's look (suspect_action = "flag").
    flagged: Mapped[bool] = mapped_column(default=False)
    # SHA-256 of the random key a guest's widget keeps, so the guest sees their own held comments.
    guest_key: Mapped[str | None] = mapped_column(String(64))
    # Written by a moderator from the dashboard: the thread shows a staff badge.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    # An editor's pick: shown at the top of its thread, before the chosen order.
    pinned: Mapped[bool] = mapped_column(default=False)
    # Who deleted it: "author" (the thread keeps its text from readers; moderators still see it)
    # or "moderator"; None while it isn't deleted.
    deleted_by: Mapped[str | None] = mapped_column(String(10))
    # Its likes that stand (widget/likes.py keeps it); "top" sorts by them.
    like_count: Mapped[int] = mapped_column(default=0)

    thread: Mapped[Thread] = relationship()
    reader: Mapped[Reader | None] = relationship()


class CommentVersion(db.Model):
    """A comment's text as it was before one of its author's edits, and when it was written."""

    __tablename__ = "comment_versions"
    __table_args__ = (Index("ix_comment_versions_comment", "comment_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    written: Mapped[datetime] = mapped_column()
class Like(db.Model):
    """A reader's or guest's like of a published comment. An unlike (or a ban) sets `removed`
    rather than deleting the row, so "top" can rank a thread as it stood when its first page was read."""

    __tablename__ = "likes"
    __table_args__ = (
        # One standing like per liker and comment; removed ones stay as history.
        Index("uq_likes_standing", "comment_id", "liker", unique=True,
              sqlite_where=text("removed IS NULL"), postgresql_where=text("removed IS NULL")),
        # A comment's likes as of a time (threads' "top" pages), and a liker's (their pressed buttons, bans).
        Index("ix_likes_comment", "comment_id", "created"),
        Index("ix_likes_liker", "liker", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"))
    # "reader:<id>" or "guest:<hash of the widget's key>".
    liker: Mapped[str] = mapped_column(String(80))
    # A guest's IP (IPv6: its /64), for the cap of guest likes per network and comment.
    network: Mapped[str | None] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    removed: Mapped[datetime | None] = mapped_column()
