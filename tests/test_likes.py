"""Likes (issue 12, part 2): toggled per reader or guest key, capped per network, none on one's own
comment, gone with a ban; "top" ranks by them, paging frozen at its first page; counts show within
seconds without re-rendering the thread for every like."""
import re
import secrets
from datetime import timedelta

import pytest
from support import SITE_ORIGIN, add_moderator, csrf_of, queue_page

from widget.extensions import db
from widget.likes import BUMP_SECONDS, GUEST_LIKES_PER_NETWORK
from widget.models import Comment, Like, Reader, Thread
from widget.sites import set_policy
from widget.tokens import guest_key_hash


@pytest.fixture(autouse=True)
def generous_react_limit(app, monkeypatch):
    """Tests like often; the limit's own test sets it back."""
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_REACT", "100000 per second")


def like(client, site, comment_id, token=None, guest=None, ip="203.0.113.5"):
    headers = {"Origin": SITE_ORIGIN}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if guest:
        headers["X-Parley-Guest"] = guest
    return client.post(f"/embed/{site.key}/comments/{comment_id}/like", headers=headers,
                       environ_base={"REMOTE_ADDR": ip})


def guest_key():
    return secrets.token_urlsafe(32)


def count_of(comment):
    db.session.expire_all()
    return db.session.get(Comment, comment.id).like_count


def test_a_like_toggles_and_answers_the_count(client, site, write, reader_token):
    comment = write()
    _, token = reader_token()
    first = like(client, site, comment.id, token=token)
    assert first.status_code == 200 and first.json == {"liked": True, "likes": 1}
    assert like(client, site, comment.id, token=token).json == {"liked": False, "likes": 0}
    assert like(client, site, comment.id, token=token).json == {"liked": True, "likes": 1}
    assert count_of(comment) == 1
    # The unlike stays as history (top's frozen ranking reads it): one standing row, one removed.
    assert db.session.scalar(db.select(db.func.count()).select_from(Like).where(Like.removed.is_(None))) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Like)) == 2


def test_one_like_per_reader_and_per_guest_key(client, site, write, reader_token):
    comment = write()
    _, one = reader_token("One")
    _, two = reader_token("Two")
    key = guest_key()
    assert like(client, site, comment.id, token=one).json["likes"] == 1
    assert like(client, site, comment.id, token=two).json["likes"] == 2
    assert like(client, site, comment.id, guest=key).json["likes"] == 3
    # The same guest key again is its unlike, from whatever address.
    assert like(client, site, comment.id, guest=key, ip="198.51.100.7").json == {"liked": False, "likes": 2}


def test_nobody_likes_their_own_comment(client, reader, site, reader_token):
    _, token = reader_token()
    posted = client.post(f"/embed/{site.key}/comments?thread=article-1", data={"body": "My own words."},
                         headers={"Origin": SITE_ORIGIN, "Authorization": f"Bearer {token}"})
    assert posted.status_code == 201
    own = db.session.scalars(db.select(Comment)).one()
    refused = like(client, site, own.id, token=token)
    assert refused.status_code == 403 and "your own comment" in refused.json["error"]
    key = guest_key()
    guest_post = client.post(f"/embed/{site.key}/comments?thread=article-1",
                             data={"name": "Madi", "email": "madi@example.org", "body": "A guest's words."},
                             headers={"Origin": SITE_ORIGIN, "X-Parley-Guest": key})
    assert guest_post.status_code == 201
    guests_own = db.session.scalars(db.select(Comment).order_by(Comment.id.desc())).first()
    assert like(client, site, guests_own.id, guest=key).status_code == 403
    assert count_of(own) == count_of(guests_own) == 0


def test_guests_may_not_like_where_the_policy_says_so(client, site, write, reader_token):
    comment = write()
    set_policy(site, {"min_submit_seconds": 0, "guest_likes": False})
    refused = like(client, site, comment.id, guest=guest_key())
    assert refused.status_code == 403 and "Sign in" in refused.json["error"]
    _, token = reader_token()
    assert like(client, site, comment.id, token=token).status_code == 200
    # With neither a token nor a guest key, nobody is there to like.
    assert like(client, site, comment.id).status_code == 401


def test_guests_likes_are_capped_per_network_and_comment(client, site, write):
    comment, other = write(), write(body="Another comment.")
    network = "2001:db8:1:2::{}"
    for host in range(GUEST_LIKES_PER_NETWORK):
        assert like(client, site, comment.id, guest=guest_key(), ip=network.format(host + 1)).status_code == 200
    capped = like(client, site, comment.id, guest=guest_key(), ip="2001:db8:1:2:ffff::9")
    assert capped.status_code == 403 and "network" in capped.json["error"]
    # Another /64, or another comment, has its own few.
    assert like(client, site, comment.id, guest=guest_key(), ip="2001:db8:1:3::1").status_code == 200
    assert like(client, site, other.id, guest=guest_key(), ip="2001:db8:1:2::1").status_code == 200
    assert count_of(comment) == GUEST_LIKES_PER_NETWORK + 1


