"""Every verdict of the policy through the comment POST: what the reader is told, what is stored."""
import html
import re
import secrets
from datetime import timedelta

import pytest
from support import SECRET_KEY, SITE_ORIGIN

from widget.embed import stamps
from widget.bans import add_ban
from widget.extensions import db
from widget.models import Comment, utcnow
from widget.sites import set_policy
from widget.tokens import issue_token


def with_policy(site, **keys):
    # Posts in these tests come at once; the stamp's own tests set min_submit_seconds.
    set_policy(site, {"min_submit_seconds": 0, **keys})


def stored():
    return db.session.scalars(db.select(Comment).order_by(Comment.id)).all()


def words(response):
    return html.unescape(response.text)


def signed_post(reader, token, **fields):
    return reader.client.post(
        f"/embed/{reader.site.key}/comments", query_string={"thread": "article-1"},
        data={"body": "A signed-in thought.", **fields},
        headers={"Origin": SITE_ORIGIN, "Authorization": f"Bearer {token}"},
    )


def test_a_held_comment_is_202_stored_pending_and_shown_only_to_its_author(reader, site):
    with_policy(site, premoderate_all=True)
    guest = secrets.token_urlsafe(32)
    response = reader.client.post(
        f"/embed/{site.key}/comments?thread=article-1", headers={"Origin": SITE_ORIGIN, "X-Parley-Guest": guest},
        data={"name": "Madi", "email": "madi@example.org", "body": "Please approve me"},
    )
    assert response.status_code == 202
    assert 'class="parley-notice" data-kind="held"' in response.text
    assert "Thanks — your comment is awaiting moderation. Every comment here waits for a moderator." in words(response)
    assert "Please approve me</textarea>" not in response.text
    [comment] = stored()
    assert comment.status == "pending" and comment.reasons[0]["code"] == "premoderate_all"
    assert comment.thread.comment_count == 0

    public = reader.thread()
    assert "Please approve me" not in public.text and public.headers["Cache-Control"].startswith("public")
    mine = reader.thread(headers={"X-Parley-Guest": guest})
    assert "Please approve me" in mine.text and 'data-status="pending"' in mine.text
    assert "Awaiting moderation" in mine.text and 'class="parley-reply"' not in mine.text
    assert mine.headers["Cache-Control"].startswith("private") and "X-Parley-Guest" in mine.headers["Vary"]
    assert "Please approve me" not in reader.thread(headers={"X-Parley-Guest": secrets.token_urlsafe(32)}).text
    assert mine.headers["ETag"] != public.headers["ETag"]


def test_a_signed_in_reader_sees_their_own_held_comment(reader, site, reader_token):
    with_policy(site, premoderate_all=True)
    _, token = reader_token()
    assert signed_post(reader, token, body="Held for a look").status_code == 202
    assert "Held for a look" in reader.thread(headers={"Authorization": f"Bearer {token}"}).text
    _, other = reader_token("Someone else")
    assert "Held for a look" not in reader.thread(headers={"Authorization": f"Bearer {other}"}).text


def test_a_refused_comment_is_403_with_the_reason_and_the_text_kept(reader, site):
    with_policy(site, banned_words=["idiot*"])
    response = reader.post(body="You are an IDIOT")
    assert response.status_code == 403
    assert 'class="parley-notice" data-kind="rejected"' in response.text
    assert "uses words this site doesn't allow" in words(response)
    assert "You are an IDIOT</textarea>" in response.text
    # kept for moderators to review, with what was found
    [comment] = stored()
    assert comment.status == "rejected" and comment.reasons[0]["detail"] == "banned: idiot*"
    assert "IDIOT" not in reader.thread().text


@pytest.mark.parametrize(
    "keys, body, status, code",
    [
        ({"blocked_domains": ["evil.example"]}, "See https://www.evil.example/x", 403, "blocked_domains"),
        ({"suspect_words": ["crypto*"]}, "Buy cryptocoins now", 202, "suspect_words"),
        ({"max_links": 1}, "https://a.example and [b](https://b.example)", 202, "links"),
        ({}, "THIS IS AN OUTRAGE AND EVERYONE SHOULD KNOW IT", 202, "shouting"),
        ({"guests": "premoderate"}, "A guest's words", 202, "guests"),
        ({"trusted_after": 1}, "A newcomer's words", 202, "new_commenter"),
    ],
)
def test_each_rule_through_the_post(reader, site, keys, body, status, code):
    with_policy(site, **keys)
    response = reader.post(body=body)
    assert response.status_code == status
    [comment] = stored()
    assert comment.reasons[0]["code"] == code
    assert comment.status == {403: "rejected", 202: "pending"}[status]


