"""The dashboard: accounts, login, queues, decisions and the audit log (the first part of issue 5)."""
import html
import re

import pytest
from flask import url_for
from support import MODERATOR_PASSWORD, SITE_ORIGIN, add_moderator, csrf_of, queue_page

from widget.moderate import accounts
from widget.extensions import db
from widget.models import AuditEntry, Comment
from widget.sites import create_site

def act(client, site, comment, action, status="pending"):
    token = csrf_of(queue_page(client, site, status).text)
    return client.post(f"/moderate/comments/{comment.id}/{action}",
                       data={"csrf_token": token, "back": f"/moderate/queue/{status}?site={site.key}"})


def test_login_with_a_generic_error_then_into_the_dashboard(dashboard, site):
    add_moderator(sites=[site])
    page = dashboard.get("/moderate/login")
    assert page.status_code == 200 and "default-src 'none'" in page.headers["Content-Security-Policy"]
    # no inline script and no inline event handlers: the CSP could run neither
    assert not re.search(r"<script(?![^>]*\ssrc=)", page.text) and not re.search(r"<[^>]+\son\w+=", page.text)
    wrong = dashboard.log_in(password="not the password")
    unknown = dashboard.log_in(email="nobody@news.example.org")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.text and "Wrong email or password." in unknown.text
    ok = dashboard.log_in()
    assert ok.status_code == 303 and ok.headers["Location"].endswith("/moderate/")
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert dashboard.get("/moderate/").status_code == 303


def test_every_login_runs_one_password_check_whether_the_email_has_an_account_or_not(
        dashboard, site, monkeypatch):
    """So a wrong email takes as long to refuse as a wrong password: timing tells no one who has an account."""
    admin = add_moderator(email="admin@news.example.org", admin=True)
    accounts.remove_moderator(add_moderator(email="gone@news.example.org", sites=[site]), by=admin)
    moderator = add_moderator(sites=[site])
    # The dummy costs what a real hash costs: the same method and parameters.
    assert accounts.DUMMY_HASH.split("$")[0] == moderator.password_hash.split("$")[0] == "scrypt:32768:8:1"
    checked = []
    check = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash",
                        lambda stored, password: checked.append(stored) or check(stored, password))
    for email, password, status, against in [
        ("nobody@news.example.org", MODERATOR_PASSWORD, 401, accounts.DUMMY_HASH),
        ("gone@news.example.org", MODERATOR_PASSWORD, 401, accounts.DUMMY_HASH),
        ("mod@news.example.org", "not the password", 401, moderator.password_hash),
        ("mod@news.example.org", MODERATOR_PASSWORD, 303, moderator.password_hash),
    ]:
        checked.clear()
        assert dashboard.log_in(email, password).status_code == status
        assert checked == [against], email


def test_a_login_without_its_csrf_token_is_400(dashboard, site):
    add_moderator(sites=[site])
    answer = dashboard.post("/moderate/login", data={"email": "mod@news.example.org", "password": MODERATOR_PASSWORD})
    assert answer.status_code == 400


def test_login_guessing_is_limited(dashboard, app, site, monkeypatch):
    add_moderator(sites=[site])
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_MODERATOR_LOGIN", "3 per minute")
    for _ in range(3):
        assert dashboard.log_in(password="guess").status_code == 401
    limited = dashboard.log_in()
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_the_pending_queue_shows_held_comments_with_their_reasons(dashboard, site, write):
    add_moderator(sites=[site])
    dashboard.log_in()
    held = write(body="Wait for me", status="pending")
    held.reasons = [{"code": "links", "message": "…", "detail": "3 links"}]
    db.session.commit()
    write(body="Already out")
    page = queue_page(dashboard, site)
    assert f'data-comment-id="{held.id}"' in page.text and "Already out" not in page.text
    assert "3 links" in page.text and "guest@example.org" in page.text
    assert 'aria-current="page">Pending <span class="count">1</span>' in page.text


