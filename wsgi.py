"""The WSGI entry point: `gunicorn wsgi:app` (serving the public), `flask --app wsgi ...` (commands)."""
import os

from widget import create_app
from widget.config import check_served_hosts

app = create_app()

# A WSGI server serves the public, and then no Host header may choose the fragments' links.
# The flask command sets FLASK_RUN_FROM_CLI for every command before it imports this module:
# site owners' commands (and `flask run`, the development server) start without either setting.
if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
    check_served_hosts(app.config)