def test_likes_are_limited_per_reader(app, client, site, write, reader_token, monkeypatch):
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_REACT", "2 per minute")
    comment = write()
    _, token = reader_token()
    assert like(client, site, comment.id, token=token).status_code == 200
    assert like(client, site, comment.id, token=token).status_code == 200
    limited = like(client, site, comment.id, token=token)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_only_published_comments_of_the_site_from_its_pages(client, site, write, reader_token):
    _, token = reader_token()
    held = write(status="pending")
    assert like(client, site, held.id, token=token).status_code == 404
    published = write()
    foreign = client.post(f"/embed/{site.key}/comments/{published.id}/like",
                          headers={"Origin": "https://elsewhere.example.com", "Authorization": f"Bearer {token}"})
    assert foreign.status_code == 403


def test_a_ban_voids_the_banned_readers_likes_and_their_counts(client, dashboard, site, write, reader_token):
    add_moderator(sites=[site])
    dashboard.log_in()
    liked = write()
    troll, token = reader_token("Troll")
    for comment in (liked, write(body="Second.")):
        assert like(client, site, comment.id, token=token).status_code == 200
    bystander = guest_key()
    assert like(client, site, liked.id, guest=bystander).status_code == 200
    posted = client.post(f"/embed/{site.key}/comments?thread=article-1", data={"body": "Trolling."},
                         headers={"Origin": SITE_ORIGIN, "Authorization": f"Bearer {token}"})
    trolls = db.session.get(Comment, int(re.search(r'data-comment-id="(\d+)"', posted.text).group(1)))
    version = db.session.get(Thread, liked.thread_id).version
    page = queue_page(dashboard, site, "published")
    banned = dashboard.post(f"/moderate/comments/{trolls.id}/ban",
                            data={"csrf_token": csrf_of(page.text), "duration": "7d", "scope": "author"})
    assert banned.status_code == 303
    assert count_of(liked) == 1  # the bystander's stays
    assert db.session.scalar(db.select(db.func.sum(Comment.like_count))) == 1
    assert db.session.get(Thread, liked.thread_id).version > version  # readers see the counts fall
    standing = db.session.scalars(db.select(Like.liker).where(Like.removed.is_(None))).all()
    assert standing == [f"guest:{guest_key_hash(bystander)}"]
    assert db.session.get(Reader, troll.id) is not None  # their likes are voided, not their account


def test_a_guests_ban_voids_the_likes_of_the_key_that_wrote_it(client, dashboard, site, write):
    add_moderator(sites=[site])
    dashboard.log_in()
    liked = write()
    key = guest_key()
    assert like(client, site, liked.id, guest=key).status_code == 200
    posted = client.post(f"/embed/{site.key}/comments?thread=article-1",
                         data={"name": "Troll", "email": "troll@example.org", "body": "Trolling."},
                         headers={"Origin": SITE_ORIGIN, "X-Parley-Guest": key})
    trolls = int(re.search(r'data-comment-id="(\d+)"', posted.text).group(1))
    page = queue_page(dashboard, site, "published")
    dashboard.post(f"/moderate/comments/{trolls}/ban",
                   data={"csrf_token": csrf_of(page.text), "duration": "1d", "scope": "author"})
    assert count_of(liked) == 0


def ids_on(response):
    return [int(i) for i in re.findall(r'<article class="parley-comment" id="parley-c(\d+)"', response.text)]


def next_cursor(response):
    match = re.search(r'class="parley-more"[^>]*href="[^"]*after=([^&"]+)', response.text)
    return match and match.group(1)


def likes_from(client, site, comment, n):
    for _ in range(n):
        assert like(client, site, comment.id, guest=guest_key(), ip=f"198.51.100.{secrets.randbelow(250) + 1}").status_code == 200


def test_top_sorts_by_likes_then_replies_then_age(client, reader, site, write):
    old, replied, liked, liked_more = (write(body=f"Comment {n}.") for n in range(4))
    write(parent=replied, body="A reply.")
    likes_from(client, site, liked, 1)
    likes_from(client, site, liked_more, 2)
    likes_from(client, site, replied, 1)
    top_level = [i for i in ids_on(reader.thread(sort="top")) if i in {old.id, replied.id, liked.id, liked_more.id}]
    # liked_more (2 likes); then replied and liked with 1 each, replied first by its reply; then old.
    assert top_level == [liked_more.id, replied.id, liked.id, old.id]


