"""Dashboard sessions end when they should: at sign-out, a password change, an account's removal,
after idle minutes and after days however busy (issue 10, item 8). Time moves by editing the rows."""
from datetime import timedelta

import pytest
from support import MODERATOR_PASSWORD, add_moderator

from widget.extensions import db
from widget.models import ModeratorSession, utcnow
from widget.moderate.gate import SESSION_TOKEN
from widget.moderate.sessions import ABSOLUTE, IDLE
from widget.tokens import digest

EMAIL = "mod@news.example.org"
COOKIE = "parley_session"
NEW_PASSWORD = "a brand new secret"


@pytest.fixture
def moderator(app, site):
    return add_moderator(EMAIL, sites=[site])


def signed_in(open_dashboard, email=EMAIL):
    browser = open_dashboard()
    assert browser.log_in(email).status_code == 303
    return browser


def copy_of(app, browser):
    """Another browser holding `browser`'s cookie as it is now: stolen, or kept from before."""
    other = app.test_client()
    other.set_cookie(COOKIE, browser.get_cookie(COOKIE).value)
    return other


def opens_the_queue(browser, site):
    """True if `browser`'s session opens the pending queue; False if it is sent to sign in."""
    answer = browser.get(f"/moderate/queue/pending?site={site.key}")
    if answer.status_code == 303:
        assert "/moderate/login?next=" in answer.headers["Location"]
        return False
    assert answer.status_code == 200
    return True


def sessions():
    db.session.expire_all()
    return db.session.scalars(db.select(ModeratorSession).order_by(ModeratorSession.id)).all()


def move_back(session, **times):
    """Make `session` look older: its created or last_seen so long ago."""
    for column, ago in times.items():
        setattr(session, column, utcnow() - ago)
    db.session.commit()


def test_the_cookie_carries_only_a_token_the_database_knows_by_its_hash(open_dashboard, moderator):
    browser = signed_in(open_dashboard)
    with browser.session_transaction() as cookie:
        token = cookie[SESSION_TOKEN]
        assert "moderator_id" not in cookie
    [session] = sessions()
    assert session.token_hash == digest(token) and session.moderator_id == moderator.id


def test_signing_out_makes_every_copy_of_the_cookie_useless(app, open_dashboard, site, moderator):
    browser = signed_in(open_dashboard)
    kept = copy_of(app, browser)
    assert opens_the_queue(kept, site)
    assert browser.submit("/moderate/logout", {}).status_code == 303
    assert not opens_the_queue(kept, site)
    assert not opens_the_queue(browser, site)
    assert sessions() == []


def test_a_password_change_ends_every_other_session_and_this_browser_goes_on(app, open_dashboard, site, moderator):
    here, elsewhere = signed_in(open_dashboard), signed_in(open_dashboard)
    copied_before = copy_of(app, here)
    changed = here.submit("/moderate/password", {
        "current": MODERATOR_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 303
    assert opens_the_queue(here, site)
    assert not opens_the_queue(elsewhere, site)
    assert not opens_the_queue(copied_before, site)
    assert len(sessions()) == 1


def test_removing_an_account_ends_its_sessions(open_dashboard, site, moderator):
    admin = add_moderator("admin@parley.example", admin=True)
    theirs = signed_in(open_dashboard)
    as_admin = signed_in(open_dashboard, "admin@parley.example")
    removed = as_admin.submit(f"/moderate/moderators/{moderator.id}/remove")
    assert removed.status_code == 303
    assert [s.moderator_id for s in sessions()] == [admin.id]
    assert not opens_the_queue(theirs, site)


def test_a_session_lapses_after_30_idle_minutes(open_dashboard, site, moderator):
    browser = signed_in(open_dashboard)
    [session] = sessions()
    move_back(session, last_seen=IDLE - timedelta(minutes=1))
    assert opens_the_queue(browser, site)  # and counts as used now
    move_back(session, last_seen=IDLE - timedelta(minutes=1))
    assert opens_the_queue(browser, site)
    move_back(session, last_seen=IDLE + timedelta(seconds=1))
    assert not opens_the_queue(browser, site)
    assert sessions() == []


def test_a_session_lapses_7_days_after_its_sign_in_however_busy(open_dashboard, site, moderator):
    browser = signed_in(open_dashboard)
    [session] = sessions()
    move_back(session, created=ABSOLUTE - timedelta(minutes=1))
    assert opens_the_queue(browser, site)
    move_back(session, created=ABSOLUTE + timedelta(seconds=1))
    assert not opens_the_queue(browser, site)


def test_a_session_notes_its_use_at_most_once_a_minute(open_dashboard, site, moderator):
    browser = signed_in(open_dashboard)
    [session] = sessions()
    move_back(session, last_seen=timedelta(seconds=30))
    noted = session.last_seen
    assert opens_the_queue(browser, site)
    assert sessions()[0].last_seen == noted
    move_back(session, last_seen=timedelta(seconds=61))
    assert opens_the_queue(browser, site)
    assert utcnow() - sessions()[0].last_seen < timedelta(seconds=5)


def test_a_sign_in_clears_lapsed_sessions_left_behind(open_dashboard, moderator):
    signed_in(open_dashboard)
    [forgotten] = sessions()
    move_back(forgotten, last_seen=IDLE + timedelta(seconds=1))
    hash_of_forgotten = forgotten.token_hash
    signed_in(open_dashboard)
    assert [s.token_hash != hash_of_forgotten for s in sessions()] == [True]
