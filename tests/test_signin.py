"""Signing in: the popup flow against real OAuth servers on 127.0.0.1, and what a token can do.

The demo's OpenID Connect provider (oidc-provider-mock) runs the OIDC flow;
stand-ins answer as Facebook's and GitHub's servers do. Parley's Authlib
client is unchanged: only endpoint URLs point at localhost.
"""
import hashlib
import html
import json
import re
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from support import OTHER_ORIGIN, SECRET_KEY, SITE_ORIGIN

from widget.auth import views as auth_views
from widget.extensions import db
from widget.models import Comment, Reader, ReaderSession, utcnow
from widget.sites import create_site, set_policy, update_site
from widget.tokens import digest, revoke_reader_sessions

LOGIN_RESULT = re.compile(r'<script type="application/json" id="parley-login">(.*?)</script>', re.DOTALL)


@pytest.fixture
def site(signin_app):
    return set_policy(create_site("Central Asia News", [SITE_ORIGIN, "https://www.news.example.org"]),
                      {"min_submit_seconds": 0})


@pytest.fixture
def popup(signin_app):
    """The sign-in popup's browser: its cookie jar holds the OAuth state."""
    return signin_app.test_client()


@pytest.fixture
def page(signin_app):
    """The article page's requests: no cookies, the page's Origin, maybe a Bearer token."""
    return signin_app.test_client(use_cookies=False)


ARTICLE = f"{SITE_ORIGIN}/news/article-1?id=1"


def start(popup, provider, site, origin=SITE_ORIGIN, handoff=None, page=ARTICLE):
    params = {"site": site.key, "origin": origin}
    if handoff:
        params.update(handoff=handoff, page=page)
    return popup.get(f"/auth/{provider}/login", query_string=params)


def consent(authorize_url, provider, sub="aigerim"):
    """The reader at the provider: approve, and come back with the callback URL."""
    if provider == "demo":
        answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    else:
        answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def back_at_parley(popup, callback_url):
    parts = urlsplit(callback_url)
    return popup.get(f"{parts.path}?{parts.query}")


def sign_in(popup, provider, site, **options):
    """The whole popup flow; returns the callback page's answer and its parley:login result."""
    login = start(popup, provider, site, **options)
    assert login.status_code == 302, login.text
    page = back_at_parley(popup, consent(login.headers["Location"], provider))
    found = LOGIN_RESULT.search(page.text)
    return page, json.loads(found.group(1)) if found else None


def words(response):
    """The answer's text as a reader reads it (entities decoded)."""
    return html.unescape(response.text)


def bearer(token, origin=SITE_ORIGIN):
    return {"Authorization": f"Bearer {token}", "Origin": origin}


def post(page, site, token=None, thread="article-1", origin=SITE_ORIGIN, **fields):
    headers = bearer(token, origin) if token else {"Origin": origin}
    return page.post(f"/embed/{site.key}/comments", query_string={"thread": thread},
                     data={"body": "Signed thoughts", **fields}, headers=headers)


def test_openid_connect_flow_with_state_nonce_and_pkce(popup, page, site):
    login = start(popup, "demo", site)
    assert login.status_code == 302
    authorize = urlsplit(login.headers["Location"])
    query = {key: values[0] for key, values in parse_qs(authorize.query).items()}
    assert query["response_type"] == "code" and query["client_id"] == "parley-demo"
    assert query["redirect_uri"] == "http://localhost/auth/demo/callback"
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 20
    # The 0.3 provider doesn't verify PKCE, so check the request carries it.
    assert query["code_challenge_method"] == "S256" and re.fullmatch(r"[A-Za-z0-9_-]{43}", query["code_challenge"])

    answer = back_at_parley(popup, consent(login.headers["Location"], "demo"))
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    result = json.loads(LOGIN_RESULT.search(answer.text).group(1))
    assert result["type"] == "parley:login" and result["origin"] == SITE_ORIGIN
    assert result["user"] == {"name": "Aigerim (Demo ID)", "avatar": None}
    assert "/static/js/popup.js" in answer.text

    reader = db.session.execute(db.select(Reader)).scalar_one()
    assert (reader.provider, reader.subject, reader.email) == ("demo", "aigerim", "aigerim@demo-id.example")
    session = db.session.execute(db.select(ReaderSession)).scalar_one()
    assert session.token_hash == hashlib.sha256(result["token"].encode()).hexdigest()
    assert session.site_id == site.id and session.reader_id == reader.id
    assert timedelta(days=29) < session.expires - utcnow() <= timedelta(days=30)


