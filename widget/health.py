"""Liveness and readiness probes for load balancers and orchestrators."""
from flask import Blueprint, current_app
from sqlalchemy import text

from .extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """200 when the database (and Redis, where limits are kept there) answers, else 503 naming what is down.

    With Redis down the service still serves, counting limits in each process's
    memory; readiness says so, so an operator sees that limits aren't shared.
    """
    checks = {"database": database_answers()}
    if current_app.config["PARLEY_RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")):
        checks["redis"] = current_app.extensions["parley_limits"].storage_answers()
    answer = {name: "ok" if up else "unreachable" for name, up in checks.items()}
    if all(checks.values()):
        return {"status": "ok", **answer}
    return {"status": "unavailable", **answer}, 503


def database_answers():
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 -- whatever the failure, the database isn't answering
        current_app.logger.exception("readiness: database unreachable")
        db.session.rollback()
        return False
