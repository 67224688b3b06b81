"""The moderators' blueprint: login, queues, one-click decisions, the audit log, admins' pages.

Admins also manage sites, moderators and each site's settings and policy.
"""
from flask import Blueprint

bp = Blueprint("moderate", __name__, url_prefix="/moderate")

# Importing the modules attaches their routes, and the gate's hook, to bp.
from . import admin, gate, settings, views  # noqa: E402,F401
