"""The comment POST: the order of its checks, its answers, and what it stores."""
import html
import re

import pytest
from support import OTHER_ORIGIN, SITE_ORIGIN

from widget.extensions import db
from widget.models import Comment, Moderator, Thread
from widget.providers import configured_providers


def stored():
    return db.session.scalars(db.select(Comment).order_by(Comment.id)).all()


def test_a_guest_comment_is_published_and_answered_with_its_fragment(reader):
    response = reader.post(body="Astana *matters*", website="madi.example.kz")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert '<article class="parley-comment"' in response.text
    assert "<em>matters</em>" in response.text
    [comment] = stored()
    assert (comment.author_name, comment.author_email, comment.author_website) == (
        "Madi Asanov", "madi@example.org", "https://madi.example.kz",
    )
    assert comment.body_source == "Astana *matters*"
    assert comment.body_html == "<p>Astana <em>matters</em></p>"
    assert comment.status == "published" and comment.ip == "127.0.0.1"
    assert "madi@example.org" not in response.text


def test_posting_to_a_never_viewed_thread_creates_it(reader):
    assert reader.post("brand-new").status_code == 201
    thread = db.session.execute(db.select(Thread).filter_by(key="brand-new")).scalar_one()
    assert thread.comment_count == 1


def test_each_write_bumps_the_thread_version(reader):
    reader.post()
    version = db.session.execute(db.select(Thread.version)).scalar_one()
    reader.post(body="Another thought.")
    assert db.session.execute(db.select(Thread.version)).scalar_one() == version + 1


def test_unknown_site_404_and_foreign_or_missing_origin_403(client, reader):
    response = client.post("/embed/NoSuchSite123/comments?thread=a", data={"body": "x"}, headers={"Origin": SITE_ORIGIN})
    assert response.status_code == 404
    for origin in (OTHER_ORIGIN, None, "null"):
        reader.origin = origin
        response = reader.post()
        assert response.status_code == 403, origin
        assert 'class="parley-notice"' in response.text
        assert "Access-Control-Allow-Origin" not in response.headers
    assert stored() == []


def test_site_checks_come_before_validation(client, site):
    # an empty form from a foreign origin is refused for its origin, not its fields
    response = client.post(f"/embed/{site.key}/comments?thread=a", data={}, headers={"Origin": OTHER_ORIGIN})
    assert response.status_code == 403


def test_a_closed_thread_refuses_with_the_text_kept(reader, write):
    thread = write().thread
    thread.closed = True
    db.session.commit()
    response = reader.post(body="Too late to say this")
    assert response.status_code == 403
    assert 'class="parley-notice" data-kind="closed"' in response.text
    assert "Too late to say this</textarea>" in response.text
    assert len(stored()) == 1


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"body": ""}, "body", "Please write your comment."),
        ({"body": "   \n  "}, "body", "Please write your comment."),
        ({"body": "x"}, "body", "Please write at least 2 characters."),
        ({"body": "x" * 5001}, "body", "Your comment is 5,001 characters long; please keep it to 5,000."),
        ({"name": ""}, "name", "Please enter your name."),
        ({"name": " \t "}, "name", "Please enter your name."),
        ({"name": "n" * 81}, "name", "Please keep your name to 80 characters."),
        ({"name": "Moderator"}, "name", "That name is reserved for the site&#39;s staff; please choose another."),
        ({"email": ""}, "email", "Please enter your email address; it is never shown."),
        ({"email": "not-an-address"}, "email", "like name@example.org"),
        ({"email": "a" * 250 + "@x.org"}, "email", "at most 254 characters"),
        ({"website": "javascript:alert(1)"}, "website", "must start with http:// or https://"),
        ({"website": "ftp://files.example.org"}, "website", "must start with http:// or https://"),
        ({"website": "https://x.org/" + "a" * 2048}, "website", "at most 2,048 characters"),
        ({"parent": "12345"}, "parent", "no longer available"),
        ({"parent": "abc"}, "parent", "no longer available"),
        ({"body": "nul\x00byte"}, "body", "control characters"),
        ({"name": "Madi\x00"}, "name", "control characters"),
        ({"email": "madi\x00@example.org"}, "email", "control characters"),
        ({"website": "https://madi.example.kz/\x00"}, "website", "control characters"),
        ({"parent": "1\x00"}, "parent", "no longer available"),
    ],
)
def test_invalid_fields_answer_422_with_the_error_beside_the_field(reader, fields, field, message):
    typed = {"name": "Madi Asanov", "email": "madi@example.org", "website": "https://madi.example.kz", "body": "My words"}
    response = reader.post(**{**typed, **fields})
    assert response.status_code == 422
    errors = re.findall(r'<p class="parley-error" data-field="(\w+)"[^>]*>([^<]*)</p>', response.text)
    assert [name for name, _ in errors] == [field]
    assert message in errors[0][1]
    assert 'class="parley-notice"' not in response.text
    # every other value comes back as typed
    for name, value in typed.items():
        if name not in fields:
            assert value in response.text, name
    assert stored() == []