def test_a_flagged_word_publishes_and_marks_the_comment_for_moderators(reader, site):
    with_policy(site, suspect_words=["crypto*"], suspect_action="flag")
    response = reader.post(body="Crypto talk")
    assert response.status_code == 201
    [comment] = stored()
    assert comment.status == "published" and comment.flagged and comment.reasons[0]["code"] == "suspect_words"


def test_trust_skips_holds_but_not_refusals(reader, site, reader_token):
    with_policy(site, premoderate_all=True, banned_words=["idiot"])
    _, token = reader_token(trusted=True)
    assert signed_post(reader, token, body="Trusted words").status_code == 201
    assert signed_post(reader, token, body="Trusted idiot").status_code == 403


def test_trust_on_one_site_is_no_trust_on_another(client, site, reader_token):
    from widget.sites import create_site

    trusted, _ = reader_token(trusted=True)
    other = create_site("Other Paper", ["https://other.example"])
    with_policy(other, premoderate_all=True)
    token, _ = issue_token(trusted, other, 30)
    answer = client.post(f"/embed/{other.key}/comments?thread=a", data={"body": "Trusted here, not there"},
                         headers={"Origin": "https://other.example", "Authorization": f"Bearer {token}"})
    assert answer.status_code == 202


def test_approved_comments_earn_trust_and_guests_never_do(reader, site, reader_token, write):
    with_policy(site, trusted_after=2)
    author, token = reader_token()
    assert signed_post(reader, token, body="First").status_code == 202
    for comment in stored():
        comment.status = "published"
    # a second approved comment
    write(body="Second").reader_id = author.id
    db.session.commit()
    assert signed_post(reader, token, body="Third, now trusted").status_code == 201
    # a guest typing the same email gains nothing
    assert reader.post(email="a@demo.example", body="Posing as trusted").status_code == 202


def test_the_same_comment_twice_is_refused_within_the_window(reader, site):
    with_policy(site)
    assert reader.post(body="Say it once").status_code == 201
    again = reader.post(body="Say it once", email="MADI@example.org")
    assert again.status_code == 403 and "already posted this comment" in words(again)
    assert len(stored()) == 1
    stored()[0].created = utcnow() - timedelta(hours=25)
    db.session.commit()
    assert reader.post(body="Say it once").status_code == 201


def fresh_stamp(reader):
    form = reader.form().text
    return re.search(r'name="shown" value="([^"]+)"', form).group(1)


def test_a_form_sent_too_soon_or_without_its_stamp_is_refused_without_saying_why(reader, site, monkeypatch):
    with_policy(site, min_submit_seconds=3)
    stamp = fresh_stamp(reader)
    too_fast = reader.post(shown=stamp, body="Bot-fast")
    missing = reader.post(body="No stamp at all")
    forged = reader.post(shown=stamp[:-3] + "abc", body="Forged stamp")
    for response in (too_fast, missing, forged):
        assert response.status_code == 403
        message = html.unescape(re.search(r'<p class="parley-notice"[^>]*>([^<]*)</p>', response.text).group(1))
        assert "couldn't be accepted just now" in message
        assert not re.search(r"stamp|timestamp|seconds|honeypot|too fast|bot", message, re.IGNORECASE)
    assert stored() == []
    later = stamps.time.time() + 5
    monkeypatch.setattr(stamps.time, "time", lambda: later)
    assert reader.post(shown=stamp, body="Typed by a person").status_code == 201


def test_a_stamp_of_another_site_doesnt_pass(reader, site, monkeypatch):
    from widget.sites import create_site

    other = create_site("Other", ["https://other.example"])
    stamp = stamps.issue_stamp(SECRET_KEY, other.key, "article-1")
    with_policy(site, min_submit_seconds=1)
    later = stamps.time.time() + 5
    monkeypatch.setattr(stamps.time, "time", lambda: later)
    assert reader.post(shown=stamp).status_code == 403


def test_a_filled_honeypot_is_refused_even_with_a_good_stamp(reader, site):
    with_policy(site)
    response = reader.post(homepage="http://spam.example", body="I am a person, honest")
    assert response.status_code == 403 and stored() == []


def test_a_re_rendered_form_keeps_its_first_stamp(reader, site):
    with_policy(site, min_submit_seconds=3)
    stamp = fresh_stamp(reader)
    refused = reader.post(shown=stamp, body="")
    assert refused.status_code == 422
    assert f'name="shown" value="{stamp}"' in refused.text