def test_approving_publishes_at_once_and_is_audited(dashboard, client, site, write):
    moderator = add_moderator(sites=[site])
    dashboard.log_in()
    held = write(body="Approve me", status="pending")
    answer = act(dashboard, site, held, "approve")
    assert answer.status_code == 303 and "/moderate/queue/pending" in answer.headers["Location"]
    thread = client.get(f"/embed/{site.key}/thread?thread=article-1", headers={"Origin": SITE_ORIGIN}).text
    assert "Approve me" in thread and 'data-count="1"' in thread
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert (entry.moderator_id, entry.action, entry.status_before, entry.status_after) == (
        moderator.id, "approve", "pending", "published")
    assert "approve" in dashboard.get(f"/moderate/audit?site={site.key}").text


def test_rejecting_and_deleting_take_comments_out_of_the_thread(dashboard, client, site, write):
    add_moderator(sites=[site])
    dashboard.log_in()
    parent = write(body="Has a reply")
    write(body="The reply", parent=parent)
    other = write(body="Reject me")
    act(dashboard, site, other, "reject", status="published")
    act(dashboard, site, parent, "delete", status="published")
    thread = client.get(f"/embed/{site.key}/thread?thread=article-1", headers={"Origin": SITE_ORIGIN}).text
    assert "Reject me" not in thread and "Has a reply" not in thread
    assert "This comment was deleted." in thread and "The reply" in thread and 'data-count="1"' in thread
    db.session.refresh(parent)
    assert parent.body_source == "" and parent.status == "deleted"


def shown_comments(fragment):
    """{comment id: its data-status} of every comment the fragment shows, and its data-count."""
    shown = {int(i): status for i, status in re.findall(r'data-comment-id="(\d+)" data-status="(\w+)"', fragment)}
    return shown, int(re.search(r'data-count="(\d+)"', fragment).group(1))


def assert_counts_match_the_thread(reader, dashboard, thread, expected):
    """The fragment's count, /counts and the dashboard's thread page all say `expected`, which is
    exactly the number of published comments the thread shows."""
    fragment = reader.thread().text
    shown, count = shown_comments(fragment)
    assert count == expected == list(shown.values()).count("published")
    assert reader.counts("article-1").json == {"article-1": expected}
    assert f"{expected} published" in dashboard.get(f"/moderate/threads/{thread.id}").text
    return fragment, shown


def test_a_rejected_comment_with_replies_leaves_a_placeholder_and_counts_follow_what_is_shown(
        dashboard, reader, site):
    add_moderator(sites=[site])
    dashboard.log_in()
    for body, parent in (("Alpha says first", None), ("Bravo answers", "Alpha says first"),
                         ("Charlie answers Bravo", "Bravo answers")):
        parent_id = db.session.execute(db.select(Comment.id).filter_by(body_source=parent)).scalar() if parent else ""
        assert reader.post(body=body, name=body.split()[0], parent=str(parent_id or "")).status_code == 201
    a, b, c = db.session.scalars(db.select(Comment).order_by(Comment.id)).all()
    assert (a.depth, b.depth, c.depth) == (0, 1, 2)

    act(dashboard, site, a, "reject", status="published")
    fragment, shown = assert_counts_match_the_thread(reader, dashboard, a.thread, 2)
    assert shown == {a.id: "deleted", b.id: "published", c.id: "published"}
    assert fragment.count("Comment removed by a moderator.") == 1
    assert "Alpha says first" not in fragment and ">Alpha<" not in fragment
    assert "Bravo answers" in fragment and "Charlie answers Bravo" in fragment

    act(dashboard, site, a, "approve", status="rejected")
    fragment, shown = assert_counts_match_the_thread(reader, dashboard, a.thread, 3)
    assert "Alpha says first" in fragment and "removed by a moderator" not in fragment

    act(dashboard, site, b, "reject", status="published")  # a reply holding a reply of its own
    fragment, shown = assert_counts_match_the_thread(reader, dashboard, a.thread, 2)
    assert shown == {a.id: "published", b.id: "deleted", c.id: "published"} and "Bravo answers" not in fragment

    act(dashboard, site, b, "delete", status="rejected")
    fragment, shown = assert_counts_match_the_thread(reader, dashboard, a.thread, 2)
    assert shown == {a.id: "published", b.id: "deleted", c.id: "published"}
    assert "This comment was deleted." in fragment

    act(dashboard, site, c, "reject", status="published")  # its parent deleted: both leave the thread
    fragment, shown = assert_counts_match_the_thread(reader, dashboard, a.thread, 1)
    assert shown == {a.id: "published"}


