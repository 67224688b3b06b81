"""Writing comments: judged by the policy, attached where they reply, counted, their IPs kept.

What the policy needs to know of the author, where a reply attaches, the counts
it moves, the IPs it keeps (and forgets).
"""
import time
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, true, update

from .extensions import db
from .models import (
    Comment, CommentVersion, Like, Moderator, Reader, Report, Thread, TrustedReader, commit_unique, utcnow,
)
from .policy import Submission, Verdict, judge
from .render import render_markdown
from .threads import thread_of_first_comment

# Levels of nesting shown: a reply to a comment on the deepest level joins
# that comment's own level instead of indenting further.
MAX_DEPTH = 2  # top-level comments are depth 0


@dataclass
class Draft:
    """A comment that passed validation and awaits its verdict."""

    thread: Thread
    parent: Comment | None
    author_name: str
    author_email: str | None
    author_website: str | None
    body_source: str
    ip: str | None
    reader: Reader | None = None
    guest_key: str | None = None  # hash of the guest's widget key
    staff: Moderator | None = None  # a moderator replying from the dashboard
    # Rendered once, here: the policy reads its links, and it is what gets stored.
    body_html: str = field(init=False)

    def __post_init__(self):
        self.body_html = render_markdown(self.body_source)


def submission_for(draft, rules, automation=None, editing=None):
    """The policy's view of `draft`: the author's history on this site and the form's signs
    (`editing`: the comment the draft rewrites, which is no duplicate of itself)."""
    reader = draft.reader
    approved = 0
    if reader is not None:
        approved = db.session.scalar(
            db.select(func.count()).select_from(Comment)
            .where(Comment.reader_id == reader.id, Comment.site_id == draft.thread.site_id,
                   Comment.status == "published")
        )
    return Submission(
        body_source=draft.body_source,
        body_html=draft.body_html,
        signed_in=reader is not None,
        trusted=is_trusted(reader, reader is not None and bool(trusted_readers(draft.thread.site_id, [reader.id])),
                           rules, approved),
        approved_count=approved,
        duplicate=is_duplicate(draft, rules["duplicate_window_hours"], editing.id if editing else None),
        automation=automation,
        website=draft.author_website,
    )


def is_trusted(reader, trusted_here, rules, approved_count):
    """Does a signed-in reader skip the holds: trusted by a moderator of the site, or approved often enough?"""
    return reader is not None and (
        trusted_here or (rules["trusted_after"] > 0 and approved_count >= rules["trusted_after"])
    )


def trusted_readers(site_id, reader_ids):
    """The ids among `reader_ids` that the site's moderators trust, in one query."""
    return set(db.session.scalars(
        db.select(TrustedReader.reader_id).where(TrustedReader.site_id == site_id,
                                                 TrustedReader.reader_id.in_(set(reader_ids)))
    ))


def is_duplicate(draft, window_hours, other_than=None):
    """Did this author post this same text on the site within the window (refusals aside, and the
    comment `other_than` an edit rewrites)?"""
    if not window_hours:
        return False
    if draft.reader is not None:
        same_author = Comment.reader_id == draft.reader.id
    else:
        # Stored lower-cased, so the (site, email, created) index finds the author's comments.
        same_author = Comment.author_email == draft.author_email.lower()
    return db.session.execute(
        db.select(Comment.id).where(
            Comment.site_id == draft.thread.site_id,
            same_author,
            Comment.body_source == draft.body_source,
            Comment.created > utcnow() - timedelta(hours=window_hours),
            Comment.status != "rejected",
            Comment.id != other_than if other_than else true(),
        ).limit(1)
    ).first() is not None

def attach_point(parent):
    """The comment a reply to `parent` is shown under."""
    if parent is not None and parent.depth >= MAX_DEPTH:
        return db.session.get(Comment, parent.parent_id)
    return parent


@dataclass
class Outcome:
    """What came of a reader's text: the policy's verdict, and the comment stored (None when not kept)."""

    verdict: Verdict
    comment: Comment | None


def judge_and_save(draft, site, rules, automation, page_url):
    """The policy's verdict on `draft`, and the comment stored as it says, with its thread's counts:
    the one way a reader's text becomes a comment, whichever endpoint brings it.

    A thread not stored yet is stored first, titled from `page_url` (threads.thread_of_first_comment).
    A refused comment is kept for moderators to review, unless it is a bot's or a repeat: those
    add nothing. `automation` is what the form's signs say (widget/embed/stamps.py).
    """
    verdict = judge(submission_for(draft, rules, automation), rules)
    if verdict.action == "reject" and verdict.reasons[0].code in ("automated", "duplicate"):
        return Outcome(verdict, None)
    if draft.thread.id is None:
        draft.thread = thread_of_first_comment(site, draft.thread.key, page_url, current_app.logger)
    return Outcome(verdict, save_comment(draft, verdict.status, verdict.reasons, verdict.flagged))


class ChangedMeanwhile(Exception):
    """The comment's status changed (a moderator's decision) while its author was rewriting it."""


