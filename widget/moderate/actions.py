"""The actions a moderator takes on one comment: one table the action view runs and _item.html draws.

What each does, which comments its button shows on, the button, and what the
moderator is told after.

The button is a hint, not the rule: a comment may have changed since its page was drawn,
so the moderation functions check again, and refuse with AlreadyDecided or CannotDo.
"""
from collections.abc import Callable
from dataclasses import dataclass

from ..models import COMMENT_STATUSES
from ..moderation import apply, ban_author, reply_as_staff, set_pinned, trust_author
from . import bp


def always(comment, reports, trusted):
    return True


@dataclass(frozen=True)
class Action:
    """One action: `run(comment, moderator, form)` does it and returns what `flash` may name as
    {done}; `flash` is formatted with it and the comment. The button shows on comments whose
    status is one of `statuses` and for which `shows(comment, reports, trusted)` holds
    (reports: {comment id: {reason: count}}, trusted: the site's trusted reader ids).
    One with a `summary` is drawn folded away under it."""

    name: str
    label: str
    css_class: str
    statuses: frozenset
    run: Callable
    flash: str
    shows: Callable = always
    summary: str = ""

    def offered_on(self, comment, reports, trusted):
        return comment.status in self.statuses and bool(self.shows(comment, reports, trusted))

    def take(self, comment, moderator, form):
        """Do the action; returns the text to flash."""
        return self.flash.format(comment=comment, done=self.run(comment, moderator, form))


def decision(action):
    """A run that applies one of moderation.DECISIONS, with the moderator's note."""
    def run(comment, moderator, form):
        apply(comment, action, moderator, note=(form.note.data or "").strip()[:500])
    return run


def top_level(pinned):
    """Shows on a top-level comment that is (`pinned`) or is not an editor's pick."""
    return lambda comment, reports, trusted: comment.parent_id is None and comment.pinned == pinned


ANY = frozenset(COMMENT_STATUSES)
ACTIONS = {action.name: action for action in (
    # Approving a published comment clears its flag and reports, so it shows there only if it has either.
    Action("approve", "Approve", "approve", frozenset({"pending", "rejected", "published"}), decision("approve"),
           "Comment {comment.id}: approved.",
           shows=lambda comment, reports, trusted: comment.status != "published" or comment.flagged
           or reports.get(comment.id)),
    Action("reject", "Reject", "reject", frozenset({"pending", "published"}), decision("reject"),
           "Comment {comment.id}: rejected."),
    Action("delete", "Delete", "delete", ANY - {"deleted"}, decision("delete"), "Comment {comment.id}: deleted."),
    Action("pin", "Editor's pick", "pin", frozenset({"published"}),
           lambda comment, moderator, form: set_pinned(comment, moderator, True),
           "Comment {comment.id} is now an editor's pick.", shows=top_level(pinned=False)),
    Action("unpin", "Unpin", "pin", frozenset({"published"}),
           lambda comment, moderator, form: set_pinned(comment, moderator, False),
           "Comment {comment.id} is no longer an editor's pick.", shows=top_level(pinned=True)),
    Action("ban", "Ban", "reject", ANY,
           lambda comment, moderator, form: ban_author(comment, moderator, form.duration.data or "", form.scope.data),
           "Banned {done}.", shows=lambda comment, reports, trusted: comment.staff_id is None),
    Action("trust", "Trust", "trust", ANY, lambda comment, moderator, form: trust_author(comment, moderator),
           "{comment.author_name}'s comments now skip the waits.",
           shows=lambda comment, reports, trusted: comment.reader_id and comment.reader_id not in trusted),
    Action("reply", "Publish reply", "approve", frozenset({"published"}),
           lambda comment, moderator, form: reply_as_staff(comment, moderator, form.body.data or ""),
           "Your reply (comment {done.id}) is published under comment {comment.id}.", summary="Reply as staff"),
)}


@bp.app_template_global()
def actions_offered(comment, reports, trusted):
    """The actions whose buttons show on `comment`, in the table's order."""
    return [action for action in ACTIONS.values() if action.offered_on(comment, reports, trusted)]