@pytest.mark.parametrize("first", ["root", "reply"])
def test_placeholders_nest_and_leave_with_their_last_published_reply(
        dashboard, reader, site, write, first):
    add_moderator(sites=[site])
    dashboard.log_in()
    a = write(body="Root")
    b = write(body="Middle", parent=a)
    c = write(body="Leaf", parent=b)
    for comment in (a, b) if first == "root" else (b, a):
        act(dashboard, site, comment, "reject", status="published")
    fragment, shown = assert_counts_match_the_thread(reader, dashboard, a.thread, 1)
    assert shown == {a.id: "deleted", b.id: "deleted", c.id: "published"}
    assert fragment.count("Comment removed by a moderator.") == 2 and "Leaf" in fragment
    assert f'id="parley-c{c.id}"' in reader.thread(around=str(c.id)).text
    act(dashboard, site, c, "reject", status="published")
    fragment, shown = assert_counts_match_the_thread(reader, dashboard, a.thread, 0)
    assert shown == {} and "No comments yet" in fragment
    act(dashboard, site, c, "approve", status="rejected")
    assert_counts_match_the_thread(reader, dashboard, a.thread, 1)


def test_the_second_decision_on_a_comment_is_told_it_was_already_decided(dashboard, site, write):
    add_moderator(sites=[site])
    dashboard.log_in()
    held = write(body="Decide me once", status="pending")
    token = csrf_of(queue_page(dashboard, site).text)
    first = dashboard.post(f"/moderate/comments/{held.id}/approve", data={"csrf_token": token})
    second = dashboard.post(f"/moderate/comments/{held.id}/approve", data={"csrf_token": token},
                            follow_redirects=True)
    assert first.status_code == 303 and "already decided" in second.text
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 1
    assert db.session.get(Comment, held.id).thread.comment_count == 1


def test_a_decision_without_its_csrf_token_is_400(dashboard, site, write):
    add_moderator(sites=[site])
    dashboard.log_in()
    held = write(status="pending")
    assert dashboard.post(f"/moderate/comments/{held.id}/approve").status_code == 400
    assert db.session.get(Comment, held.id).status == "pending"


def test_a_moderator_of_site_a_gets_404_for_everything_of_site_b(dashboard, site, write):
    other = create_site("Other Paper", ["https://other.example"])
    add_moderator(sites=[other])
    dashboard.log_in()
    held = write(status="pending")
    assert queue_page(dashboard, site).status_code == 404
    assert dashboard.get(f"/moderate/audit?site={site.key}").status_code == 404
    token = csrf_of(queue_page(dashboard, other).text)
    assert dashboard.post(f"/moderate/comments/{held.id}/approve", data={"csrf_token": token}).status_code == 404
    assert db.session.get(Comment, held.id).status == "pending"


def test_an_admin_moderates_every_site(dashboard, site, write):
    add_moderator(admin=True)
    dashboard.log_in()
    assert queue_page(dashboard, site).status_code == 200


def test_pages_need_a_session(dashboard, site):
    assert queue_page(dashboard, site).status_code == 303
    add_moderator(sites=[site])
    dashboard.log_in()
    assert queue_page(dashboard, site).status_code == 200