def judge_and_update(comment, body_source, rules, automation):
    """The policy's verdict on `comment` rewritten as `body_source`, and the comment updated as it says:
    judge_and_save's sibling for an author's edit, through the same policy, so an edit can't pass
    what a post can't.

    A refusal changes nothing stored. Otherwise the text it replaces is kept as a CommentVersion,
    and the comment takes the verdict's status, except that a pending comment stays pending (an
    edit never skips the moderator's look it was waiting for); counts and version follow.
    """
    draft = Draft(thread=comment.thread, parent=None, author_name=comment.author_name,
                  author_email=comment.author_email, author_website=comment.author_website,
                  body_source=body_source, ip=comment.ip, reader=comment.reader, guest_key=comment.guest_key)
    verdict = judge(submission_for(draft, rules, automation, editing=comment), rules)
    if verdict.action == "reject":
        return Outcome(verdict, None)
    before = comment.status
    after = "pending" if before == "pending" else verdict.status
    db.session.add(CommentVersion(comment_id=comment.id, body_source=comment.body_source,
                                  body_html=comment.body_html, written=comment.edited or comment.created))
    if not change_status(comment, before, after, body_source=draft.body_source, body_html=draft.body_html,
                         edited=utcnow(), reasons=[reason.as_dict() for reason in verdict.reasons],
                         flagged=verdict.flagged):
        raise ChangedMeanwhile(comment.id)
    db.session.commit()
    db.session.expire(comment)
    return Outcome(verdict, comment)


def change_status(comment, before, after, **values):
    """Set `comment` from status `before` to `after` (with `values`) only if it still has `before`,
    and move the counts; False, with the session rolled back, when someone changed it meanwhile.
    Not committed, like move_counts."""
    changed = db.session.execute(
        update(Comment).where(Comment.id == comment.id, Comment.status == before).values(status=after, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    move_counts(comment, before, after)
    return True


def move_counts(comment, before, after):
    """A status change of `comment` from `before` to `after`, counted: its thread's version and count,
    its ancestors' reply counts. Not committed: the change's own commit stores them with it.

    Only this comment's own status moves the counts: its published replies stay published and
    stay shown, under a placeholder while it is rejected or deleted (threads.visible).
    """
    published = (after == "published") - (before == "published")
    db.session.execute(
        update(Thread).where(Thread.id == comment.thread_id)
        .values(version=Thread.version + 1, comment_count=Thread.comment_count + published)
    )
    ancestors = {comment.parent_id, comment.root_id} - {None}
    if published and ancestors:
        db.session.execute(
            update(Comment).where(Comment.id.in_(ancestors)).values(reply_count=Comment.reply_count + published)
        )


def save_comment(draft, status, reasons=(), flagged=False):
    """Store `draft` with `status` (and the policy's reasons), moving the thread's counts and version;
    committed."""
    comment = add_comment(draft, status, reasons, flagged)
    db.session.commit()
    erase_old_ips_when_due()
    return comment


def add_comment(draft, status, reasons=(), flagged=False):
    """`draft` written with its counts and the thread's version, not yet committed: a staff reply
    commits it with its audit entry. The comment has its id."""
    parent = attach_point(draft.parent)
    thread = draft.thread
    comment = Comment(
        site_id=thread.site_id,
        thread_id=thread.id,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        reader_id=draft.reader.id if draft.reader else None,
        author_name=draft.author_name,
        author_email=draft.author_email,
        author_website=draft.author_website,
        body_source=draft.body_source,
        body_html=draft.body_html,
        status=status,
        ip=draft.ip,
        reasons=[reason.as_dict() for reason in reasons],
        flagged=flagged,
        guest_key=draft.guest_key,
        staff_id=draft.staff.id if draft.staff else None,
    )
    db.session.add(comment)
    published = status == "published"
    # Counters move in SQL, not in Python, so concurrent posts can't lose an update.
    db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(version=Thread.version + 1, comment_count=Thread.comment_count + int(published))
    )
    if published and parent is not None:
        ancestors = {parent.id, parent.parent_id, parent.root_id} - {None}
        db.session.execute(
            update(Comment).where(Comment.id.in_(ancestors)).values(reply_count=Comment.reply_count + 1)
        )
    db.session.flush()
    return comment


def erase_old_ips(retention_days):
    """Forget the client IP of every comment, and the network of every guest's like, older than the retention period."""
    cutoff = utcnow() - timedelta(days=retention_days)
    result = db.session.execute(
        update(Comment).where(Comment.ip.is_not(None), Comment.created < cutoff).values(ip=None)
    )
    # Guests' likes keep their network for the per-network cap, as long and no longer.
    db.session.execute(update(Like).where(Like.network.is_not(None), Like.created < cutoff).values(network=None))
    db.session.commit()
    return result.rowcount


ERASE_INTERVAL_SECONDS = 3600
_last_erase = {"at": float("-inf")}


def erase_old_ips_when_due():
    """Run erase_old_ips at most hourly per process, riding on comment writes."""
    now = time.monotonic()
    if now - _last_erase["at"] >= ERASE_INTERVAL_SECONDS:
        _last_erase["at"] = now
        erase_old_ips(current_app.config["PARLEY_IP_RETENTION_DAYS"])


def file_report(comment, reason, reporter):
    """Record `reporter`'s report of `comment`; False if they had reported it already."""
    db.session.add(Report(site_id=comment.site_id, comment_id=comment.id, reason=reason, reporter=reporter))
    return commit_unique()
