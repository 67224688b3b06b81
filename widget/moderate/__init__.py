"""The moderators' blueprint: login, queues, one-click decisions, the audit log;
for admins, sites, moderators and each site's settings and policy."""
from flask import Blueprint

bp = Blueprint("moderate", __name__, url_prefix="/moderate")

# views first: its hooks load the moderator that admin's hook may then turn away.
from . import views  # noqa: E402,F401  (attaches routes and hooks to bp)
from . import admin, settings  # noqa: E402,F401
