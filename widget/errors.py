"""When the database is out of reach: a clear 503 the reader can act on, never a 500.

A comment's row and its thread's counters are written in one transaction, so
a connection lost mid-request leaves nothing half-written; the pool drops dead
connections (pre-ping) and the service recovers on its own once the database
is back.
"""
from flask import current_app, g, jsonify, make_response, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError

from .extensions import db

RETRY_SECONDS = 5
MESSAGE = "Comments are unavailable for a moment. Your text is kept; please try again in a few seconds."
UNAVAILABLE = {"kind": "error", "message": MESSAGE}


def database_unavailable(error):
    current_app.logger.error("database unavailable: %s", error.orig or error)
    g.database_down = True
    try:
        db.session.rollback()
    except (InterfaceError, OperationalError):
        db.session().invalidate()  # drop the dead connection without another ROLLBACK sent to it
    if request.endpoint == "embed.counts" or request.blueprint == "health":
        body = jsonify(error=MESSAGE)
    else:
        body = render_template("embed/notice.html", notice=UNAVAILABLE)
    response = make_response(body, 503)
    response.headers["Retry-After"] = str(RETRY_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    origin = request.headers.get("Origin")
    if request.blueprint == "embed" and origin:
        # The site's allow-list is in the unreachable database; this answer is one public
        # sentence, so any page may read it and tell its reader what happened.
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
        response.vary.add("Origin")
    return response


def release_session(exc):
    """End the request's session even when its connection died after the answer was made.

    The ROLLBACK that Flask-SQLAlchemy's teardown sends would fail on it and turn an answer
    already made (a 201 for a comment already committed) into a 500.
    """
    try:
        db.session.remove()
    except (InterfaceError, OperationalError) as error:
        current_app.logger.warning("database connection lost at the end of a request: %s", error.orig or error)
        db.session().invalidate()
        db.session.remove()


def init_app(app):
    for error in (OperationalError, InterfaceError):
        app.register_error_handler(error, database_unavailable)
    # Registered after Flask-SQLAlchemy's teardown, so it runs first (teardowns run last first).
    app.teardown_appcontext(release_session)