def test_a_signed_in_reader_comments_under_their_name(popup, page, site):
    _, result = sign_in(popup, "demo", site)
    form = page.get(f"/embed/{site.key}/form?thread=article-1", headers=bearer(result["token"]))
    assert "Signed in as <strong>Aigerim (Demo ID)</strong>" in form.text
    assert 'name="name"' not in form.text and 'name="email"' not in form.text
    assert 'class="parley-logout"' in form.text and 'class="parley-login"' not in form.text
    assert "Authorization" in form.headers["Vary"]

    answer = post(page, site, result["token"], body="Signed thoughts on Astana")
    assert answer.status_code == 201, answer.text
    assert '<span class="parley-author">Aigerim (Demo ID)</span>' in answer.text
    comment = db.session.execute(db.select(Comment)).scalar_one()
    assert comment.reader.subject == "aigerim" and comment.author_email is None
    thread = page.get(f"/embed/{site.key}/thread?thread=article-1", headers={"Origin": SITE_ORIGIN})
    assert "Aigerim (Demo ID)" in thread.text


def test_a_guest_cant_pass_for_a_signed_in_reader_by_their_shown_name(popup, page, site):
    _, result = sign_in(popup, "demo", site)
    assert post(page, site, result["token"]).status_code == 201
    guest = {"email": "not-aigerim@example.org", "body": "Posing as her"}
    message = "Names ending in \u201c(Demo ID)\u201d are kept for readers signed in with that provider."
    for name in ("Aigerim (Demo ID)", "Aigerim (Dem0 ID)", "Aigerim (demo-id)"):
        answer = post(page, site, name=name, **guest)
        assert answer.status_code == 422, name
        assert 'data-field="name"' in answer.text and message in words(answer)
    assert post(page, site, name="Aigerim", **guest).status_code == 201
    authors = db.session.scalars(db.select(Comment).order_by(Comment.id)).all()
    assert [(c.reader is not None, c.author_name) for c in authors] == [(True, "Aigerim (Demo ID)"), (False, "Aigerim")]


def test_the_result_goes_to_the_origin_the_sign_in_started_from(popup, site):
    _, result = sign_in(popup, "demo", site, origin="https://www.news.example.org")
    assert result["origin"] == "https://www.news.example.org"


@pytest.mark.parametrize(
    "origin", [OTHER_ORIGIN, "", "null", "https://news.example.org.evil.example", "https://news.example.org/"]
)
def test_a_sign_in_from_a_foreign_origin_is_400_and_goes_nowhere(popup, site, origin):
    answer = start(popup, "demo", site, origin=origin)
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert 'class="parley-close"' in answer.text


def test_unknown_providers_and_sites_and_providers_the_site_doesnt_offer(popup, site):
    assert popup.get(f"/auth/nosuch/login?site={site.key}&origin={SITE_ORIGIN}").status_code == 404
    assert popup.get(f"/auth/demo/login?site=NoSuchSite123&origin={SITE_ORIGIN}").status_code == 404
    update_site(site, providers=["facebook"])
    answer = start(popup, "demo", site)
    assert answer.status_code == 400 and "Location" not in answer.headers
    assert start(popup, "demo", site, handoff="not-a-hash").status_code == 400


def test_forged_missing_and_replayed_state_are_refused(popup, signin_app, site):
    login = start(popup, "demo", site)
    callback = consent(login.headers["Location"], "demo")
    forged = re.sub(r"state=[^&]+", "state=" + secrets.token_urlsafe(20), callback)
    assert back_at_parley(popup, forged).status_code == 400
    assert back_at_parley(popup, re.sub(r"&?state=[^&]+", "", callback)).status_code == 400
    # someone else's browser, without the popup's cookie
    assert back_at_parley(signin_app.test_client(), callback).status_code == 400
    first = back_at_parley(popup, callback)
    assert first.status_code == 200
    replay = back_at_parley(popup, callback)
    assert replay.status_code == 400
    assert "expired or was already used" in replay.text and 'class="parley-close"' in replay.text
    assert db.session.scalar(db.select(db.func.count()).select_from(ReaderSession)) == 1


