"""Readers edit and delete their own comments: who, when, the policy on edits, versions, placeholders, counts."""
import html
import re
from datetime import timedelta

import pytest
from support import SITE_ORIGIN

from widget.extensions import db
from widget.models import Comment, Thread, utcnow
from widget.sites import set_policy

GUEST_KEY = "g" * 43
OTHER_GUEST_KEY = "h" * 43


@pytest.fixture
def token(reader_token):
    """A new signed-in reader's Bearer header, each call."""
    return lambda name="Aigerim": {"Authorization": f"Bearer {reader_token(name)[1]}"}


def post(client, site, headers, body="A fine article.", parent=""):
    data = {"name": "Madi Asanov", "email": "madi@example.org", "body": body, "parent": parent}
    return client.post(f"/embed/{site.key}/comments", query_string={"thread": "article-1"}, data=data,
                       headers={"Origin": SITE_ORIGIN, **headers})


def edit(client, site, comment_id, headers, body="A finer article."):
    return client.post(f"/embed/{site.key}/comments/{comment_id}/edit", data={"body": body},
                       headers={"Origin": SITE_ORIGIN, **headers})


def delete(client, site, comment_id, headers):
    return client.post(f"/embed/{site.key}/comments/{comment_id}/delete", headers={"Origin": SITE_ORIGIN, **headers})


def comment_id_of(response):
    return int(re.search(r'data-comment-id="(\d+)"', response.text).group(1))


def comment(comment_id):
    db.session.expire_all()
    return db.session.get(Comment, comment_id)


def guest(key=GUEST_KEY):
    return {"X-Parley-Guest": key}


def test_a_signed_in_author_edits_and_the_thread_says_edited(client, site, reader, token):
    me = token()
    cid = comment_id_of(post(client, site, me))
    response = edit(client, site, cid, me, "A *finer* article.")
    assert response.status_code == 200
    assert "<em>finer</em>" in response.text and 'class="parley-edited"' in response.text
    assert response.headers["Cache-Control"] == "no-store"
    thread = reader.thread().text
    assert "<em>finer</em>" in thread and 'class="parley-edited" title="Edited ' in thread
    assert comment(cid).body_source == "A *finer* article."


def test_a_guest_edits_and_deletes_with_the_key_that_posted(client, site, reader):
    cid = comment_id_of(post(client, site, guest()))
    assert edit(client, site, cid, guest()).status_code == 200
    assert delete(client, site, cid, guest()).status_code == 200
    assert comment(cid).status == "deleted" and comment(cid).deleted_by == "author"
    assert f"parley-c{cid}" not in reader.thread().text


def test_nobody_else_may_edit_or_delete(client, site, token):
    me = token()
    mine = comment_id_of(post(client, site, me))
    guests = comment_id_of(post(client, site, guest(), body="A guest's words."))
    for headers in (token("Other"), guest(OTHER_GUEST_KEY), {}):
        for target in (mine, guests):
            for answer in (edit(client, site, target, headers), delete(client, site, target, headers)):
                assert answer.status_code == 403
                assert "Only the author" in answer.text
    # a signed-in reader holding the guest's key still isn't that guest
    assert edit(client, site, guests, {**token("Third"), **guest()}).status_code == 403
    assert comment(mine).body_source == "A fine article." and comment(guests).status == "published"


def test_after_the_window_the_controls_go_and_the_endpoint_says_why(client, site, reader, token):
    me = token()
    cid = comment_id_of(post(client, site, me))
    form = client.get(f"/embed/{site.key}/form", query_string={"thread": "article-1"}, headers=me).text
    assert f'<li data-comment-id="{cid}" data-editable-until=' in form
    comment(cid).created = utcnow() - timedelta(minutes=16)
    db.session.commit()
    form = client.get(f"/embed/{site.key}/form", query_string={"thread": "article-1"}, headers=me).text
    assert "parley-own" not in form
    for answer in (edit(client, site, cid, me), delete(client, site, cid, me)):
        assert answer.status_code == 403
        assert "for 15 minutes after it was posted; that time is up" in answer.text


def test_a_closed_thread_takes_no_edits_but_its_authors_may_still_delete(client, site, token):
    me = token()
    cid = comment_id_of(post(client, site, me))
    comment(cid).thread.closed = True
    db.session.commit()
    form = client.get(f"/embed/{site.key}/form", query_string={"thread": "article-1"}, headers=me).text
    assert f'<li data-comment-id="{cid}" data-editable-until=' in form and "data-delete-only" in form
    answer = edit(client, site, cid, me)
    assert answer.status_code == 403 and 'data-kind="closed"' in answer.text
    assert "closed, so they can't be edited" in html.unescape(answer.text)
    assert comment(cid).body_source == "A fine article."
    assert delete(client, site, cid, me).status_code == 200 and comment(cid).status == "deleted"