def test_every_dashboard_route_but_signing_in_and_out_sends_a_stranger_to_sign_in(app, dashboard):
    """The blueprint's gate keeps every page closed, a route added later too; not each view by hand."""
    token = dashboard.csrf("/moderate/login")
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("moderate.")]
    assert len(rules) > 15
    for rule in rules:
        with app.test_request_context():
            url = url_for(rule.endpoint, **dict.fromkeys(rule.arguments, 1))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            answer = dashboard.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
            if rule.endpoint in ("moderate.login", "moderate.logout"):
                assert answer.status_code in (200, 303) and "next=" not in answer.headers.get("Location", ""), url
            else:
                assert answer.status_code == 303, (method, url)
                assert answer.headers["Location"].startswith("/moderate/login?next=/moderate/"), (method, url)


def test_login_never_redirects_off_the_dashboard(dashboard, site):
    add_moderator(sites=[site])
    token = csrf_of(dashboard.get("/moderate/login").text)
    answer = dashboard.post("/moderate/login?next=//evil.example/x",
                            data={"email": "mod@news.example.org", "password": MODERATOR_PASSWORD, "csrf_token": token})
    assert answer.headers["Location"].endswith("/moderate/")


def post_action(client, site, url, **fields):
    token = csrf_of(queue_page(client, site, "published").text)
    return client.post(url, data={"csrf_token": token, **fields})


def test_banning_a_guest_by_email_and_ip_keeps_them_out(dashboard, reader, site, write):
    add_moderator(sites=[site])
    dashboard.log_in()
    troll = write(body="Troll words")
    answer = post_action(dashboard, site, f"/moderate/comments/{troll.id}/ban", duration="7d", scope="both")
    assert answer.status_code == 303
    assert reader.post(email="guest@example.org", body="I'm back").status_code == 403
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="ban")).scalar_one()
    assert "email guest@example.org and IP 203.0.113.9 for 7d" in entry.note


def test_an_ipv6_ban_covers_the_64_that_limits_count_as_one_client(dashboard, reader, site, write):
    add_moderator(sites=[site])
    dashboard.log_in()
    troll = write(body="Troll words")
    troll.ip = "2001:db8:5:5::1"
    db.session.commit()
    assert "an IPv6 ban covers its /64" in queue_page(dashboard, site, "published").text
    post_action(dashboard, site, f"/moderate/comments/{troll.id}/ban", duration="7d", scope="ip")
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="ban")).scalar_one()
    assert "IP 2001:db8:5:5::1's network 2001:db8:5:5::/64 for 7d" in entry.note
    reader.client.environ_base["REMOTE_ADDR"] = "2001:db8:5:5::2"
    refused = reader.post(email="someone.else@example.org", body="Same network, new address")
    assert refused.status_code == 403 and "can&#39;t comment on Central Asia News until" in refused.text
    reader.client.environ_base["REMOTE_ADDR"] = "2001:db8:5:6::1"
    assert reader.post(email="someone.else@example.org", body="Another network").status_code == 201


