"""Response headers of the embed endpoints: cross-origin grants, caching, and the policy page's CSP.

Fragments are meant to be fetched, not displayed: opened directly they may not
run script, load anything or be framed; widget/web.py gives them (and
every answer) that lock-down.
"""
from flask import g, request

from ..sites import find_site
from ..tokens import GUEST_KEY_HEADER
from ..web import grant_cors
from . import bp

# The policy page is a page of Parley's own, styled by Parley's stylesheet.
PAGE_CSP = "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


@bp.after_request
def style_the_policy_page(response):
    if request.endpoint == "embed.policy_page":
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    return response


@bp.after_request
def grant_site_origin(response):
    if g.get("database_down"):
        return response  # widget.errors grants what it can without the database
    site = g.get("site")
    if site is None and request.view_args and "site_key" in request.view_args:
        site = find_site(request.view_args["site_key"])
    return grant_cors(response, site)


@bp.after_request
def not_stored(response):
    """An embed answer is its reader's own (a form, a notice, a refusal, a POST's answer) unless its
    view made it public (thread fragments, counts): no cache may keep it. The policy page (a page
    like the site's own) and CORS preflights keep browsers' defaults."""
    if response.status_code == 200 and (request.method == "OPTIONS" or request.endpoint == "embed.policy_page"):
        return response
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.after_request
def mark_personal(response):
    """An answer to a request with a token or a guest key is that reader's: no shared cache may keep it."""
    personal = [header for header in ("Authorization", GUEST_KEY_HEADER) if header in request.headers]
    for header in personal:
        response.vary.add(header)
    if personal and response.headers.get("Cache-Control", "").startswith("public"):
        response.headers["Cache-Control"] = "private, no-cache"
    bearer = g.get("bearer")
    if bearer is not None and bearer.state == "invalid":
        # embed.js forgets a token the server no longer honours.
        response.headers["X-Parley-Token"] = "invalid"
    return response
