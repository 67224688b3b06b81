"""Security headers every answer carries, whatever blueprint (or none) made it.

Blueprints set their own Content-Security-Policy (fragments, popup, dashboard,
policy page); anything else — probes, static files, errors outside a blueprint —
gets the strictest one, since none of it is meant to run, load or be framed.
"""
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def add_security_headers(response):
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
    return response


def init_app(app):
    # App-level after_request hooks run after the blueprints' own, so theirs stand.
    app.after_request(add_security_headers)
