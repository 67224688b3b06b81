"""The dashboard's daily work: staff replies, editor's picks, notes, filters, the author view,
a comment's history, staff names kept from guests, keyboard shortcuts' script, and who may do what."""
import html
import re

import pytest
from support import MODERATOR_PASSWORD, SITE_ORIGIN, add_moderator, csrf_of, queue_page

from widget.extensions import db
from widget.models import AuditEntry, Comment, Reader
from widget.sites import create_site


def public_thread(client, site, **params):
    return client.get(f"/embed/{site.key}/thread", query_string={"thread": "article-1", **params},
                      headers={"Origin": SITE_ORIGIN})


def post(client, site, url, status="published", **fields):
    token = csrf_of(queue_page(client, site, status).text)
    return client.post(url, data={"csrf_token": token, **fields})


def flashed(client, answer):
    return html.unescape(client.get(answer.headers["Location"], follow_redirects=True).text)


@pytest.fixture
def moderator(app, site, dashboard):
    moderator = add_moderator(sites=[site])
    moderator.name = "Aigerim of the Desk"
    db.session.commit()
    dashboard.log_in()
    return moderator


def test_a_staff_reply_is_published_under_the_comment_with_a_badge(dashboard, client, site, moderator, write):
    comment = write(body="When does the summit start?")
    before = public_thread(client, site)
    answer = post(dashboard, site, f"/moderate/comments/{comment.id}/reply", body="On **Monday**, at nine.")
    assert answer.status_code == 303 and "is published under comment" in flashed(dashboard, answer)
    reply = db.session.execute(db.select(Comment).filter_by(parent_id=comment.id)).scalar_one()
    assert (reply.staff_id, reply.status, reply.author_name) == (moderator.id, "published", "Aigerim of the Desk")
    thread = public_thread(client, site)
    assert thread.headers["ETag"] != before.headers["ETag"]
    article = thread.text.split(f'id="parley-c{reply.id}"', 1)[1].split("</article>", 1)[0]
    assert '<span class="parley-badge parley-staff">Staff</span>' in article
    assert "<strong>Monday</strong>" in article and 'data-count="2"' in thread.text
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="reply")).scalar_one()
    assert entry.comment_id == reply.id and f"comment {comment.id}" in entry.note


def test_a_staff_reply_needs_text_and_a_published_comment(dashboard, site, moderator, write):
    comment = write()
    empty = post(dashboard, site, f"/moderate/comments/{comment.id}/reply", body="   ")
    assert "Write a reply" in flashed(dashboard, empty)
    held = write(status="pending")
    refused = post(dashboard, site, f"/moderate/comments/{held.id}/reply", body="Hello")
    assert "Only a published comment" in flashed(dashboard, refused)
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 2


def test_an_editors_pick_opens_the_first_page_of_every_sort_and_only_once(dashboard, client, site, moderator, write):
    comments = [write(body=f"Comment {n}") for n in range(25)]
    pick = comments[23]  # on the second page in the oldest-first order
    answer = post(dashboard, site, f"/moderate/comments/{pick.id}/pin")
    assert answer.status_code == 303
    for sort in ("oldest", "newest", "top"):
        first = public_thread(client, site, sort=sort).text
        assert first.count(f'id="parley-c{pick.id}"') == 1
        ids = [int(part.split('"')[0]) for part in first.split('data-comment-id="')[1:]]
        assert ids[0] == pick.id and len(ids) == 21
    article = public_thread(client, site).text.split(f'id="parley-c{pick.id}"', 1)[1].split("</article>", 1)[0]
    assert 'data-pinned="true"' in public_thread(client, site).text and "Editor's pick" in article
    second = public_thread(client, site, after=str(comments[19].id)).text
    assert f'id="parley-c{pick.id}"' not in second and f'id="parley-c{comments[24].id}"' in second
    # A link to the pick opens the first page, where it is.
    assert f'id="parley-c{pick.id}"' in public_thread(client, site, around=str(pick.id)).text
    post(dashboard, site, f"/moderate/comments/{pick.id}/unpin")
    assert 'data-pinned' not in public_thread(client, site).text
    assert [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))] == ["pin", "unpin"]