def test_a_thread_closes_after_the_sites_days(reader, site, write):
    with_policy(site, close_after_days=14)
    thread = write().thread
    assert reader.post(body="Still open").status_code == 201
    thread.created = utcnow() - timedelta(days=15)
    db.session.commit()
    closed = reader.post(body="Too late")
    assert closed.status_code == 403 and 'data-kind="closed"' in closed.text
    assert 'data-kind="closed"' in reader.form().text and "<form" not in reader.form().text


@pytest.mark.parametrize("kind", ["email", "ip"])
def test_banned_guests_are_refused(reader, site, kind):
    with_policy(site)
    add_ban(site, kind, "MADI@example.org" if kind == "email" else "127.0.0.1", days=7)
    db.session.commit()
    response = reader.post(body="Let me back in")
    assert response.status_code == 403 and "can't comment on Central Asia News until" in words(response)
    assert "Let me back in</textarea>" in response.text and stored() == []


def test_banned_readers_are_refused_and_bans_expire(reader, site, reader_token):
    with_policy(site)
    author, token = reader_token()
    ban = add_ban(site, "reader", author.id)
    db.session.commit()
    refused = signed_post(reader, token)
    assert refused.status_code == 403 and "until" not in words(refused)
    ban.expires = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert signed_post(reader, token).status_code == 201


def test_a_policy_change_applies_at_the_next_request(reader, site):
    with_policy(site)
    assert reader.post(body="Fine words").status_code == 201
    with_policy(site, banned_words=["fine"])
    assert reader.post(body="Fine words again").status_code == 403


def test_the_policy_page_lists_the_enforced_rules_but_no_word_lists(client, site):
    with_policy(site, max_links=3, close_after_days=14, banned_words=["секретслово"], suspect_words=["hushword"],
                blocked_domains=["hidden-domain.example"], guests="premoderate")
    page = html.unescape(client.get(f"/embed/{site.key}/policy").text)
    assert "Comments with more than 3 links wait for a moderator." in page
    assert "Comments close 14 days after an article's first comment." in page
    assert "their comments wait for a moderator" in page
    for secret in ("секретслово", "hushword", "hidden-domain"):
        assert secret not in page


def test_a_stamp_of_another_thread_or_older_than_a_day_doesnt_pass(reader, site, monkeypatch):
    with_policy(site, min_submit_seconds=1)
    other_thread = stamps.issue_stamp(SECRET_KEY, site.key, "another-article")
    this_thread = fresh_stamp(reader)
    later = stamps.time.time() + 5
    monkeypatch.setattr(stamps.time, "time", lambda: later)
    assert reader.post(shown=other_thread).status_code == 403
    much_later = later + stamps.STAMP_LIFETIME
    monkeypatch.setattr(stamps.time, "time", lambda: much_later)
    assert reader.post(shown=this_thread).status_code == 403
    assert stored() == []


@pytest.mark.parametrize("name", ["Модератор", "Админ", "Редакция", "Central Asia News", "central-asia-news"])
def test_guests_cant_take_staff_names_in_russian_or_the_sites_own(reader, site, name):
    with_policy(site)
    response = reader.post(name=name)
    assert response.status_code == 422 and 'data-field="name"' in response.text


def test_a_signed_in_reader_over_the_ip_limit_keeps_their_signed_in_form(reader, site, app, reader_token, monkeypatch):
    with_policy(site)
    _, token = reader_token()
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_COMMENT_IP", "1 per minute")
    assert signed_post(reader, token).status_code == 201
    limited = signed_post(reader, token, body="Too soon")
    assert limited.status_code == 429
    assert "Signed in as" in limited.text and 'name="email"' not in limited.text


def test_a_policy_change_reaches_another_worker_at_its_next_request(migrated_app, database_url, reader, site):
    from widget import create_app

    with_policy(site)
    other_worker = create_app({"PARLEY_SECRET_KEY": SECRET_KEY, "PARLEY_DATABASE_URL": database_url,
                               "PARLEY_LIMIT_COMMENT": "100 per second"})
    client = other_worker.test_client()

    def post_there(body):
        return client.post(f"/embed/{site.key}/comments?thread=article-1", headers={"Origin": SITE_ORIGIN},
                           data={"name": "Madi", "email": "madi@example.org", "body": body})

    try:
        assert post_there("Fine words").status_code == 201
        with_policy(site, banned_words=["fine"])
        assert post_there("Fine words again").status_code == 403
    finally:
        with other_worker.app_context():
            db.engine.dispose()


def test_public_thread_answers_always_vary_by_token_and_guest_key(reader, site):
    vary = reader.thread().headers["Vary"]
    assert "Authorization" in vary and "X-Parley-Guest" in vary
