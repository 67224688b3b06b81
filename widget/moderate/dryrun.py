"""A policy's dry run: how a site's latest comments would fare under rules not saved yet.

Each stored comment is judged again as the comment POST judged it when it
arrived: the checks before the pipeline that the policy moves (guest mode,
the thread's closing, the body's length), then `policy.judge` over a
Submission rebuilt the way `comments.submission_for` builds one. What isn't
stored can't be judged again: the form's automation signs count as passing,
and duplicates are not looked for (the earlier copy the rule compares with
may be gone, or be this very comment). Nothing is written.
"""
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import joinedload

from .. import policy
from ..comments import is_trusted, trusted_readers
from ..extensions import db
from ..models import Comment
from ..policy import Reason, Submission, Verdict

DRY_RUN_LIMIT = 200
NOT_RECHECKED = ("Duplicates and the form's automation checks are not re-checked: "
                 "stored comments don't keep what they need.")


@dataclass(frozen=True)
class Trial:
    """One stored comment and the verdict the rules under trial give it."""

    comment: Comment
    verdict: Verdict

    @property
    def now(self):
        return outcome(self.comment.status, self.comment.flagged)

    @property
    def would_be(self):
        return outcome(self.verdict.status, self.verdict.flagged)

    @property
    def verdict_name(self):
        """publish, hold, reject, or flag (published and put in the Reported queue)."""
        return "flag" if self.verdict.action == "publish" and self.verdict.flagged else self.verdict.action

    @property
    def changes(self):
        return self.now != self.would_be


def outcome(status, flagged):
    # A flag only matters on a published comment: that is what puts it in the Reported queue.
    return "flagged" if status == "published" and flagged else status


def dry_run(site, rules, limit=DRY_RUN_LIMIT):
    """[Trial] for the site's latest `limit` comments, newest first, under `rules` (a whole policy).

    Deleted comments have lost their text and staff replies skip the policy: both are left out.
    """
    comments = db.session.scalars(
        db.select(Comment)
        .where(Comment.site_id == site.id, Comment.status != "deleted", Comment.staff_id.is_(None))
        .options(joinedload(Comment.reader), joinedload(Comment.thread))
        .order_by(Comment.id.desc()).limit(limit)
    ).all()
    approved = approved_before(site, comments)
    trusted = trusted_readers(site.id, [comment.reader_id for comment in comments if comment.reader_id])
    return [Trial(comment, judge_again(comment, rules, approved.get(comment.id, 0), comment.reader_id in trusted))
            for comment in comments]


def judge_again(comment, rules, approved_count, trusted_here):
    """The verdict `comment` would get under `rules`: the refusals before the policy, then policy.judge."""
    refusal = refused_before_policy(comment, rules)
    if refusal is not None:
        return Verdict("reject", [refusal])
    return policy.judge(submission_of(comment, rules, approved_count, trusted_here), rules)


def submission_of(comment, rules, approved_count, trusted_here):
    """The Submission `comments.submission_for` would have built when the comment arrived."""
    return Submission(
        body_source=comment.body_source,
        body_html=comment.body_html,
        signed_in=comment.reader is not None,
        trusted=is_trusted(comment.reader, trusted_here, rules, approved_count),
        approved_count=approved_count,
        duplicate=False,
        automation=None,
        website=comment.author_website,
    )


def refused_before_policy(comment, rules):
    """The refusals the comment POST makes before the pipeline that depend on the policy: a Reason, or None."""
    if rules["guests"] == "deny" and comment.reader_id is None:
        return Reason("signin", "Please sign in to comment.", "guests must sign in")
    days = rules["close_after_days"]
    if days and comment.created >= comment.thread.created + timedelta(days=days):
        return Reason("closed", "Comments on this article are closed.",
                      f"posted {(comment.created - comment.thread.created).days} days after the thread opened")
    length = len(comment.body_source)
    if not rules["min_length"] <= length <= rules["max_length"]:
        return Reason("length", "Your comment's length is outside the limits.",
                      f"{length:,} characters; {rules['min_length']:,} to {rules['max_length']:,} allowed")
    return None


def approved_before(site, comments):
    """{comment id: its signed-in author's published comments on the site before it}, in one query.

    Before it, not all of them: a comment can't have earned its own trust.
    """
    readers = {comment.reader_id for comment in comments if comment.reader_id is not None}
    published = defaultdict(list)
    rows = db.session.execute(
        db.select(Comment.reader_id, Comment.id)
        .where(Comment.site_id == site.id, Comment.status == "published", Comment.reader_id.in_(readers))
        .order_by(Comment.id)
    )
    for reader_id, comment_id in rows:
        published[reader_id].append(comment_id)
    return {comment.id: bisect_left(published[comment.reader_id], comment.id)
            for comment in comments if comment.reader_id is not None}


def summary(trials):
    """How many would change, and how many get each verdict."""
    verdicts = {"publish": 0, "hold": 0, "reject": 0, "flag": 0}
    for trial in trials:
        verdicts[trial.verdict_name] += 1
    return {"total": len(trials), "changes": sum(trial.changes for trial in trials), "verdicts": verdicts}
