"""Response headers of the embed endpoints: cross-origin grants and lock-down.

A grant goes only to an Origin on the requested site's allow-list, never with
credentials; every answer varies by Origin so no cache hands one site's grant
to another. Fragments are meant to be fetched, not displayed: opened directly
they may not run script, load anything or be framed.
"""
from flask import g, request

from ..sites import find_site
from . import bp

EXPOSED_HEADERS = "Retry-After, X-Parley-Token"
PREFLIGHT_MAX_AGE = "600"


FRAGMENT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The policy page is a page of Parley's own, styled by Parley's stylesheet.
PAGE_CSP = "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


@bp.after_request
def lock_down(response):
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers.setdefault("Content-Security-Policy", PAGE_CSP if request.endpoint == "embed.policy_page" else FRAGMENT_CSP)
    return response


@bp.after_request
def grant_cors(response):
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin is None:
        return response
    site = g.get("site")
    if site is None and request.view_args and "site_key" in request.view_args:
        site = find_site(request.view_args["site_key"])
    if site is None or not site.allows_origin(origin):
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
