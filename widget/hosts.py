"""PARLEY_ALLOWED_HOSTS: the Host headers Parley answers, checked before anything else runs.

Without PARLEY_PUBLIC_URL every absolute link in a fragment is built from the
request's Host header, and fragments are public and kept by CDNs: a forged Host
would put its links in the copy other readers get. The check is a WSGI layer in
front of the fast lane and Flask alike, so no answer (not even a 304 or a cached
fragment from the lane) is given for a Host that isn't listed. Flask's own
TRUSTED_HOSTS isn't enough: it ignores the port, which links carry too, and only
Flask's request checks it, not the lane's.
"""
from urllib.parse import urlsplit

from werkzeug.exceptions import BadRequest
from werkzeug.wsgi import get_host

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
