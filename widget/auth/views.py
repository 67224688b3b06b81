"""Sign-in, in a popup on Parley's own origin, so no third-party cookie is ever needed.

login checks the site and the host page's origin, then sends the popup to the
provider; callback finishes the OAuth flow, creates the reader's token and
renders a page that posts it to the host page (window.opener) with exactly the
registered origin as target. When a provider's Cross-Origin-Opener-Policy has
cut the popup off from its opener, the widget collects the sign-in from
/auth/handoff with a secret only it knows. Every failure is a page in plain
words with a close button; the details go to the log.
"""
import re
import time

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import current_app, jsonify, make_response, redirect, render_template, request, session
from joserfc.errors import JoseError

from ..cors import grant_cors
from ..providers import fetch_profile, providers_for_site
from ..readers import save_reader
from ..sites import find_site
from ..tokens import find_handoff, issue_token, leave_handoff, revoke_token, take_handoff
from ..urls import external_url
from . import bp

LOGIN_KEY = "parley_login_"
# A reader who hasn't come back from the provider after this many seconds starts again.
LOGIN_TIMEOUT = 600
SECRET_HASH = re.compile(r"[0-9a-f]{64}")
POPUP_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src https:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@bp.after_request
def popup_headers(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The callback's URL holds the provider's code: it must not leak onwards.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Content-Security-Policy", POPUP_CSP)
    return response


def popup_page(status, title, message):
    return make_response(render_template("auth/error.html", title=title, message=message), status)


def failed(status, message, detail=None, title="Sign-in failed"):
    """The popup's answer to a sign-in that can't go on; `detail` is for the log only."""
    if detail:
        current_app.logger.warning("sign-in failed: %s", detail)
    return popup_page(status, title, message)


def provider_or_none(name):
    return current_app.config["PARLEY_PROVIDERS"].get(name)


def oauth_client(provider):
    return current_app.extensions["authlib.integrations.flask_client"].create_client(provider.name)


def forget_stale_logins():
    """Drop abandoned sign-ins from the session, so the cookie stays small."""
    cutoff = time.time() - LOGIN_TIMEOUT
    for key in [k for k, v in session.items() if k.startswith(LOGIN_KEY) and v.get("started", 0) < cutoff]:
        session.pop(key)


@bp.get("/<provider_name>/login")
def login(provider_name):
    provider = provider_or_none(provider_name)
    if provider is None:
        return failed(404, "This way of signing in isn't available.")
    site = find_site(request.args.get("site", ""))
    if site is None:
        return failed(404, "This comment section isn't registered with Parley.")
    origin = request.args.get("origin", "")
    if not site.allows_origin(origin):
        return failed(
            400, f"This sign-in didn't start from one of {site.name}'s pages, so Parley won't continue it.",
            detail=f"login for site {site.key} from unregistered origin {origin!r}",
        )
    if provider not in providers_for_site(site, current_app.config["PARLEY_PROVIDERS"]):
        return failed(400, f"{site.name} doesn't offer sign-in with {provider.label}.")
    handoff = request.args.get("handoff") or None
    if handoff is not None and not SECRET_HASH.fullmatch(handoff):
        return failed(400, "This sign-in link is malformed. Close this window and try again from the article.")

    client = oauth_client(provider)
    redirect_uri = external_url("auth.callback", provider_name=provider.name)
    try:
        authorization = client.create_authorization_url(redirect_uri)
    except (requests.RequestException, ValueError) as error:
        return failed(
            502, f"{provider.label} isn't answering right now. Please try again in a few minutes.",
            detail=f"{provider.name} discovery or authorization URL failed: {error!r}",
        )
    client.save_authorize_data(redirect_uri=redirect_uri, **authorization)
    forget_stale_logins()
    session[LOGIN_KEY + authorization["state"]] = {
        "site": site.key, "origin": origin, "handoff": handoff, "started": time.time(),
    }
    return redirect(authorization["url"])


@bp.get("/<provider_name>/callback")
def callback(provider_name):
    provider = provider_or_none(provider_name)
    if provider is None:
        return failed(404, "This way of signing in isn't available.")
    state = request.args.get("state", "")
    pending = session.pop(LOGIN_KEY + state, None) if state else None
    client = oauth_client(provider)

    error = request.args.get("error")
    if error:
        client.framework.clear_state_data(session, state)
        if error == "access_denied":
            return popup_page(200, "Sign-in cancelled", f"You didn't sign in with {provider.label}. "
                              "You can close this window; nothing was shared with the site.")
        return failed(400, f"{provider.label} didn't sign you in. Please try again.",
                      detail=f"{provider.name} answered error={error!r}: {request.args.get('error_description')!r}")
    stale = pending is None or time.time() - pending["started"] > LOGIN_TIMEOUT
    if stale:
        client.framework.clear_state_data(session, state)
        return failed(400, "This sign-in has expired or was already used. "
                      "Close this window and start again from the article.",
                      detail=f"{provider.name} callback with unknown, replayed or expired state")

    try:
        token = client.authorize_access_token()
        profile = fetch_profile(client, provider, token)
    except MismatchingStateError:
        return failed(400, "This sign-in has expired or was already used. "
                      "Close this window and start again from the article.",
                      detail=f"{provider.name} callback with mismatching state")
    except OAuthError as error:
        return failed(502, f"{provider.label} didn't complete the sign-in. Please try again.",
                      detail=f"{provider.name} token exchange refused: {error.error} {error.description}")
    except (requests.RequestException, JoseError, ValueError, KeyError, TypeError) as error:
        return failed(502, f"{provider.label} isn't answering properly right now. Please try again later.",
                      detail=f"{provider.name} token or profile request failed: {error!r}")
    if profile.email is None:
        return failed(403, f"Your {provider.label} account didn't share a verified email address, which "
                      "commenting needs (moderators may have to reach you; it is never shown). Allow Parley "
                      "to see your email address, or use another way to sign in.",
                      detail=f"{provider.name} account {profile.subject} has no verified email")
    site = find_site(pending["site"])
    if site is None:
        return failed(400, "This comment section is no longer registered with Parley.")

    reader = save_reader(provider.name, profile)
    reader_token = issue_token(reader, site, current_app.config["PARLEY_READER_SESSION_DAYS"])
    if pending["handoff"]:
        leave_handoff(pending["handoff"], reader, site, pending["origin"])
    result = login_result(reader_token, pending["origin"], reader)
    return render_template("auth/callback.html", result=result, reader=reader)


def login_result(token, origin, reader):
    """What the widget learns of a sign-in: the contract's parley:login message."""
    return {
        "type": "parley:login",
        "token": token,
        "origin": origin,
        "user": {"name": reader.name, "avatar": reader.avatar_url},
    }


@bp.post("/handoff")
def handoff():
    """200 and the sign-in for the holder of `secret`; 204 while there is none (yet)."""
    site = find_site(request.form.get("site", ""))
    secret = request.form.get("secret", "")
    if site is None or not 32 <= len(secret) <= 128:
        return grant_cors(jsonify(error="Give the site key and the hand-off secret."), site), 400
    found = find_handoff(secret)
    if found is None:
        return grant_cors(make_response("", 204), site)
    if found.site_id != site.id or found.origin != request.headers.get("Origin"):
        return grant_cors(jsonify(error="This sign-in belongs to another page."), site), 403
    origin, reader = found.origin, found.reader
    token = take_handoff(found, site, current_app.config["PARLEY_READER_SESSION_DAYS"])
    if token is None:
        return grant_cors(make_response("", 204), site)
    return grant_cors(jsonify(login_result(token, origin, reader)), site)


@bp.route("/logout", methods=["POST", "OPTIONS"])
def logout():
    """Revoke the Bearer token (204), whichever page sends it: holding it is the right to end it."""
    response = make_response("", 204)
    if request.method == "POST":
        revoke_token(request.headers.get("Authorization"))
    return grant_cors(response, find_site(request.args.get("site", "")))