def test_banning_a_reader_signs_them_out(dashboard, client, site, signed_in_comment):
    add_moderator(sites=[site])
    dashboard.log_in()
    comment, token = signed_in_comment
    post_action(dashboard, site, f"/moderate/comments/{comment.id}/ban", duration="permanent", scope="author")
    answer = client.post(f"/embed/{site.key}/comments?thread=article-1", data={"body": "again"},
                         headers={"Origin": SITE_ORIGIN, "Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


@pytest.fixture
def signed_in_comment(site, write):
    """A signed-in reader's comment, and the token their browser holds on the site."""
    from widget.models import Reader
    from widget.tokens import issue_token

    reader = Reader(provider="demo", subject="s1", name="Troll", email="t@demo.example")
    db.session.add(reader)
    db.session.commit()
    token, _ = issue_token(reader, site, 30)
    comment = write(body="Trolling")
    comment.reader_id = reader.id
    db.session.commit()
    return comment, token


def stored_state():
    """Everything a moderator's action may write, as committed: the request's session is rolled
    back first, as its end would (Flask-SQLAlchemy removes the session)."""
    from widget.models import Ban, ReaderSession, Site, Thread, TrustedReader

    db.session.rollback()

    def count(model, *where):
        return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))
    return {
        "bans": count(Ban), "trusted": count(TrustedReader), "comments": count(Comment), "sites": count(Site),
        "audit entries": count(AuditEntry), "pinned": count(Comment, Comment.pinned),
        "revoked sessions": count(ReaderSession, ReaderSession.revoked.is_not(None)),
        "threads": db.session.execute(
            db.select(Thread.version, Thread.closed, Thread.title, Thread.comment_count)).all(),
    }


def test_a_ban_stores_its_bans_sign_outs_and_audit_entry_together(dashboard, site,
                                                                   signed_in_comment):
    from widget.models import Ban, ReaderSession

    add_moderator(sites=[site])
    dashboard.log_in()
    comment, _ = signed_in_comment
    post_action(dashboard, site, f"/moderate/comments/{comment.id}/ban", duration="7d", scope="both")
    stored_state()
    assert {(ban.kind, ban.value) for ban in db.session.scalars(db.select(Ban))} == {
        ("reader", str(comment.reader_id)), ("ip", "203.0.113.9")}
    assert db.session.execute(db.select(ReaderSession.revoked)).scalar_one() is not None
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert (entry.action, entry.comment_id) == ("ban", comment.id)


ACTIONS_AUDITED = {
    # action: (its URL, its form's fields, the module whose audit helper it calls)
    "ban": ("/moderate/comments/{comment}/ban", {"duration": "permanent", "scope": "both"}, "widget.moderation"),
    "trust": ("/moderate/comments/{comment}/trust", {}, "widget.moderation"),
    "reply": ("/moderate/comments/{comment}/reply", {"body": "Thanks, fixed."}, "widget.moderation"),
    "pin": ("/moderate/comments/{comment}/pin", {}, "widget.moderation"),
    "close": ("/moderate/threads/{thread}/close", {}, "widget.moderation"),
    "edit-thread": ("/moderate/threads/{thread}", {"title": "Corrected", "url": ""}, "widget.moderation"),
    "site": ("/moderate/sites", {"name": "Evening Post", "origins": "https://evening.example"},
             "widget.moderate.admin"),
}


