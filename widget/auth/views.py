"""Sign-in, in a popup on Parley's own origin, so no third-party cookie is ever needed.

login checks the site and the host page's origin, then sends the popup to the
provider; callback finishes the OAuth flow, creates the reader's token and
renders a page that posts it to the host page (window.opener) with exactly the
registered origin as target, and closes once the widget acknowledges it.

When the page doesn't answer (a provider's Cross-Origin-Opener-Policy has cut
the popup off from its opener, or the opener isn't the site's page at all),
the popup asks the reader to confirm, with a button, that they are finishing a
sign-in on that site. The confirmation sends the popup itself to the article's
page, on the site's own origin, with a one-time code in the URL fragment; the
widget there redeems it at /auth/handoff together with the secret it keeps in
that origin's storage, and tells the article's window. So the sign-in only
ever reaches the site's own pages: a page elsewhere that opened the popup, or
its server, never sees the code, and holding its own secret is not enough.

Every failure is a page in plain words with a close button; details go to the log.
"""
import hmac
import secrets
import time

import ada_url
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import abort, current_app, g, jsonify, make_response, redirect, render_template, request, session
from joserfc.errors import JoseError

from .. import limits
from ..providers import providers_for_site
from ..sites import find_site
from ..tokens import (
    HANDOFF_HASH,
    WIDGET_SECRET,
    issue_token,
    leave_handoff,
    redeem_handoff,
    revoke_session,
    revoke_token,
)
from ..web import client_ip, external_url, grant_cors
from . import bp
from .profiles import fetch_profile
from .readers import save_reader

LOGIN_KEY = "parley_login_"
HANDOFF_KEY = "parley_handoff"
# A reader who hasn't come back from the provider after this many seconds starts again.
LOGIN_TIMEOUT = 600
# Sign-ins begun and abandoned that the popup's cookie remembers (it must stay under 4 KB).
PENDING_LOGINS_KEPT = 4
POPUP_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "base-uri 'none'; form-action 'self'{also}; frame-ancestors 'none'"
)
# The fragment that carries a hand-off's one-time code to the article's page; embed.js reads it.
HANDOFF_FRAGMENT = "parley-signin="
PAGE_URL_MAX = 2000
EXPIRED = "This sign-in has expired or was already used. Close this window and start again from the article."
# What the widget calls from the site's pages (not the popup's own pages): they carry its CORS grant.
CROSS_ORIGIN_ENDPOINTS = ("auth.handoff", "auth.logout")


@bp.after_request
def popup_headers(response):
    response.headers["Cache-Control"] = "no-store"
    # The callback's URL holds the provider's code: it must not leak onwards.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Content-Security-Policy", POPUP_CSP.format(also=""))
    return response


@bp.after_request
def grant_site_origin(response):
    """The widget's calls get the site's CORS grant (g.site, which their views set; none: Vary alone)."""
    if request.endpoint in CROSS_ORIGIN_ENDPOINTS:
        grant_cors(response, g.get("site"))
    return response


def popup_page(status, title, message):
    return make_response(render_template("auth/error.html", title=title, message=message), status)


@bp.errorhandler(413)
def request_too_large(error):
    """A body past MAX_CONTENT_LENGTH: the hand-off's poll gets JSON as its other answers, the popup a page."""
    if request.endpoint == "auth.handoff":
        return jsonify(error="That request is far too large."), 413
    return popup_page(413, "Sign-in failed", "That request was far too large. Close this window and try again.")


def failed(status, message, detail=None, title="Sign-in failed"):
    """The popup's answer to a sign-in that can't go on; `detail` is for the log only."""
    if detail:
        current_app.logger.warning("sign-in failed: %s", detail)
    return popup_page(status, title, message)


def provider_or_404(name):
    provider = current_app.config["PARLEY_PROVIDERS"].get(name)
    if provider is None:
        abort(failed(404, "This way of signing in isn't available."))
    return provider


def oauth_client(provider):
    return current_app.extensions["authlib.integrations.flask_client"].create_client(provider.name)


def forget_stale_logins():
    """Drop expired and surplus sign-ins, with Authlib's state for them, so the cookie stays small."""
    pending = sorted(
        ((value.get("started", 0), key) for key, value in session.items() if key.startswith(LOGIN_KEY)),
        reverse=True,
    )
    cutoff = time.time() - LOGIN_TIMEOUT
    for rank, (started, key) in enumerate(pending):
        if started < cutoff or rank >= PENDING_LOGINS_KEPT - 1:
            state = key[len(LOGIN_KEY):]
            provider = session.pop(key).get("provider", "")
            session.pop(f"_state_{provider}_{state}", None)


