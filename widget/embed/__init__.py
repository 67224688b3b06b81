"""The readers' blueprint: thread and form fragments, the comment POST, counts, policy page."""
from flask import Blueprint

bp = Blueprint("embed", __name__, url_prefix="/embed")

from . import fragments, headers, views  # noqa: F401  (they attach routes and hooks to bp)
