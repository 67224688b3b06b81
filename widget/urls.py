"""Absolute URLs for everything a fragment links to: fragments live in other sites' pages."""
from flask import current_app, url_for


def external_url(endpoint, **values):
    """The absolute URL of `endpoint`, on PARLEY_PUBLIC_URL when it is set."""
    base = current_app.config["PARLEY_PUBLIC_URL"]
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