def test_a_sign_in_left_too_long_has_expired(popup, site, monkeypatch):
    login = start(popup, "demo", site)
    callback = consent(login.headers["Location"], "demo")
    later = auth_views.time.time() + auth_views.LOGIN_TIMEOUT + 1
    monkeypatch.setattr(auth_views.time, "time", lambda: later)
    answer = back_at_parley(popup, callback)
    assert answer.status_code == 400 and "expired" in answer.text


def test_consent_denied_says_so_plainly(popup, site):
    login = start(popup, "demo", site)
    denied = requests.post(login.headers["Location"], data={"action": "deny"}, allow_redirects=False, timeout=10)
    assert "error=access_denied" in denied.headers["Location"]
    answer = back_at_parley(popup, denied.headers["Location"])
    assert answer.status_code == 200
    assert "You didn't sign in with Demo ID" in words(answer) and 'class="parley-close"' in answer.text
    assert db.session.scalar(db.select(db.func.count()).select_from(Reader)) == 0


def test_a_provider_that_is_down_gets_a_plain_page(popup, site, caplog):
    answer = start(popup, "down", site)
    assert answer.status_code == 502
    assert "isn't answering right now" in words(answer) and "Location" not in answer.headers
    assert "discovery or authorization URL failed" in caplog.text


@pytest.mark.parametrize("failure, status, expected", [("500", 502, "isn't answering properly"),
                                                    ("invalid_grant", 502, "didn't complete the sign-in")])
def test_a_failing_token_endpoint_gets_a_plain_page(popup, site, provider_servers, caplog, failure, status, expected):
    provider_servers[1].token_failure = failure
    answer, result = sign_in(popup, "facebook", site)
    assert answer.status_code == status and expected in words(answer) and result is None
    assert "facebook" in caplog.text


def test_a_failing_profile_api_gets_a_plain_page(popup, site, provider_servers, caplog):
    provider_servers[1].api_failure = "500"
    answer, result = sign_in(popup, "github", site)
    assert answer.status_code == 502 and result is None
    assert "isn't answering properly" in words(answer)
    assert "github token or profile request failed" in caplog.text


@pytest.mark.parametrize(
    "emails", [{"email": "a@b.example"}, ["a@b.example"], [{"email": "x" * 250 + "@b.example", "primary": True,
                                                              "verified": True}]],
)
def test_odd_profile_answers_are_plain_pages_never_500(popup, site, provider_servers, emails):
    provider_servers[1].github_emails = emails
    answer, result = sign_in(popup, "github", site)
    assert answer.status_code == 403 and result is None


def test_odd_account_ids_are_a_provider_fault(popup, site, provider_servers):
    provider_servers[1].github_user["id"] = None
    answer, _ = sign_in(popup, "github", site)
    assert answer.status_code == 502


def test_a_callback_without_a_code_is_a_plain_page(popup, site):
    login = start(popup, "demo", site)
    state = parse_qs(urlsplit(login.headers["Location"]).query)["state"][0]
    answer = popup.get(f"/auth/demo/callback?state={state}")
    assert answer.status_code == 502 and 'class="parley-close"' in answer.text


def test_a_tampered_nonce_fails_the_id_token(popup, site):
    login = start(popup, "demo", site)
    state = parse_qs(urlsplit(login.headers["Location"]).query)["state"][0]
    with popup.session_transaction() as cookie:
        stored = cookie[f"_state_demo_{state}"]
        stored["data"]["nonce"] = "not-the-nonce-the-provider-signed"
        cookie[f"_state_demo_{state}"] = stored
    answer = back_at_parley(popup, consent(login.headers["Location"], "demo"))
    assert answer.status_code == 502 and LOGIN_RESULT.search(answer.text) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(ReaderSession)) == 0