@pytest.mark.parametrize("action", ACTIONS_AUDITED)
def test_an_action_whose_audit_entry_fails_stores_nothing(dashboard, site, signed_in_comment,
                                                          monkeypatch, action):
    add_moderator(admin=True)
    dashboard.log_in()
    comment, _ = signed_in_comment
    url, fields, helpers = ACTIONS_AUDITED[action]
    url = url.format(comment=comment.id, thread=comment.thread_id)
    fields = {**fields, "csrf_token": csrf_of(queue_page(dashboard, site).text)}
    before = stored_state()

    def fail(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")
    with monkeypatch.context() as patched:
        patched.setattr(f"{helpers}.audit", fail)
        with pytest.raises(RuntimeError):
            dashboard.post(url, data=fields)
    assert stored_state() == before
    assert dashboard.post(url, data=fields).status_code == 303
    after = stored_state()
    assert after != before and after["audit entries"] == 1


def test_a_ban_by_ip_after_the_ip_is_erased_is_explained(dashboard, site, write):
    add_moderator(sites=[site])
    dashboard.log_in()
    comment = write()
    comment.ip = None
    db.session.commit()
    answer = post_action(dashboard, site, f"/moderate/comments/{comment.id}/ban", duration="1d", scope="ip")
    assert "no longer kept" in dashboard.get(answer.headers["Location"], follow_redirects=True).text
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 0


def test_trusting_a_reader_lets_their_comments_skip_holds_and_guests_cant_be_trusted(
        dashboard, client, site, write):
    from widget.models import Reader

    add_moderator(sites=[site])
    dashboard.log_in()
    guest_comment = write()
    answer = post_action(dashboard, site, f"/moderate/comments/{guest_comment.id}/trust")
    assert "Guests can't be trusted" in html.unescape(dashboard.get(answer.headers["Location"], follow_redirects=True).text)
    reader = Reader(provider="demo", subject="s2", name="Regular", email="r@demo.example")
    db.session.add(reader)
    db.session.commit()
    comment = write()
    comment.reader_id = reader.id
    db.session.commit()
    post_action(dashboard, site, f"/moderate/comments/{comment.id}/trust")
    from widget.models import TrustedReader
    assert db.session.get(TrustedReader, (site.id, reader.id)) is not None
    again = post_action(dashboard, site, f"/moderate/comments/{comment.id}/trust")
    assert "trusted on this site already" in dashboard.get(again.headers["Location"], follow_redirects=True).text


def test_closing_and_reopening_a_thread(dashboard, reader, site, write):
    add_moderator(sites=[site])
    dashboard.log_in()
    thread = write().thread
    post_action(dashboard, site, f"/moderate/threads/{thread.id}/close")
    assert reader.post(body="Closed?").status_code == 403
    post_action(dashboard, site, f"/moderate/threads/{thread.id}/reopen")
    assert reader.post(body="Open again").status_code == 201
    assert [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))] == ["close", "reopen"]


def test_a_moderator_of_another_site_cant_ban_trust_or_close(dashboard, site, write):
    other = create_site("Other Paper", ["https://other.example"])
    add_moderator(sites=[other])
    dashboard.log_in()
    comment = write()
    token = csrf_of(queue_page(dashboard, other).text)
    for url in (f"/moderate/comments/{comment.id}/ban", f"/moderate/comments/{comment.id}/trust",
                f"/moderate/threads/{comment.thread_id}/close"):
        assert dashboard.post(url, data={"csrf_token": token, "duration": "1d"}).status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 0


def report(client, site, comment, reason="spam", headers=None):
    return client.post(f"/embed/{site.key}/comments/{comment.id}/report", data={"reason": reason},
                       headers={"Origin": SITE_ORIGIN, **(headers or {})})


def test_readers_report_comments_once_each_into_the_reported_queue(dashboard, client, site, write):
    add_moderator(sites=[site])
    dashboard.log_in()
    comment = write(body="Reportable")
    answer = report(client, site, comment)
    assert answer.status_code == 202 and 'data-kind="reported"' in answer.text
    assert report(client, site, comment, "abuse").status_code == 202  # the same IP again: not counted
    from widget.models import Report
    assert db.session.scalar(db.select(db.func.count()).select_from(Report)) == 1
    page = queue_page(dashboard, site, "reported")
    assert f'data-comment-id="{comment.id}"' in page.text and "spam ×1" in page.text
    act(dashboard, site, comment, "approve", status="reported")
    assert f'data-comment-id="{comment.id}"' not in queue_page(dashboard, site, "reported").text
    assert db.session.get(Comment, comment.id).status == "published"


def test_reports_are_checked_and_limited(client, app, site, write, monkeypatch):
    comment = write()
    held = write(status="pending")
    assert report(client, site, comment, "boring").status_code == 422
    assert report(client, site, held).status_code == 404
    assert client.post(f"/embed/{site.key}/comments/{comment.id}/report", data={"reason": "spam"},
                       headers={"Origin": "https://elsewhere.example.com"}).status_code == 403
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_REACT", "2 per minute")
    others = [write(body=f"c{n}") for n in range(3)]
    assert [report(client, site, c).status_code for c in others] == [202, 202, 429]