def name_error(response):
    """The one field error of a 422 answer, as (field, message as the reader reads it)."""
    assert response.status_code == 422, response.status_code
    [(field, message)] = re.findall(r'<p class="parley-error" data-field="(\w+)"[^>]*>([^<]*)</p>', response.text)
    return field, html.unescape(message)


STAFF_MESSAGE = "That name is reserved for the site's staff; please choose another."


@pytest.mark.parametrize("name", ["M0derator", "Adm1n", "5taff", "Mod erator", "Ad-min", "E d i t o r", "Adm1n2"])
def test_staff_names_with_digits_or_separators_answer_422_with_the_text_kept(reader, name):
    response = reader.post(name=name, body="My words on Astana")
    assert name_error(response) == ("name", STAFF_MESSAGE)
    assert html.escape(name) in response.text and "My words on Astana</textarea>" in response.text
    assert stored() == []


@pytest.mark.parametrize("name", ["Stafford", "Edith", "Badminton fan", "Mo Derat"])
def test_names_that_only_contain_staff_letters_are_published(reader, name):
    assert reader.post(name=name).status_code == 201


def test_a_moderators_name_with_digits_for_letters_is_refused(reader, site):
    db.session.add(Moderator(email="dana@news.example.org", password_hash="-", name="Dana Lee", sites=[site]))
    db.session.commit()
    assert name_error(reader.post(name="D4na L33")) == ("name", STAFF_MESSAGE)
    assert reader.post(name="Dana Leeds").status_code == 201


@pytest.fixture
def demo_id(app, monkeypatch):
    """Sign-in through a provider labelled "Demo ID" configured (it isn't reached: guests post)."""
    demo = configured_providers({"demo": {"client_id": "d", "client_secret": "s", "label": "Demo ID",
                                          "metadata_url": "https://id.example/.well-known/openid-configuration"}})
    monkeypatch.setitem(app.config, "PARLEY_PROVIDERS", demo)


@pytest.mark.parametrize(
    "name, label",
    [("Aigerim (Demo ID)", "Demo ID"), ("Aigerim ( Dem0 ID )", "Demo ID"), ("Aigerim (Facebook)", "Facebook")],
)
def test_a_guest_cant_take_a_signed_in_readers_name_with_its_provider_label(reader, demo_id, name, label):
    response = reader.post(name=name, body="As if signed in")
    message = f"Names ending in \u201c({label})\u201d are kept for readers signed in with that provider."
    assert name_error(response) == ("name", message)
    assert "As if signed in</textarea>" in response.text and html.escape(name) in response.text
    assert stored() == []
    assert reader.post(name="Aigerim (Almaty)").status_code == 201


def test_a_parent_from_another_thread_is_refused(reader, write):
    elsewhere = write("other-article")
    response = reader.post("article-1", parent=str(elsewhere.id))
    assert response.status_code == 422
    assert 'data-field="parent"' in response.text
    assert len(stored()) == 1


def test_a_held_parent_cant_be_replied_to(reader, write):
    held = write(status="pending")
    assert reader.post(parent=str(held.id)).status_code == 422


def test_a_reply_is_stored_under_its_parent_and_counted(reader, write):
    parent = write()
    response = reader.post(parent=str(parent.id), body="I agree.")
    assert response.status_code == 201
    assert f'data-parent="{parent.id}"' in response.text
    reply = stored()[-1]
    assert (reply.parent_id, reply.root_id, reply.depth) == (parent.id, parent.id, 1)
    db.session.refresh(parent)
    assert parent.reply_count == 1
    assert reply.thread.comment_count == 2


