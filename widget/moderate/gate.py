"""Who gets into the dashboard: the moderator of this browser's session, loaded once per request.

One `before_request` hook of the blueprint sends everyone without a live session
to sign in, whatever the page; only the sign-in page itself, and signing out
(which only ends the session its cookie names), are open. Admin-only views say
so with `admin_required`. The app's static files are not the blueprint's and
need no session.
"""
from functools import wraps

from flask import abort, g, redirect, request, session, url_for

from . import bp, sessions

# The one thing the dashboard keeps in the session cookie: its session's token (sessions.py).
SESSION_TOKEN = "moderator_session"
OPEN_TO_ALL = {"moderate.login", "moderate.logout"}


@bp.before_request
def let_in_moderators_only():
    """g.moderator for every dashboard request; without one, a 303 to sign in, then back here."""
    token = session.get(SESSION_TOKEN)
    g.moderator = sessions.moderator_of(token) if token else None
    if token and g.moderator is None:
        session.pop(SESSION_TOKEN)  # ended or lapsed: no use sending it again
    if g.moderator is None and request.endpoint not in OPEN_TO_ALL:
        return redirect(url_for("moderate.login", next=request.full_path), 303)
    return None


def admin_required(view):
    """For admins only: any other moderator gets 403 (who may embed Parley where, and who
    moderates what, are the service owner's calls)."""
    @wraps(view)
    def admins_only(*args, **kwargs):
        if not g.moderator.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return admins_only
