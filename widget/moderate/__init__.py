"""The moderators' blueprint: login, queues, one-click decisions, the audit log."""
from flask import Blueprint

bp = Blueprint("moderate", __name__, url_prefix="/moderate")

from . import views  # noqa: F401  (attaches routes and hooks to bp)