@bp.get("/<provider_name>/login")
def login(provider_name):
    """Check the sign-in's provider, site and pages, then send the popup to the provider."""
    wait = limits.hit("PARLEY_LIMIT_SIGNIN", client_ip())
    if wait:
        return make_response(
            failed(429, f"Too many sign-ins from your network just now. Please try again in {wait} seconds."),
            {"Retry-After": str(wait)},
        )
    provider = provider_or_404(provider_name)
    site, origin = site_and_origin(provider)
    handoff, page = handoff_and_page(site, origin)
    client = oauth_client(provider)
    redirect_uri = external_url("auth.callback", provider_name=provider.name)
    authorization = authorization_of(client, provider, redirect_uri)
    client.save_authorize_data(redirect_uri=redirect_uri, **authorization)
    forget_stale_logins()
    session[LOGIN_KEY + authorization["state"]] = {
        "provider": provider.name, "site": site.key, "origin": origin, "started": time.time(),
        # Without the page to finish on, a popup that loses its page can't hand the sign-in over.
        "handoff": handoff if page else None, "page": page,
    }
    return redirect(authorization["url"])


def site_and_origin(provider):
    """The login's site and host page origin: a registered site, one of its origins, offering `provider`."""
    site = find_site(request.args.get("site", ""))
    if site is None:
        abort(failed(404, "This comment section isn't registered with Parley."))
    origin = request.args.get("origin", "")
    if not site.allows_origin(origin):
        abort(failed(
            400, f"This sign-in didn't start from one of {site.name}'s pages, so Parley won't continue it.",
            detail=f"login for site {site.key} from unregistered origin {origin!r}",
        ))
    if provider not in providers_for_site(site, current_app.config["PARLEY_PROVIDERS"]):
        abort(failed(400, f"{site.name} doesn't offer sign-in with {provider.label}."))
    return site, origin


def handoff_and_page(site, origin):
    """The hand-off's hash and the article's page to finish on, if the widget sent them, checked."""
    handoff = request.args.get("handoff") or None
    page = request.args.get("page") or None
    if handoff is not None and not HANDOFF_HASH.fullmatch(handoff):
        abort(failed(400, "This sign-in link is malformed. Close this window and try again from the article."))
    if page is not None:
        page = article_page(page, origin)
        if page is None:
            abort(failed(400, f"This sign-in didn't start from one of {site.name}'s pages, so Parley won't continue it.",
                         detail=f"login for site {site.key} with a page off {origin!r}"))
    return handoff, page


def authorization_of(client, provider, redirect_uri):
    """The provider's authorization URL and the state to keep; a provider that can't give one is a 502."""
    try:
        return client.create_authorization_url(redirect_uri)
    except (requests.RequestException, ValueError, RuntimeError) as error:
        # RuntimeError: a discovery document without an authorization endpoint.
        abort(failed(
            502, f"{provider.label} isn't answering right now. Please try again in a few minutes.",
            detail=f"{provider.name} discovery or authorization URL failed: {error!r}",
        ))


def article_page(url, origin):
    """The page a sign-in started on, without its fragment, if it is a web page on `origin`; else None."""
    if len(url) > PAGE_URL_MAX:
        return None
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        return None
    if parsed.protocol not in ("http:", "https:") or parsed.origin != origin:
        return None
    parsed.hash = ""
    return parsed.href


@bp.get("/<provider_name>/callback")
def callback(provider_name):
    """The provider's answer: the sign-in it ends, the reader's token, and the page that hands it over."""
    provider = provider_or_404(provider_name)
    state = request.args.get("state", "")
    pending = session.pop(LOGIN_KEY + state, None) if state else None
    client = oauth_client(provider)
    site = pending_site(client, provider, state, pending)
    profile = verified_profile(client, provider)
    reader = save_reader(provider.name, profile)
    reader_token, reader_session = issue_token(reader, site, current_app.config["PARLEY_READER_SESSION_DAYS"])
    confirm = None
    if pending.get("handoff") and pending.get("page"):
        confirm = secrets.token_urlsafe(16)
        session[HANDOFF_KEY] = {
            "hash": pending["handoff"], "reader": reader.id, "site": site.key, "origin": pending["origin"],
            "page": pending["page"], "session": reader_session.id, "confirm": confirm, "at": time.time(),
        }
    result = login_result(reader_token, pending["origin"], reader)
    response = make_response(render_template("auth/callback.html", result=result, reader=reader, site=site,
                                             confirm=confirm))
    # The confirmation's redirect goes to the article's page: the form may lead there, and nowhere else.
    # The origin is one of the site's, normalised, so it is a valid source expression.
    response.headers["Content-Security-Policy"] = POPUP_CSP.format(also=f" {pending['origin']}" if confirm else "")
    return response


