"""The fast lane: anonymous reads of unchanged threads, answered before Flask's request handling.

Readers outnumber writers a thousand to one, and nearly all of their reads find
a thread unchanged since it was last rendered: a 304, or the fragment cached
then (widget/embed/cache.py). Such an answer needs only the read limit, one
query for the versions and the answer's headers, so this WSGI layer gives it
in an app context, with what it shares with the view (widget/embed/reads.py, which
needs no request context), and hands everything else to Flask: other requests,
readers with a token or a guest key, a thread not yet rendered (a thread that isn't
stored is never kept, so only its 304 is answered here), invalid arguments, and
any error at all, logged (a failing database: Flask then answers its 503).

Its contract with the view: the read is counted here once, and left in the environ
under READ_COUNTED for the view (views.limit_reads) when the read goes on; the
answer carries what the embed blueprint's hooks and the app's would add
(`as_the_hooks_would`); tests/test_fast_lane.py checks both answer alike, to the byte.
A `before_request` short-circuit would need no environ key and no hand-applied
hooks, but Flask's request handling costs it a third more per read (docs/architecture.md).
"""
import re

from werkzeug.wrappers import Request

from ..threads import ANONYMOUS
from ..web import add_security_headers, grant_cors
from .cache import Versions, cached
from .fragments import fragment_base
from .reads import Refusal, count_read, public_fragment, thread_args

THREAD_PATH = re.compile(r"/embed/([^/]+)/thread")
PERSONAL = ("HTTP_AUTHORIZATION", "HTTP_X_PARLEY_GUEST")
# Where the lane leaves its count of a read it hands on to Flask (request.environ is the same dict).
READ_COUNTED = "parley.read_wait"


def fast_lane(app, wsgi_app):
    """`wsgi_app` (the Flask app's), with the unchanged threads' reads answered in front of it."""
    def lane(environ, start_response):
        match = THREAD_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or environ["REQUEST_METHOD"] != "GET" or any(name in environ for name in PERSONAL):
            return wsgi_app(environ, start_response)
        with app.app_context():
            try:
                response = unchanged_thread(Request(environ), match.group(1))
            except Exception:
                # Whatever it is (a database down, a helper that needs a request context), the view
                # answers it as it would without the lane.
                app.logger.exception("fast lane: the read goes the long way")
                response = None
        if response is None:
            return wsgi_app(environ, start_response)
        return response(environ, start_response)

    return lane


def unchanged_thread(request, site_key):
    """The answer to an anonymous read of `site_key`'s thread if its versions alone give it, else None."""
    wait = request.environ[READ_COUNTED] = count_read(request.remote_addr)
    if wait:
        return None
    try:
        key, sort, after, around = thread_args(request.args)
    except Refusal:
        return None
    versions = Versions.of_keys(site_key, key)
    if versions is None:
        return None
    etag = versions.etag(fragment_base(request), sort, after, around, ANONYMOUS)
    if request.if_none_match.contains_weak(etag):
        return as_the_hooks_would(public_fragment("", 304, etag), versions, request)
    body = cached(etag)
    if body is None:
        return None
    return as_the_hooks_would(public_fragment(body, 200, etag), versions, request)


def as_the_hooks_would(response, versions, request):
    """What the embed blueprint's hooks (widget/embed/headers.py) and then the app's
    (widget/web.py) add to an anonymous read's answer: its CORS grant (the versions
    carry the site's origins) and the security headers. The others leave it as it is."""
    return add_security_headers(grant_cors(response, versions, request))
