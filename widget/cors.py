"""Cross-origin grants: only to an Origin on the site's allow-list, never with credentials.

Every answer varies by Origin, so no cache hands one site's grant to another.
"""
from flask import request

# ETag: embed.js compares it to notice a thread that moved (see its live polling).
EXPOSED_HEADERS = "ETag, Retry-After, X-Parley-Token"
PREFLIGHT_MAX_AGE = "600"


def grant_cors(response, site, request=request):
    """Add the CORS headers `response` should carry for `site` (None: an unknown site).

    `request` is Flask's, unless the fast lane (widget/embed/lane.py) answers before Flask.
    """
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin is None or site is None or not site.allows_origin(origin):
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, X-Parley-Guest"
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
