"""Public thread fragments are rendered once per version and served from each process's cache;
any write, through any instance, shows at the next read."""
import pytest
from sqlalchemy import event
from support import SECRET_KEY, SITE_ORIGIN

from widget import create_app
from widget.extensions import db


def thread(client, site, **params):
    return client.get(f"/embed/{site.key}/thread", query_string={"thread": "article-1", **params},
                      headers={"Origin": SITE_ORIGIN})


class StatementCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.seen)
        return self

    def seen(self, *args):
        self.count += 1

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.seen)


def statements_of(app, request):
    with app.app_context(), StatementCounter(db.engine) as counter:
        request()
    return counter.count


def test_the_sql_of_a_fragment_doesnt_grow_with_the_thread(app, client, site, write):
    def uncached_render(sort):
        app.extensions["parley_fragments"]._bodies.clear()
        return statements_of(app, lambda: thread(client, site, sort=sort))

    small_thread = write(body="First")
    write(body="A reply", parent=small_thread)
    small = {sort: uncached_render(sort) for sort in ("oldest", "newest", "top")}
    for n in range(30):  # more than a page of top-level comments, with replies at three depths
        parent = write(body=f"Comment {n}")
        child = write(body=f"Reply to {n}", parent=parent)
        write(body=f"Reply to the reply {n}", parent=child)
    large = {sort: uncached_render(sort) for sort in ("oldest", "newest", "top")}
    assert large == small


def test_a_second_read_is_served_from_the_cache(app, client, site, write):
    write(body="Cache me")
    first = thread(client, site)
    cached_statements = statements_of(app, lambda: thread(client, site))
    again = thread(client, site)
    assert again.text == first.text and again.headers["ETag"] == first.headers["ETag"]
    # One query reads the site and thread versions the ETag is built from; no comment is read.
    assert cached_statements == 1
    assert statements_of(app, lambda: thread(client, site, sort="newest")) > cached_statements


def test_every_kind_of_write_shows_at_the_next_read(app, client, site, write):
    from widget.moderation import apply
    from widget.models import Comment, Moderator
    from widget.sites import set_policy

    comment = write(body="Before")
    before = thread(client, site)
    write(body="A new one")
    after_post = thread(client, site)
    assert "A new one" in after_post.text and after_post.headers["ETag"] != before.headers["ETag"]
    moderator = Moderator(email="m@example.org", password_hash="x", is_admin=True)
    db.session.add(moderator)
    db.session.commit()
    apply(db.session.get(Comment, comment.id), "reject", moderator)
    after_decision = thread(client, site)
    assert "Before" not in after_decision.text
    set_policy(site, {"min_length": 3})
    assert thread(client, site).headers["ETag"] != after_decision.headers["ETag"]


def test_a_change_of_a_comments_text_alone_shows_at_the_next_read(app, client, site, write):
    from widget.models import Comment, Thread

    edited, unchanged = write(body="Frist!"), write(body="Nice piece.")
    assert "Frist!" in thread(client, site).text
    markup = app.extensions["parley_comment_markup"]
    entries = len(markup)
    # What an edit will write: the text, and the thread's version, as every write bumps it.
    db.session.execute(db.update(Comment).where(Comment.id == edited.id)
                       .values(body_source="First!", body_html="<p>First!</p>"))
    db.session.execute(db.update(Thread).where(Thread.id == edited.thread_id).values(version=Thread.version + 1))
    db.session.commit()
    page = thread(client, site).text
    assert "<p>First!</p>" in page and "Frist!" not in page and "Nice piece." in page
    assert len(markup) == entries + 1  # only the changed comment was rendered again


def test_signed_in_and_guest_key_views_are_never_taken_from_or_put_in_the_cache(app, client, site, write):
    # Emptied first, so an entry put there can't hide behind one the LRU let go.
    app.extensions["parley_fragments"]._bodies.clear()
    write(body="Public")
    held = write(body="Mine, held", status="pending")
    held.guest_key = "k" * 64
    db.session.commit()
    thread(client, site)
    entries = len(app.extensions["parley_fragments"])
    from widget.tokens import GUEST_KEY_HEADER
    mine = client.get(f"/embed/{site.key}/thread?thread=article-1",
                      headers={"Origin": SITE_ORIGIN, GUEST_KEY_HEADER: "any-key"})
    assert mine.headers["Cache-Control"].startswith("private")
    assert len(app.extensions["parley_fragments"]) == entries


@pytest.fixture
def second_instance(migrated_app, database_url):
    """Another Parley process on the same database, with its own fragment cache."""
    from support import GENEROUS_LIMITS

    other = create_app({"PARLEY_SECRET_KEY": SECRET_KEY, "PARLEY_DATABASE_URL": database_url,
                        "TESTING": True, **GENEROUS_LIMITS})
    yield other
    with other.app_context():
        db.engine.dispose()


def test_a_write_through_one_instance_shows_on_the_other_at_once(app, client, site, write, second_instance):
    write(body="Seen by both")
    other = second_instance.test_client()
    assert "Seen by both" in thread(other, site).text  # now in the second instance's cache
    reader_post = client.post(f"/embed/{site.key}/comments?thread=article-1", headers={"Origin": SITE_ORIGIN},
                              data={"name": "Madi", "email": "madi@example.org", "body": "Posted on the first"})
    assert reader_post.status_code == 201
    assert "Posted on the first" in thread(other, site).text