def test_hostile_names_and_websites_are_escaped(reader):
    response = reader.post(
        name='<img src=x onerror=alert(1)>"',
        website='https://x.org/"><script>alert(1)</script>',
        body="<script>alert(1)</script>",
    )
    assert response.status_code == 201
    for html in (response.text, reader.thread().text):
        assert "<script" not in html and "<img" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;&#34;" in html
        assert 'href="https://x.org/&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_a_request_over_the_size_limit_is_413_and_stores_nothing(reader):
    response = reader.post(body="x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert 'class="parley-notice"' in response.text
    assert response.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert stored() == []


GOOD_FIELDS = {"name": b"Madi", "email": b"madi%40example.org", "website": b"", "body": b"text", "parent": b""}


def body_with(field, value):
    """A urlencoded form with `value` (raw bytes, sent as they are) in `field`, the rest fine."""
    return b"&".join(name.encode() + b"=" + value_ for name, value_ in {**GOOD_FIELDS, field: value}.items())


@pytest.mark.parametrize(
    "body",
    [b"name=M%FF%FEadi&email=madi%40example.org&body=text", b"name=Madi&email=m%40x.org&body=\xff\xfe text"]
    # every field, percent-encoded and raw; a lone surrogate (ED A0 80) is not UTF-8 either
    + [body_with(field, value) for field in GOOD_FIELDS for value in (b"%C3%28", b"x\xc3\x28", b"%ED%A0%80")]
    + [body_with("shown", b"%FF"), body_with("homepage", b"\xff")],
)
def test_invalid_utf8_is_refused_with_400(client, site, body):
    response = client.post(
        f"/embed/{site.key}/comments?thread=a", data=body,
        content_type="application/x-www-form-urlencoded", headers={"Origin": SITE_ORIGIN},
    )
    assert response.status_code == 400
    assert "isn&#39;t UTF-8" in response.text
    assert stored() == []


def test_utf8_text_in_every_script_is_kept(reader):
    assert reader.post(name="Айгерим Қасымова", body="Сыртқы саясат — 外交 🇰🇿").status_code == 201
    [comment] = stored()
    assert (comment.author_name, comment.body_source) == ("Айгерим Қасымова", "Сыртқы саясат — 外交 🇰🇿")


@pytest.mark.parametrize(
    "website, message",
    [
        ("http://[::1", "must start with http"),
        ("[::1", "must start with http"),
        ("example.org/" + "a" * 2030, "at most 2,048 characters"),
        ("https://bank.example@evil.example", "user name or password"),
    ],
)
def test_odd_websites_are_422_never_500(reader, website, message):
    response = reader.post(website=website)
    assert response.status_code == 422
    assert message in response.text
    assert stored() == []


def test_refusals_of_every_kind_carry_the_cors_grant(reader, write, app, monkeypatch):
    assert reader.post(body="").headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_COMMENT", "1 per hour")
    assert reader.post("second", body="once").status_code == 201
    assert reader.post("second", body="twice").headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    thread = write("first").thread
    thread.closed = True
    db.session.commit()
    assert reader.post("first").headers["Access-Control-Allow-Origin"] == SITE_ORIGIN


def test_a_closed_thread_is_refused_before_the_form_is_judged(reader, write):
    thread = write().thread
    thread.closed = True
    db.session.commit()
    response = reader.post(body="", email="broken")
    assert response.status_code == 403 and 'data-kind="closed"' in response.text


def test_a_reply_to_a_vanished_comment_stays_a_reply_form(reader, write):
    response = reader.post(parent="424242", body="My reply")
    assert response.status_code == 422
    assert '<section class="parley-compose" data-parent="424242">' in response.text
    assert 'class="parley-cancel"' in response.text
    assert 'id="parley-body-424242"' in response.text and "My reply</textarea>" in response.text


def test_comment_writes_erase_expired_ips_at_most_hourly(reader, write, monkeypatch):
    from datetime import timedelta

    from widget import comments
    from widget.models import utcnow

    old = write(body="old")
    old.created = utcnow() - timedelta(days=31)
    db.session.commit()
    monkeypatch.setitem(comments._last_erase, "at", float("-inf"))
    reader.post(body="a new comment")
    db.session.refresh(old)
    assert old.ip is None
    newer = write(body="also old")
    newer.created = utcnow() - timedelta(days=40)
    db.session.commit()
    reader.post(body="another, within the hour")
    db.session.refresh(newer)
    assert newer.ip == "203.0.113.9"


def test_old_ips_are_erased_after_the_retention_period(app, write):
    from datetime import timedelta

    from widget.comments import erase_old_ips
    from widget.models import utcnow

    old, recent = write(body="old"), write(body="recent")
    old.created = utcnow() - timedelta(days=31)
    db.session.commit()
    assert erase_old_ips(30) == 1
    db.session.refresh(old)
    db.session.refresh(recent)
    assert old.ip is None and recent.ip == "203.0.113.9"


def test_judge_and_save_stores_a_first_comment_with_its_thread_and_a_bots_not_at_all(site):
    """The one way a reader's text becomes a comment, for the POST and for an edit to come."""
    from widget.comments import Draft, judge_and_save
    from widget.policy import site_policy

    rules = site_policy(site)

    def draft(body):
        return Draft(Thread(site_id=site.id, key="article-9"), None, "Madi", "madi@example.org", None, body, "203.0.113.9")

    published = judge_and_save(draft("A fine article."), site, rules, None, None)
    assert published.verdict.action == "publish" and published.comment.status == "published"
    assert db.session.get(Thread, published.comment.thread_id).comment_count == 1
    refused = judge_and_save(draft("Another fine article."), site, rules, "honeypot", None)
    assert refused.verdict.action == "reject" and refused.comment is None
    assert [comment.body_source for comment in stored()] == ["A fine article."]