def test_top_pages_neither_repeat_nor_skip_when_likes_arrive_between_them(client, reader, site, write):
    comments = [write(body=f"Comment {n}.") for n in range(30)]
    first = reader.thread(sort="top")
    shown = ids_on(first)
    cursor = next_cursor(first)
    assert len(shown) == 20 and cursor
    # Between the pages: two comments of the second page rise above the first page's, and one of
    # the first page gains a like.
    second_page = [c for c in comments if c.id not in shown]
    likes_from(client, site, second_page[0], 3)
    likes_from(client, site, second_page[5], 2)
    key = guest_key()
    assert like(client, site, comments[0].id, guest=key).json["liked"]
    rest = reader.thread(sort="top", after=cursor)
    assert rest.status_code == 200
    later = ids_on(rest)
    assert sorted(shown + later) == sorted(c.id for c in comments)
    # A fresh first page ranks by the likes now.
    assert ids_on(reader.thread(sort="top"))[:3] == [second_page[0].id, second_page[5].id, comments[0].id]


def test_a_frozen_cursor_ignores_likes_taken_back_after_it(client, reader, site, write):
    comments = [write(body=f"Comment {n}.") for n in range(25)]
    keys = [guest_key() for _ in comments]
    for comment, key in zip(comments, keys):  # each comment gets one like: ties break by age
        assert like(client, site, comment.id, guest=key, ip=f"192.0.2.{comment.id}").status_code == 200
    first = reader.thread(sort="top")
    shown, cursor = ids_on(first), next_cursor(first)
    for comment, key in zip(comments[:20], keys[:20]):  # the first page's likes are all taken back
        assert like(client, site, comment.id, guest=key, ip=f"192.0.2.{comment.id}").json["liked"] is False
    later = ids_on(reader.thread(sort="top", after=cursor))
    assert sorted(shown + later) == sorted(c.id for c in comments) and not set(shown) & set(later)


def test_a_storm_of_likes_bumps_the_version_at_most_once_a_window(client, reader, site, write):
    comment = write()
    thread_id = comment.thread_id

    def version():
        db.session.expire_all()
        return db.session.get(Thread, thread_id).version

    before = version()
    likes_from(client, site, comment, 1)
    assert version() == before + 1  # the first like of a quiet thread shows at once
    fragment = reader.thread()
    assert 'data-count="1"' in fragment.text
    likes_from(client, site, comment, 9)
    assert version() == before + 1  # nine more inside the window: no re-render
    assert reader.thread(headers={"If-None-Match": fragment.headers["ETag"]}).status_code == 304
    # The window passes (moved by editing the row, not by sleeping): the last likes show now,
    # with no write needed, and the next like bumps again.
    thread = db.session.get(Thread, thread_id)
    thread.likes_bumped_at -= timedelta(seconds=BUMP_SECONDS)
    db.session.commit()
    settled = reader.thread(headers={"If-None-Match": fragment.headers["ETag"]})
    assert settled.status_code == 200 and 'class="parley-likes" data-count="10"' in settled.text
    likes_from(client, site, comment, 1)
    assert version() == before + 2


def test_the_public_fragment_is_the_same_for_everyone(client, reader, site, write, reader_token):
    comment = write()
    _, token = reader_token()
    assert like(client, site, comment.id, token=token).json["liked"]
    db.session.get(Thread, comment.thread_id).likes_bumped_at -= timedelta(seconds=BUMP_SECONDS)
    db.session.commit()
    anonymous = reader.thread()
    mine = reader.thread(headers={"Authorization": f"Bearer {token}"})
    assert anonymous.text == mine.text
    assert 'aria-pressed="false"' in mine.text and 'aria-pressed="true"' not in mine.text
    # The pressed state travels with the personal form fragment.
    form = client.get(f"/embed/{site.key}/form", query_string={"thread": "article-1"},
                      headers={"Origin": SITE_ORIGIN, "Authorization": f"Bearer {token}"})
    assert f'data-liked="{comment.id}"' in form.text and "no-store" in form.headers["Cache-Control"]
    assert "data-liked" not in reader.form().text


def test_moderators_see_like_counts_in_the_queues(client, dashboard, site, write):
    add_moderator(sites=[site])
    dashboard.log_in()
    comment = write()
    likes_from(client, site, comment, 2)
    page = queue_page(dashboard, site, "published")
    assert re.search(rf'id="item-{comment.id}".*?<span class="likes" data-count="2">2 likes</span>', page.text, re.S)


def test_a_guests_network_is_forgotten_with_the_comments_ips(app, client, site, write):
    from widget.comments import erase_old_ips

    comment = write()
    likes_from(client, site, comment, 1)
    stored = db.session.scalars(db.select(Like)).one()
    stored.created -= timedelta(days=app.config["PARLEY_IP_RETENTION_DAYS"] + 1)
    db.session.commit()
    erase_old_ips(app.config["PARLEY_IP_RETENTION_DAYS"])
    db.session.expire_all()
    assert db.session.scalars(db.select(Like)).one().network is None