def test_only_published_top_level_comments_are_picks_and_rejecting_unpins(dashboard, client, site, moderator, write):
    parent = write(body="Pick me up")
    reply = write(body="Under", parent=parent)
    refused = post(dashboard, site, f"/moderate/comments/{reply.id}/pin")
    assert "Only a published top-level comment" in flashed(dashboard, refused)
    post(dashboard, site, f"/moderate/comments/{parent.id}/pin")
    post(dashboard, site, f"/moderate/comments/{parent.id}/reject", note="Changed our minds")
    db.session.refresh(parent)
    assert not parent.pinned and parent.status == "rejected"
    assert "Pick me up" not in public_thread(client, site).text


def test_a_rejection_keeps_the_moderators_note_in_the_audit_log(dashboard, site, moderator, write):
    held = write(status="pending")
    page = queue_page(dashboard, site).text
    assert 'name="note"' in page.split(f'/moderate/comments/{held.id}/reject', 1)[1].split("</form>", 1)[0]
    post(dashboard, site, f"/moderate/comments/{held.id}/reject", status="pending", note="Off-topic rant")
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert (entry.action, entry.note) == ("reject", "Off-topic rant")
    history = dashboard.get(f"/moderate/comments/{held.id}")
    assert history.status_code == 200 and "Off-topic rant" in history.text and "pending" in history.text


def ids_in(page):
    return {int(part.split('"')[0]) for part in page.split('data-comment-id="')[1:]}


def test_queues_filter_by_article_author_and_text(dashboard, site, moderator, write):
    a = write(thread="article-1", body="About the summit", name="Madi", status="pending")
    b = write(thread="article-2", body="About 100% of it", name="Dana", status="pending")
    c = write(thread="article-2", body="Nothing_here", name="Madina", status="pending")

    def shown(**filters):
        return ids_in(dashboard.get("/moderate/queue/pending", query_string={"site": site.key, **filters}).text)

    assert shown() == {a.id, b.id, c.id}
    assert shown(thread="article-2") == {b.id, c.id}
    assert shown(author="madi") == {a.id, c.id}
    assert shown(author="GUEST@example.org") == {a.id, b.id, c.id}
    assert shown(text="SUMMIT") == {a.id}
    # % and _ are the text's own, not wildcards.
    assert shown(text="100%") == {b.id} and shown(text="g_h") == {c.id} and shown(text="t%o") == set()
    assert shown(thread="article-2", author="dana") == {b.id}
    assert shown(thread="no-such-article") == set()


def test_filters_survive_the_next_page(dashboard, site, moderator, write):
    for n in range(51):
        write(body=f"Spam offer {n}", status="pending")
    page = dashboard.get(f"/moderate/queue/pending?site={site.key}&text=offer").text
    assert "text=offer" in html.unescape(page.split('class="more"', 1)[1].split(">", 1)[0])


def test_the_author_view_shows_every_comment_of_one_guest_or_reader(dashboard, site, moderator, write):
    kept = write(body="Fine words")
    held = write(body="Dubious words", status="pending")
    gone = write(body="Rude words", status="rejected")
    page = dashboard.get(f"/moderate/author?site={site.key}&email=Guest@Example.org")
    assert page.status_code == 200 and ids_in(page.text) == {kept.id, held.id, gone.id}
    assert 'data-status-count="rejected">1<' in page.text and 'data-status-count="published">1<' in page.text
    reader = Reader(provider="demo", subject="s9", name="Signed Reader", email="s@demo.example")
    db.session.add(reader)
    db.session.commit()
    theirs = write(body="Signed words")
    theirs.reader_id = reader.id
    db.session.commit()
    page = dashboard.get(f"/moderate/author?site={site.key}&reader={reader.id}").text
    assert ids_in(page) == {theirs.id} and "Comments by Signed Reader" in page
    # the queue links each author to this view
    queue = queue_page(dashboard, site).text
    assert f"/moderate/author?site={site.key}&amp;email=guest@example.org" in queue
    assert dashboard.get(f"/moderate/author?site={site.key}").status_code == 404
    assert dashboard.get(f"/moderate/author?site={site.key}&reader=99999").status_code == 404