def test_an_origin_removed_while_signing_in_gets_nothing(popup, site):
    login = start(popup, "demo", site, origin="https://www.news.example.org")
    update_site(site, origins=[SITE_ORIGIN])
    answer = back_at_parley(popup, consent(login.headers["Location"], "demo"))
    assert answer.status_code == 400 and LOGIN_RESULT.search(answer.text) is None


def test_abandoned_sign_ins_dont_grow_the_popup_cookie(popup, site):
    for _ in range(12):
        start(popup, "demo", site)
    with popup.session_transaction() as cookie:
        pending = [key for key in cookie if key.startswith("parley_login_")]
        states = [key for key in cookie if key.startswith("_state_")]
    assert len(pending) == auth_views.PENDING_LOGINS_KEPT and len(states) == len(pending)
    # and the newest still works
    login = start(popup, "demo", site)
    assert back_at_parley(popup, consent(login.headers["Location"], "demo")).status_code == 200


def test_the_popup_cookie_is_secure_behind_https(signin_app, site, monkeypatch):
    monkeypatch.setitem(signin_app.config, "SESSION_COOKIE_SECURE", True)
    answer = start(signin_app.test_client(), "demo", site)
    assert "Secure" in answer.headers["Set-Cookie"] and "SameSite=Lax" in answer.headers["Set-Cookie"]
    assert "HttpOnly" in answer.headers["Set-Cookie"]


def test_the_cookie_follows_the_public_url(provider_servers, database_url, migrated_app):
    from widget import create_app

    def cookie_is_secure(public_url):
        app = create_app({"PARLEY_SECRET_KEY": SECRET_KEY, "PARLEY_DATABASE_URL": database_url,
                          "PARLEY_PUBLIC_URL": public_url, **provider_servers[0]})
        return app.config["SESSION_COOKIE_SECURE"]

    assert cookie_is_secure("https://comments.example.org") is True
    assert cookie_is_secure("http://127.0.0.1:5000") is False