def test_every_published_comment_offers_a_report(client, site, write):
    write()
    thread = client.get(f"/embed/{site.key}/thread?thread=article-1", headers={"Origin": SITE_ORIGIN}).text
    assert '<form class="parley-report-form" method="post" action="http://localhost/embed/' in thread
    assert 'name="reason" value="off-topic"' in thread


def test_bulk_approve_and_reject_decide_each_selected_comment(dashboard, client, site, write):
    add_moderator(sites=[site])
    dashboard.log_in()
    held = [write(body=f"Held {n}", status="pending") for n in range(3)]
    other_site_comment_id = 999999
    token = csrf_of(queue_page(dashboard, site).text)
    answer = dashboard.post(f"/moderate/bulk/approve?site={site.key}", data={
        "csrf_token": token, "ids": [str(held[0].id), str(held[1].id), str(other_site_comment_id)]})
    assert answer.status_code == 303
    statuses = [db.session.get(Comment, c.id).status for c in held]
    assert statuses == ["published", "published", "pending"]
    dashboard.post(f"/moderate/bulk/reject?site={site.key}", data={"csrf_token": token, "ids": [str(held[2].id)]})
    assert db.session.get(Comment, held[2].id).status == "rejected"
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 3
    assert dashboard.post(f"/moderate/bulk/approve?site={site.key}", data={"ids": [str(held[0].id)]}).status_code == 400


def test_a_moderator_changes_their_password(dashboard, site):
    add_moderator(sites=[site])
    dashboard.log_in()
    token = csrf_of(dashboard.get("/moderate/password").text)
    wrong = dashboard.post("/moderate/password", data={"csrf_token": token, "current": "nope",
                                                        "new": "a brand new secret", "confirm": "a brand new secret"})
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    short = dashboard.post("/moderate/password", data={"csrf_token": token, "current": MODERATOR_PASSWORD,
                                                        "new": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    ok = dashboard.post("/moderate/password", data={"csrf_token": token, "current": MODERATOR_PASSWORD,
                                                     "new": "a brand new secret", "confirm": "a brand new secret"})
    assert ok.status_code == 303
    dashboard.post("/moderate/logout", data={"csrf_token": csrf_of(queue_page(dashboard, site).text)})
    assert dashboard.log_in().status_code == 401
    assert dashboard.log_in(password="a brand new secret").status_code == 303


@pytest.mark.parametrize("past_any_row", ["99999999999999999999", str(2**31), "0", "\u0661"])
def test_every_route_with_an_id_is_404_for_an_id_no_row_can_have(dashboard, client, site,
                                                                  past_any_row):
    add_moderator(admin=True)
    dashboard.log_in()
    token = csrf_of(queue_page(dashboard, site).text)
    form = {"csrf_token": token, "back": "/moderate/"}
    answers = {
        "comment page": dashboard.get(f"/moderate/comments/{past_any_row}"),
        "decision": dashboard.post(f"/moderate/comments/{past_any_row}/approve", data=form),
        "thread page": dashboard.get(f"/moderate/threads/{past_any_row}"),
        "thread edit": dashboard.post(f"/moderate/threads/{past_any_row}", data={**form, "title": "T"}),
        "close thread": dashboard.post(f"/moderate/threads/{past_any_row}/close", data=form),
        "moderator page": dashboard.get(f"/moderate/moderators/{past_any_row}"),
        "remove moderator": dashboard.post(f"/moderate/moderators/{past_any_row}/remove", data=form),
        "report": client.post(f"/embed/{site.key}/comments/{past_any_row}/report", data={"reason": "spam"},
                              headers={"Origin": SITE_ORIGIN}),
    }
    assert {route: answer.status_code for route, answer in answers.items()} == dict.fromkeys(answers, 404)
    # The widget shows the report's answer: a notice, as for the embed's other 404s.
    assert 'class="parley-notice" data-kind="error"' in answers["report"].text