def pending_site(client, provider, state, pending):
    """The site of the sign-in the callback's state names, if the provider signed the reader in,
    the sign-in is recent and unused, and the site still takes sign-ins from its page."""
    error = request.args.get("error")
    if error:
        client.framework.clear_state_data(session, state)
        if error == "access_denied":
            abort(popup_page(200, "Sign-in cancelled", f"You didn't sign in with {provider.label}. "
                             "You can close this window; nothing was shared with the site."))
        abort(failed(400, f"{provider.label} didn't sign you in. Please try again.",
                     detail=f"{provider.name} answered error={error!r}: {request.args.get('error_description')!r}"))
    stale = pending is None or time.time() - pending["started"] > LOGIN_TIMEOUT
    if stale:
        client.framework.clear_state_data(session, state)
        abort(failed(400, EXPIRED, detail=f"{provider.name} callback with unknown, replayed or expired state"))
    # The site and its origins may have changed while the reader was at the provider.
    site = find_site(pending["site"])
    if site is None or not site.allows_origin(pending["origin"]):
        client.framework.clear_state_data(session, state)
        abort(failed(400, "This comment section no longer accepts sign-ins from that page.",
                     detail=f"callback for site {pending['site']} and origin {pending['origin']!r}: gone"))
    return site


def verified_profile(client, provider):
    """The reader's profile, from the code the provider sent back; it must carry a verified email."""
    try:
        token = client.authorize_access_token()
        profile = fetch_profile(client, provider, token)
    except MismatchingStateError:
        abort(failed(400, EXPIRED, detail=f"{provider.name} callback with mismatching state"))
    except OAuthError as error:
        abort(failed(502, f"{provider.label} didn't complete the sign-in. Please try again.",
                     detail=f"{provider.name} token exchange refused: {error.error} {error.description}"))
    except (AuthlibBaseError, requests.RequestException, JoseError, ValueError, KeyError, TypeError) as error:
        # AuthlibBaseError: a callback without a code, an ID token that fails validation...
        abort(failed(502, f"{provider.label} isn't answering properly right now. Please try again later.",
                     detail=f"{provider.name} token or profile request failed: {error!r}"))
    if profile.email is None:
        abort(failed(403, f"Your {provider.label} account didn't share a verified email address, which "
                     "commenting needs (moderators may have to reach you; it is never shown). Allow Parley "
                     "to see your email address, or use another way to sign in.",
                     detail=f"{provider.name} account {profile.subject} has no verified email"))
    return profile


def login_result(token, origin, reader):
    """What the widget learns of a sign-in: the contract's parley:login message."""
    return {
        "type": "parley:login",
        "token": token,
        "origin": origin,
        "user": {"name": reader.name, "avatar": reader.avatar_url},
    }


@bp.post("/handoff/confirm")
def confirm_handoff():
    """The reader, in a popup that lost its page, confirms: finish on the article's page.

    The popup goes there itself, carrying a one-time code in the URL fragment
    (which no server sees); the widget on that page redeems it.
    """
    pending = session.pop(HANDOFF_KEY, None)
    given = request.form.get("confirm", "")
    if pending is None or not hmac.compare_digest(given, pending["confirm"]) \
            or time.time() - pending["at"] > LOGIN_TIMEOUT:
        return failed(400, EXPIRED, detail="hand-off confirmation without a matching sign-in")
    site = find_site(pending["site"])
    if site is None or not site.allows_origin(pending["origin"]):
        return failed(400, "This comment section no longer accepts sign-ins from that page.")
    code = leave_handoff(pending["hash"], pending["reader"], site.id, pending["origin"])
    if code is None:
        return failed(400, EXPIRED, detail="hand-off hash used twice")
    # The token on the callback page never reached the article: only the hand-off's will be used.
    revoke_session(pending["session"])
    return redirect(f"{pending['page']}#{HANDOFF_FRAGMENT}{code}", 303)


@bp.post("/handoff")
def handoff():
    """The widget on the article's page redeems a hand-off: 200 and the sign-in, once; 403 otherwise.

    It takes the code that arrived in the page's URL fragment, the secret the
    widget kept in that origin's storage when it started the sign-in, and the
    page's Origin; a server that claims an Origin has neither the code nor,
    unless it started the sign-in, the secret.
    """
    site = g.site = find_site(request.form.get("site", ""))
    code, secret = request.form.get("code", ""), request.form.get("secret", "")
    if site is None or not WIDGET_SECRET.fullmatch(code):
        return jsonify(error="Give the site key and the hand-off code."), 400
    handed = redeem_handoff(code, secret, site, request.headers.get("Origin", ""),
                            current_app.config["PARLEY_READER_SESSION_DAYS"])
    if handed is None:
        return jsonify(error="This sign-in didn't start on this page, or it was already used."), 403
    return jsonify(login_result(handed.token, handed.origin, handed.reader))


@bp.route("/logout", methods=["POST", "OPTIONS"])
def logout():
    """Revoke the Bearer token (204), whichever page sends it: holding it is the right to end it."""
    g.site = find_site(request.args.get("site", ""))
    if request.method == "POST":
        revoke_token(request.headers.get("Authorization"))
    return "", 204