def test_a_comments_page_shows_its_history_newest_first(dashboard, site, moderator, write):
    comment = write(status="pending")
    post(dashboard, site, f"/moderate/comments/{comment.id}/approve", status="pending")
    post(dashboard, site, f"/moderate/comments/{comment.id}/pin")
    page = dashboard.get(f"/moderate/comments/{comment.id}").text
    rows = [row for row in page.split("<tr data-audit-id=")[1:]]
    assert ["pin" in rows[0], "approve" in rows[1]] == [True, True] and len(rows) == 2
    assert f'href="/moderate/comments/{comment.id}"' in dashboard.get(f"/moderate/audit?site={site.key}").text


def test_guests_cant_post_under_a_moderators_name(reader, site, moderator):
    answer = reader.post(name="Aigerim of the Desk")
    assert answer.status_code == 422 and "reserved for the site" in html.unescape(answer.text)
    assert reader.post(name="aigerim  OF the desk").status_code == 422
    admin = add_moderator(email="boss@news.example.org", admin=True)
    admin.name = "Chief Bolat"
    elsewhere = add_moderator(email="far@other.example", sites=[create_site("Other", ["https://o.example"])])
    elsewhere.name = "Far Away"
    db.session.commit()
    assert reader.post(name="Chief Bolat").status_code == 422
    assert reader.post(name="Far Away").status_code == 201


def test_dashboard_pages_run_only_their_own_script(dashboard, site, moderator, app, write):
    write(status="pending")
    page = queue_page(dashboard, site)
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert '<script src="/static/js/dashboard.js" defer></script>' in page.text
    assert '<p class="keys" hidden>' in page.text  # shown by the script; without it the forms do the work
    script = app.test_client().get("/static/js/dashboard.js")
    assert script.status_code == 200 and "requestSubmit" in script.text
    script.close()


# Every page and action that names something of a site, as (method, url template, fields).
SITE_B_REQUESTS = [
    ("GET", "/moderate/queue/pending?site={site}", {}),
    ("GET", "/moderate/queue/reported?site={site}", {}),
    ("GET", "/moderate/queue/published?site={site}", {}),
    ("GET", "/moderate/queue/rejected?site={site}", {}),
    ("GET", "/moderate/audit?site={site}", {}),
    ("GET", "/moderate/author?site={site}&email=guest@example.org", {}),
    ("GET", "/moderate/comments/{comment}", {}),
    *[("POST", f"/moderate/comments/{{comment}}/{action}", {"duration": "1d", "scope": "both", "body": "Hi"})
      for action in ("approve", "reject", "delete", "ban", "trust", "reply", "pin", "unpin")],
    ("POST", "/moderate/threads/{thread}/close", {}),
    ("POST", "/moderate/threads/{thread}/reopen", {}),
    ("POST", "/moderate/bulk/approve?site={site}", {"ids": "{comment}"}),
    ("POST", "/moderate/bulk/reject?site={site}", {"ids": "{comment}"}),
]


@pytest.mark.parametrize("method,url,fields", SITE_B_REQUESTS, ids=[f"{m} {u}" for m, u, _ in SITE_B_REQUESTS])
def test_a_moderator_of_site_a_can_see_or_change_nothing_of_site_b(
        dashboard, site, write, method, url, fields):
    own = create_site("Own Paper", ["https://own.example"])
    add_moderator(sites=[own])
    dashboard.log_in()
    comment = write(status="pending")
    values = {"site": site.key, "comment": comment.id, "thread": comment.thread_id}
    url = url.format(**values)
    if method == "GET":
        answer = dashboard.get(url)
    else:
        token = csrf_of(queue_page(dashboard, own).text)
        answer = dashboard.post(url, data={"csrf_token": token, **{k: v.format(**values) for k, v in fields.items()}})
    assert answer.status_code == 404
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == "pending"
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 1


def test_the_navigation_counts_held_comments_per_site(dashboard, site, write):
    other = create_site("Other Paper", ["https://other.example"])
    add_moderator(sites=[site, other])
    dashboard.log_in()
    write(status="pending")
    write(status="pending")
    write()
    page = queue_page(dashboard, other).text
    assert f'data-site-pending="{site.key}">2<' in page and f'data-site-pending="{other.key}">0<' in page


