"""HTTP plumbing the blueprints share: the Host check, CORS, security headers, absolute URLs, client IPs.

Nothing here decides anything about comments; the domain modules never import it.

**Hosts.** PARLEY_ALLOWED_HOSTS names the Host headers Parley answers, checked before
anything else runs. Without PARLEY_PUBLIC_URL every absolute link in a fragment is built from the
request's Host header, and fragments are public and kept by CDNs: a forged Host
would put its links in the copy other readers get. The check is a WSGI layer in
front of the fast lane and Flask alike, so no answer (not even a 304 or a cached
fragment from the lane) is given for a Host that isn't listed. Flask's own
TRUSTED_HOSTS isn't enough: it ignores the port, which links carry too, and only
Flask's request checks it, not the lane's.

**CORS.** Cross-origin grants go only to an Origin on the site's allow-list,
never with credentials. Every answer varies by Origin, so no cache hands one
site's grant to another.

**Security headers** every answer carries, whatever blueprint (or none) made
it. Blueprints set their own Content-Security-Policy (fragments, popup,
dashboard, policy page); anything else — probes, static files, errors outside a
blueprint — gets the strictest one, since none of it is meant to run, load or
be framed.

**Absolute URLs** for everything a fragment links to: fragments live in other
sites' pages.
"""
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from werkzeug.exceptions import BadRequest
from werkzeug.wsgi import get_host

from .limits import ip_bucket

# --- the Host check ------------------------------------------------------------------------------

# Load balancers and orchestrators probe a backend by its own address, whatever Host the
# public uses; these answers carry no links, so they are served for any Host.
PROBES = ("/healthz", "/readyz")


def served_hosts(config):
    """The Host headers to answer, or None for any (PARLEY_ALLOWED_HOSTS unset).

    With PARLEY_PUBLIC_URL set as well, its own host is always served.
    """
    allowed = config["PARLEY_ALLOWED_HOSTS"]
    if not allowed:
        return None
    hosts = set(allowed)
    if config["PARLEY_PUBLIC_URL"]:
        public = urlsplit(config["PARLEY_PUBLIC_URL"])
        hosts.add(get_host({"wsgi.url_scheme": public.scheme, "HTTP_HOST": public.netloc.lower()}))
    return hosts


def allowed_hosts_only(app, wsgi_app):
    """`wsgi_app`, answering 400 to a request whose Host isn't one of served_hosts(app.config)."""
    def served_host_only(environ, start_response):
        hosts = served_hosts(app.config)
        # get_host drops the scheme's default port (":443" on https), as links do.
        if hosts is None or environ.get("PATH_INFO") in PROBES or get_host(environ).lower() in hosts:
            return wsgi_app(environ, start_response)
        refusal = BadRequest("This Host is not served here.").get_response(environ)
        # A shared cache must not keep this refusal for the URL's real readers.
        refusal.headers["Cache-Control"] = "no-store"
        return refusal(environ, start_response)

    return served_host_only


# --- cross-origin grants -------------------------------------------------------------------------

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


# --- security headers ----------------------------------------------------------------------------

DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def add_security_headers(response):
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
    return response


def init_app(app):
    # App-level after_request hooks run after the blueprints' own, so theirs stand.
    app.after_request(add_security_headers)


# --- absolute URLs and the client ----------------------------------------------------------------

def external_url(endpoint, **values):
    """The absolute URL of `endpoint`, on PARLEY_PUBLIC_URL when it is set."""
    base = current_app.config["PARLEY_PUBLIC_URL"]
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def client_ip():
    """The client's address as limits and bans count it: an IPv4 address, or an IPv6 /64 network,
    since anyone holding one IPv6 address usually holds its whole /64 (limits.ip_bucket).

    ProxyFix has already taken PARLEY_TRUSTED_PROXIES hops of X-Forwarded-For, and no more.
    """
    return ip_bucket(request.remote_addr)