def test_window_zero_means_never(client, site, token):
    set_policy(site, {"min_submit_seconds": 0, "edit_window_minutes": 0})
    me = token()
    cid = comment_id_of(post(client, site, me))
    answer = edit(client, site, cid, me)
    assert answer.status_code == 403 and "can't be edited or deleted once posted" in html.unescape(answer.text)
    assert delete(client, site, cid, me).status_code == 403
    assert "can't be edited or deleted" in html.unescape(client.get(f"/embed/{site.key}/policy").text)


def test_the_policy_page_says_the_window(client, site):
    assert "edit or delete your own comment for 15 minutes" in client.get(f"/embed/{site.key}/policy").text


def test_an_edit_the_policy_holds_goes_back_to_pending_and_out_of_the_count(client, site, reader, token):
    set_policy(site, {"min_submit_seconds": 0, "suspect_words": ["crypto"]})
    me = token()
    cid = comment_id_of(post(client, site, me))
    assert reader.counts("article-1").json == {"article-1": 1}
    answer = edit(client, site, cid, me, "Buy crypto now.")
    assert answer.status_code == 202 and 'data-kind="held"' in answer.text
    assert comment(cid).status == "pending"
    assert reader.counts("article-1").json == {"article-1": 0}
    assert f"parley-c{cid}" not in reader.thread().text
    assert 'data-count="0"' in reader.thread().text


def test_an_edit_the_policy_refuses_keeps_the_text_and_changes_nothing(client, site, token):
    set_policy(site, {"min_submit_seconds": 0, "banned_words": ["idiot"]})
    me = token()
    cid = comment_id_of(post(client, site, me))
    for evasion in ("You idiot.", "You id&#105;ot.", "You i.d.i.o.t."):
        answer = edit(client, site, cid, me, evasion)
        assert answer.status_code == 403, evasion
        assert 'data-kind="rejected"' in answer.text and "parley-edit-form" in answer.text
        assert evasion in html.unescape(answer.text)
    stored = comment(cid)
    assert (stored.body_source, stored.status, stored.edited) == ("A fine article.", "published", None)


def test_an_edit_is_validated_like_a_post(client, site, token):
    me = token()
    cid = comment_id_of(post(client, site, me))
    answer = edit(client, site, cid, me, "")
    assert answer.status_code == 422 and 'class="parley-error" data-field="body"' in answer.text


def test_edits_have_their_own_limit(client, site, app, token, monkeypatch):
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_EDIT", "2 per minute")
    me = token()
    cid = comment_id_of(post(client, site, me))
    assert [edit(client, site, cid, me, f"Take {n}.").status_code for n in range(3)] == [200, 200, 429]


def test_the_dashboard_shows_every_earlier_version_oldest_first(client, site, token, dashboard):
    from support import add_moderator
    me = token()
    cid = comment_id_of(post(client, site, me, body="First words."))
    edit(client, site, cid, me, "Second words.")
    edit(client, site, cid, me, "Third words.")
    add_moderator(sites=[site])
    dashboard.log_in()
    page = dashboard.get(f"/moderate/comments/{cid}").text
    current, versions = page.split('class="parley-versions"')
    assert "Third words." in current and "Third words." not in versions
    assert versions.index("First words.") < versions.index("Second words.")
    assert versions.count('class="parley-version"') == 2


def test_deleting_a_comment_with_replies_leaves_the_authors_placeholder(client, site, reader, token):
    me = token()
    cid = comment_id_of(post(client, site, me, body="The question."))
    post(client, site, guest(), body="An answer.", parent=str(cid))
    assert reader.counts("article-1").json == {"article-1": 2}
    assert delete(client, site, cid, me).status_code == 200
    thread = reader.thread().text
    assert "Comment deleted by its author." in thread and "The question." not in thread
    assert "An answer." in thread and 'data-status="deleted"' in thread
    assert reader.counts("article-1").json == {"article-1": 1}
    assert 'data-count="1"' in thread


def test_moderators_still_see_an_authors_deleted_text(client, site, token, dashboard):
    from support import add_moderator
    me = token()
    cid = comment_id_of(post(client, site, me, body="Taken back."))
    delete(client, site, cid, me)
    add_moderator(sites=[site])
    dashboard.log_in()
    assert "Taken back." in dashboard.get(f"/moderate/queue/rejected?site={site.key}").text


def test_the_public_thread_carries_no_controls_and_nothing_personal(client, site, reader, token):
    me = token()
    cid = comment_id_of(post(client, site, me))
    edit(client, site, cid, me)
    anonymous = reader.thread()
    signed_in = reader.thread(headers=me)
    assert anonymous.text == signed_in.text
    for text in (anonymous.text, signed_in.text):
        assert "parley-own" not in text and "/edit" not in text and "/delete" not in text
        assert "data-editable-until" not in text