def test_a_deleted_comment_cant_be_approved_back_as_an_empty_one(dashboard, client, site, moderator, write):
    comment = write(body="Gone for good")
    post(dashboard, site, f"/moderate/comments/{comment.id}/delete")
    assert "Approve" not in dashboard.get(f"/moderate/comments/{comment.id}").text.split('class="actions"')[1]
    refused = post(dashboard, site, f"/moderate/comments/{comment.id}/approve")
    assert "was deleted" in flashed(dashboard, refused)
    bulk = dashboard.post(f"/moderate/bulk/approve?site={site.key}",
                          data={"csrf_token": csrf_of(queue_page(dashboard, site).text), "ids": [str(comment.id)]})
    assert bulk.status_code == 303
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == "deleted"
    assert 'data-count="0"' in public_thread(client, site).text


def test_a_pin_after_someone_else_rejected_the_comment_pins_nothing(app, site, moderator, write):
    from widget.moderation import AlreadyDecided, set_pinned

    comment = write()
    stale = db.session.get(Comment, comment.id)  # as the first moderator's request loaded it: published
    with db.engine.begin() as someone_else:  # another moderator's request rejects it meanwhile
        someone_else.execute(db.update(Comment).where(Comment.id == comment.id).values(status="rejected"))
    assert stale.status == "published"
    with pytest.raises(AlreadyDecided):
        set_pinned(stale, moderator, True)
    db.session.expire_all()
    assert not db.session.get(Comment, comment.id).pinned


@pytest.mark.parametrize("target", ["/moderate/queue/pending\r\nX-Evil: 1", "/moderate/\\\\evil.example", "https://evil.example/moderate/"])
def test_a_crafted_way_back_leads_home_and_never_fails(dashboard, site, moderator, write, target):
    comment = write(status="pending")
    answer = post(dashboard, site, f"/moderate/comments/{comment.id}/approve", status="pending", back=target)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/moderate/")


def test_a_crafted_next_after_login_leads_home(dashboard, site):
    add_moderator(sites=[site])
    token = csrf_of(dashboard.get("/moderate/login").text)
    answer = dashboard.post("/moderate/login?next=/moderate/%0d%0aX-Evil:%201",
                            data={"email": "mod@news.example.org", "password": MODERATOR_PASSWORD, "csrf_token": token})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/moderate/")


def test_the_author_view_knows_no_reader_who_never_commented_on_the_site(dashboard, site, moderator):
    stranger = Reader(provider="demo", subject="elsewhere", name="Only On Site B", email="b@demo.example")
    db.session.add(stranger)
    db.session.commit()
    answer = dashboard.get(f"/moderate/author?site={site.key}&reader={stranger.id}")
    assert answer.status_code == 404 and "Only On Site B" not in answer.text


def test_a_changed_password_or_a_removal_ends_the_accounts_other_sessions(site, moderator, dashboard, open_dashboard):
    other_browser = open_dashboard()
    other_browser.log_in()
    assert queue_page(other_browser, site).status_code == 200
    changed = dashboard.submit("/moderate/password", {"current": MODERATOR_PASSWORD,
                                                      "new": "a brand new secret", "confirm": "a brand new secret"})
    assert changed.status_code == 303
    assert queue_page(dashboard, site).status_code == 200  # the session that changed it goes on
    assert queue_page(other_browser, site).status_code == 303  # the other one is signed out


def test_each_comment_offers_the_actions_that_apply_to_it(dashboard, site, moderator, write):
    """actions.ACTIONS decides the buttons; the moderation functions still refuse what no longer applies."""
    top = write()
    comments = {
        "pending": (write(status="pending"), ["approve", "reject", "delete", "ban"]),
        "published": (top, ["reject", "delete", "pin", "ban", "reply"]),
        "a reply": (write(parent=top), ["reject", "delete", "ban", "reply"]),
        "rejected": (write(status="rejected"), ["approve", "delete", "ban"]),
        "deleted": (write(status="deleted"), ["ban"]),
    }
    for name, (comment, actions) in comments.items():
        page = dashboard.get(f"/moderate/comments/{comment.id}").text
        assert re.findall(r'data-key-action="([a-z]+)"', page) == actions, name
    assert post(dashboard, site, f"/moderate/comments/{top.id}/pin").status_code == 303
    page = dashboard.get(f"/moderate/comments/{top.id}").text
    assert re.findall(r'data-key-action="([a-z]+)"', page) == ["reject", "delete", "unpin", "ban", "reply"]
    assert post(dashboard, site, f"/moderate/comments/{top.id}/promote").status_code == 404
