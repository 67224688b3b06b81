"""The fast lane: anonymous reads of unchanged threads, answered before Flask's request handling.

Readers outnumber writers a thousand to one, and nearly all of their reads find
a thread unchanged since it was last rendered: a 304, or the fragment cached
then (widget/embed/cache.py). Such an answer needs only the read limit, one
query for the versions and the answer's headers, so this WSGI layer gives it
in an app context, with the same functions the view and its hooks use, and
hands everything else to Flask: other requests, readers with a token or a
guest key, a thread not yet rendered (a thread that isn't stored is never kept, so only its
304 is answered here), invalid arguments, and a
database that fails (Flask then answers its 503).
"""
import re

from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Request

from .. import limits
from ..cors import grant_cors
from ..security import add_security_headers
from ..threads import ANONYMOUS
from .cache import Versions, cached
from .fragments import fragment_base
from .views import READ_COUNTED, Refusal, public_fragment, thread_args

THREAD_PATH = re.compile(r"/embed/([^/]+)/thread")
PERSONAL = ("HTTP_AUTHORIZATION", "HTTP_X_PARLEY_GUEST")


def fast_lane(app, wsgi_app):
    """`wsgi_app` (the Flask app's), with the unchanged threads' reads answered in front of it."""
    def lane(environ, start_response):
        match = THREAD_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or environ["REQUEST_METHOD"] != "GET" or any(name in environ for name in PERSONAL):
            return wsgi_app(environ, start_response)
        with app.app_context():
            try:
                response = unchanged_thread(Request(environ), match.group(1))
            except SQLAlchemyError:
                app.logger.warning("fast lane: the database failed; the request goes the long way", exc_info=True)
                response = None
        if response is None:
            return wsgi_app(environ, start_response)
        return response(environ, start_response)

    return lane


def unchanged_thread(request, site_key):
    """The answer to an anonymous read of `site_key`'s thread if its versions alone give it, else None."""
    # Counted here once; the view reads the count if the request goes on to it.
    wait = request.environ[READ_COUNTED] = limits.hit("PARLEY_LIMIT_READ", limits.ip_bucket(request.remote_addr))
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
        response = public_fragment("", 304, etag)
    else:
        body = cached(etag)
        if body is None:
            return None
        response = public_fragment(body, 200, etag)
    # What the embed blueprint's hooks and then the app's add to the view's answer.
    return add_security_headers(grant_cors(response, versions, request))