def test_a_new_name_shows_at_once_in_cached_threads(popup, page, site, provider_servers):
    _, result = sign_in(popup, "facebook", site)
    post(page, site, result["token"])
    first = page.get(f"/embed/{site.key}/thread?thread=article-1", headers={"Origin": SITE_ORIGIN})
    provider_servers[1].facebook_me["name"] = "Madi A."
    sign_in(popup, "facebook", site)
    again = page.get(f"/embed/{site.key}/thread?thread=article-1",
                     headers={"Origin": SITE_ORIGIN, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "Madi A." in again.text


def test_facebook_flow_through_the_graph_api(popup, page, site, provider_servers):
    answer, result = sign_in(popup, "facebook", site)
    assert answer.status_code == 200, answer.text
    provider, request = provider_servers[1].authorize_requests[-1]
    assert provider == "facebook" and set(request["scope"].split()) == {"public_profile", "email"}
    assert result["user"] == {"name": "Madi Asanov", "avatar": "https://platform-lookaside.fbsbx.example/madi.jpg"}
    reader = db.session.execute(db.select(Reader)).scalar_one()
    assert (reader.subject, reader.email) == ("10220001", "madi@facebook.example")
    post(page, site, result["token"])
    thread = page.get(f"/embed/{site.key}/thread?thread=article-1", headers={"Origin": SITE_ORIGIN}).text
    assert '<img class="parley-avatar" src="https://platform-lookaside.fbsbx.example/madi.jpg"' in thread
    assert 'referrerpolicy="no-referrer"' in thread


def test_github_flow_takes_the_primary_verified_email(popup, site):
    answer, result = sign_in(popup, "github", site)
    assert answer.status_code == 200, answer.text
    assert result["user"]["name"] == "octo-aset"
    reader = db.session.execute(db.select(Reader)).scalar_one()
    assert (reader.provider, reader.subject, reader.email) == ("github", "583231", "aset@github.example")


def test_an_account_without_a_verified_email_is_told_why(popup, site, provider_servers):
    provider_servers[1].github_emails = [{"email": "a@b.example", "primary": True, "verified": False}]
    answer, result = sign_in(popup, "github", site)
    assert answer.status_code == 403 and result is None
    assert "didn't share a verified email address" in words(answer)
    assert db.session.scalar(db.select(db.func.count()).select_from(ReaderSession)) == 0


def test_an_http_picture_is_never_shown(popup, page, site, provider_servers):
    provider_servers[1].facebook_me["picture"]["data"]["url"] = "http://insecure.example/madi.jpg"
    _, result = sign_in(popup, "facebook", site)
    assert result["user"]["avatar"] is None
    post(page, site, result["token"])
    thread = page.get(f"/embed/{site.key}/thread?thread=article-1", headers={"Origin": SITE_ORIGIN}).text
    assert "insecure.example" not in thread and ">MA</span>" in thread


def test_signing_in_again_updates_the_reader(popup, site, provider_servers):
    sign_in(popup, "facebook", site)
    provider_servers[1].facebook_me["name"] = "Madi A."
    sign_in(popup, "facebook", site)
    assert [r.name for r in db.session.scalars(db.select(Reader))] == ["Madi A."]


def test_a_token_of_one_site_is_refused_on_another(popup, page, site):
    other = create_site("Another Paper", [OTHER_ORIGIN])
    _, result = sign_in(popup, "demo", site)
    refused = post(page, other, result["token"], origin=OTHER_ORIGIN, body="Crossing over")
    assert refused.status_code == 401
    assert refused.headers["X-Parley-Token"] == "invalid"
    assert 'class="parley-notice" data-kind="signin"' in refused.text
    assert "Crossing over</textarea>" in refused.text
    thread = page.get(f"/embed/{other.key}/thread?thread=a", headers=bearer(result["token"], OTHER_ORIGIN))
    assert thread.status_code == 200 and thread.headers["X-Parley-Token"] == "invalid"
    assert thread.headers["Cache-Control"].startswith("private")
    assert "X-Parley-Token" in thread.headers["Access-Control-Expose-Headers"]


def test_logout_revokes_the_token(page, popup, site):
    _, result = sign_in(popup, "demo", site)
    preflight = page.options(f"/auth/logout?site={site.key}", headers={
        "Origin": SITE_ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"})
    assert preflight.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    answer = page.post(f"/auth/logout?site={site.key}", headers=bearer(result["token"]))
    assert answer.status_code == 204 and answer.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert post(page, site, result["token"]).status_code == 401
    assert page.post(f"/auth/logout?site={site.key}", headers=bearer(result["token"])).status_code == 204


def test_expired_tokens_are_refused_and_used_ones_slide(page, popup, site):
    _, result = sign_in(popup, "demo", site)
    session = db.session.execute(db.select(ReaderSession)).scalar_one()
    session.last_used = utcnow() - timedelta(hours=2)
    session.expires = utcnow() + timedelta(days=1)
    db.session.commit()
    assert post(page, site, result["token"]).status_code == 201
    db.session.refresh(session)
    assert session.expires - utcnow() > timedelta(days=29)
    session.expires = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert post(page, site, result["token"]).status_code == 401


def test_a_ban_revokes_every_session_of_the_reader_on_that_site_only(page, popup, site):
    from widget.sites import create_site
    from widget.tokens import authenticate, issue_token

    _, first = sign_in(popup, "demo", site)
    _, second = sign_in(popup, "demo", site)
    reader = db.session.execute(db.select(Reader)).scalar_one()
    other = create_site("Other Paper", ["https://other.example"])
    elsewhere, _ = issue_token(reader, other, 30)
    revoke_reader_sessions(reader, site)
    db.session.commit()
    for result in (first, second):
        assert post(page, site, result["token"]).status_code == 401
    assert authenticate(f"Bearer {elsewhere}", other, 30).reader.id == reader.id


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic abc", "Bearer " + "x" * 300, "bearer nope"])
def test_malformed_authorization_headers_are_invalid_tokens(page, site, header):
    answer = page.post(f"/embed/{site.key}/comments?thread=a", data={"body": "hi there"},
                       headers={"Origin": SITE_ORIGIN, "Authorization": header})
    assert answer.status_code == 401 and answer.headers["X-Parley-Token"] == "invalid"


CONFIRM = re.compile(r'<form class="parley-handoff" method="post" action="([^"]+)" hidden>.*?name="confirm" value="([^"]+)"', re.DOTALL)
HANDOFF_LOCATION = re.compile(r"(.*)#parley-signin=([A-Za-z0-9_-]{43})")


def confirmed_handoff(popup, site, secret, page=ARTICLE):
    """Sign in in a popup that lost its page and press "Finish signing in": (the code, the callback's result)."""
    answer, result = sign_in(popup, "demo", site, handoff=digest(secret), page=page)
    action, confirm = CONFIRM.search(answer.text).groups()
    confirmed = popup.post(action, data={"confirm": confirm})
    assert confirmed.status_code == 303
    landing, code = HANDOFF_LOCATION.fullmatch(confirmed.headers["Location"]).groups()
    assert landing == page.partition("#")[0]
    return code, result


def redeem(page, site, code, secret, origin=SITE_ORIGIN):
    """What the widget on the article's page sends with the code it found in its URL."""
    return page.post("/auth/handoff", data={"site": site.key, "code": code, "secret": secret}, headers={"Origin": origin})


def live_sessions():
    return db.session.scalar(db.select(db.func.count()).select_from(ReaderSession)
                             .where(ReaderSession.revoked.is_(None)))


def test_a_confirmed_handoff_finishes_on_the_articles_own_page_once(page, popup, site):
    secret = secrets.token_urlsafe(32)
    answer, result = sign_in(popup, "demo", site, handoff=digest(secret))
    action, confirm = CONFIRM.search(answer.text).groups()
    assert f"signing in to the comments on <strong>{SITE_ORIGIN}</strong>" in answer.text
    # The confirmation may lead to the article's page, and to no other site.
    assert f"form-action 'self' {SITE_ORIGIN};" in answer.headers["Content-Security-Policy"]
    assert popup.post(action, data={"confirm": "forged"}).status_code == 400

    before = live_sessions()
    code, result = confirmed_handoff(popup, site, secret, page=ARTICLE + "#parley-c4")
    assert live_sessions() == before  # the token on the callback page never reached the article
    wrong_secret = redeem(page, site, code, secrets.token_urlsafe(32))
    assert wrong_secret.status_code == 403 and "didn't start on this page" in wrong_secret.get_json()["error"]
    # any attempt burns the code: the right secret can't follow a wrong guess
    assert redeem(page, site, code, secret).status_code == 403

    secret = secrets.token_urlsafe(32)
    code, _ = confirmed_handoff(popup, site, secret)
    elsewhere = redeem(page, site, code, secret, origin=OTHER_ORIGIN)
    assert elsewhere.status_code == 403 and "Access-Control-Allow-Origin" not in elsewhere.headers
    assert redeem(page, site, code, secret).status_code == 403

    secret = secrets.token_urlsafe(32)
    code, result = confirmed_handoff(popup, site, secret)
    redeemed = redeem(page, site, code, secret)
    assert redeemed.status_code == 200 and redeemed.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    handed = redeemed.get_json()
    assert handed["type"] == "parley:login" and handed["origin"] == SITE_ORIGIN
    assert handed["user"]["name"] == "Aigerim (Demo ID)"
    assert post(page, site, handed["token"]).status_code == 201
    assert post(page, site, result["token"]).status_code == 401
    assert redeem(page, site, code, secret).status_code == 403
    assert redeem(page, site, "short", secret).status_code == 400


def test_a_hostile_opener_with_its_own_secret_gets_nothing_whatever_the_reader_clicks(page, popup, signin_app, site):
    # A page elsewhere opens the popup in the reader's browser, naming the site's real origin and
    # page, with a secret of its own; the reader signs in and even presses "Finish signing in".
    attacker_secret = secrets.token_urlsafe(32)
    answer, _ = sign_in(popup, "demo", site, handoff=digest(attacker_secret))
    action, confirm = CONFIRM.search(answer.text).groups()
    # The attacker can't press it for them: the confirmation needs the popup's own session...
    assert signin_app.test_client().post(action, data={"confirm": confirm}).status_code == 400
    confirmed = popup.post(action, data={"confirm": confirm})
    # ...and pressing it sends the popup to the site's own page, where the code stays.
    assert confirmed.status_code == 303 and confirmed.headers["Location"].startswith(ARTICLE + "#parley-signin=")
    # The attacker's server, claiming the site's Origin, has its secret but not the code.
    for fields in ({"secret": attacker_secret}, {"code": secrets.token_urlsafe(32), "secret": attacker_secret}):
        stolen = page.post("/auth/handoff", data={"site": site.key, **fields}, headers={"Origin": SITE_ORIGIN})
        assert stolen.status_code in (400, 403) and "token" not in stolen.get_json()
    # The site's widget holds another secret (or none), so it doesn't finish a sign-in it didn't start.
    code = HANDOFF_LOCATION.fullmatch(confirmed.headers["Location"]).group(2)
    assert redeem(page, site, code, secrets.token_urlsafe(32)).status_code == 403
    assert live_sessions() == 0


def test_the_page_to_finish_on_must_be_on_the_sign_ins_origin(popup, site):
    secret = digest(secrets.token_urlsafe(32))
    for page in (f"{OTHER_ORIGIN}/news/1", "javascript:alert(1)", f"{SITE_ORIGIN}.evil.example/", "not a url",
                 f"https://www.news.example.org/news/1", SITE_ORIGIN + "/" + "x" * 2000):
        answer = start(popup, "demo", site, handoff=secret, page=page)
        assert answer.status_code == 400 and "didn't start from one of" in words(answer), page
    # A widget that names no page (an older embed.js) signs in without the hand-off.
    answer, result = sign_in(popup, "demo", site, handoff=secret, page=None)
    assert result["token"] and CONFIRM.search(answer.text) is None
    assert "form-action 'self';" in answer.headers["Content-Security-Policy"]


def test_a_popup_still_in_touch_with_its_page_offers_no_handoff(popup, site):
    answer, _ = sign_in(popup, "demo", site)
    assert CONFIRM.search(answer.text) is None


def test_guests_may_be_denied(page, popup, site):
    set_policy(site, {"guests": "deny", "min_submit_seconds": 0})
    form = page.get(f"/embed/{site.key}/form?thread=a", headers={"Origin": SITE_ORIGIN}).text
    assert "Sign in to comment." in form and 'name="email"' not in form and 'class="parley-login"' in form
    refused = post(page, site, body="Let me in", name="Guest", email="g@example.org")
    assert refused.status_code == 401
    assert 'class="parley-notice" data-kind="signin"' in refused.text
    assert "Let me in</textarea>" in refused.text and 'class="parley-login"' in refused.text
    _, result = sign_in(popup, "demo", site)
    assert post(page, site, result["token"]).status_code == 201


def test_guests_allowed_see_the_form_and_the_buttons_side_by_side(page, site):
    form = page.get(f"/embed/{site.key}/form?thread=a", headers={"Origin": SITE_ORIGIN}).text
    assert 'class="parley-login"' in form and 'name="email"' in form and "or comment as a guest" in form


def test_buttons_follow_the_sites_choice_and_order(page, site):
    def buttons():
        form = page.get(f"/embed/{site.key}/form?thread=a", headers={"Origin": SITE_ORIGIN}).text
        return re.findall(r'<a class="parley-login" data-provider="(\w+)" href="[^"]+">Connect via ([^<]+)</a>', form)

    assert buttons() == [("demo", "Demo ID"), ("down", "Down"), ("facebook", "Facebook"), ("github", "GitHub")]
    update_site(site, providers=["github", "twitter", "demo"])
    assert buttons() == [("github", "GitHub"), ("demo", "Demo ID")]
    update_site(site, providers=[])
    assert buttons() == []


def test_login_links_are_absolute_and_name_the_site(page, site):
    form = page.get(f"/embed/{site.key}/form?thread=a", headers={"Origin": SITE_ORIGIN}).text
    assert f'href="http://localhost/auth/demo/login?site={site.key}"' in form
