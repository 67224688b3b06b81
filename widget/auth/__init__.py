"""The sign-in blueprint: the OAuth popup, its callback, the hand-off and logout."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import views  # noqa: F401  (attaches routes and hooks to bp)
