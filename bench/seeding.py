"""The benchmark's data: one site, a 50-comment thread, a 10,000-comment thread, a thread to POST to.

Seeded through Parley's own code on a database the migrations built: the site by
widget.sites, its policy by widget.policy, the 50 comments by widget.comments.save_comment
(one write each, as a POST makes them), the 10,000 through the ORM in bulk with the same
counters save_comment keeps (root_id, depth, reply_count, Thread.comment_count and version).
"""
import random
import sqlite3
import threading
import time

from flask_migrate import upgrade
from sqlalchemy import func, select

from widget import create_app
from widget.comments import Draft, save_comment
from widget.extensions import db
from widget.models import Comment, Thread
from widget.policy import validate_policy
from widget.render import render_markdown
from widget.sites import create_site, set_policy
from widget.threads import get_or_create_thread

ORIGIN = "http://127.0.0.1:9"  # the news site's origin; nothing needs to listen there
SMALL_THREAD, BIG_THREAD, POST_THREAD = "bench-50", "bench-10000", "bench-posts"
ARTICLE_TITLE = "The foreign policy of Kazakhstan to remain largely unchanged"
BIG_ROOTS = 2_000  # x (1 + 4 replies) = 10,000 comments

NAMES = ["Aigerim K.", "Daniyar", "Olga P.", "Marat", "Saule T.", "Yerlan", "Dana", "Timur B.", "Asel", "Ruslan"]
SENTENCES = [
    "A multi-vector approach has served Kazakhstan well since independence.",
    "The interesting part is how the **Path to Europe** programme will be funded.",
    "Trade turnover of US$25 billion is a good start, but most of it is still oil and gas.",
    "Will the new priorities change anything for small businesses in Almaty?",
    "The ministry's own figures are at https://example.org/trade-2024 for anyone who wants them.",
    "I'd like to see more about the *Middle Corridor* and what it means for transit fees.",
    "Neighbours will watch how the balance with Moscow and Beijing holds up.",
    "> most of it is still oil and gas\n\nAnd grain, which people forget.",
]


def comment_body(rng):
    return " ".join(rng.sample(SENTENCES, rng.randint(2, 3)))


def conversation(roots, rng):
    """(author, parent index or None, body) for `roots` top-level comments with 4 replies each:
    two replies to the comment itself, each answered once (so depths 0, 1 and 2 all appear)."""
    comments = []
    for _ in range(roots):
        root = len(comments)
        comments.append((rng.choice(NAMES), None, comment_body(rng)))
        for _ in range(2):
            reply = len(comments)
            comments.append((rng.choice(NAMES), root, comment_body(rng)))
            comments.append((rng.choice(NAMES), reply, comment_body(rng)))
    return comments


def bench_policy():
    """The policy the POSTs go through: every rule on, word lists of realistic length,
    and min_submit_seconds 0 so the benchmark can post as soon as it has the form."""
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"

    def words(count, suffix=""):
        return sorted({"".join(rng.choice(letters) for _ in range(rng.randint(7, 11))) + suffix
                       for _ in range(count)})

    return validate_policy({
        "banned_words": words(250) + words(250, "*"),
        "suspect_words": words(100) + words(100, "*"),
        "blocked_domains": [f"{word}.example" for word in words(100)],
        "min_submit_seconds": 0,
    })


def seed_parley(database_url, secret_key, small_conversation):
    """Migrate the database at `database_url` and seed it; returns the site's key."""
    app = create_app({"PARLEY_DATABASE_URL": database_url, "PARLEY_SECRET_KEY": secret_key})
    with app.app_context():
        upgrade()
        site = create_site("Bench News", [ORIGIN])
        set_policy(site, bench_policy())
        url = ORIGIN + "/news/article"
        small = get_or_create_thread(site, SMALL_THREAD, ARTICLE_TITLE, url)
        posted = []
        for name, parent, body in small_conversation:
            draft = Draft(small, posted[parent] if parent is not None else None, name,
                          f"{name.split()[0].lower()}@example.org", None, body, None)
            posted.append(save_comment(draft, "published"))
        big = get_or_create_thread(site, BIG_THREAD, ARTICLE_TITLE, url)
        seed_in_bulk(site, big, conversation(BIG_ROOTS, random.Random(10_000)))
        get_or_create_thread(site, POST_THREAD, ARTICLE_TITLE, url)
        check_counts(small, len(small_conversation))
        check_counts(big, BIG_ROOTS * 5)
        key = site.key
        db.engine.dispose()
    return key


def seed_in_bulk(site, thread, comments):
    """`comments` as one transaction, level by level so every parent has its id first."""
    rendered = {}
    rows = [None] * len(comments)
    depths = []
    for _, parent_index, _ in comments:
        depths.append(0 if parent_index is None else depths[parent_index] + 1)
    for depth in (0, 1, 2):
        level = []
        for index, (name, parent_index, body) in enumerate(comments):
            if depths[index] != depth:
                continue
            parent = rows[parent_index] if parent_index is not None else None
            if body not in rendered:
                rendered[body] = render_markdown(body)
            rows[index] = Comment(
                site_id=site.id, thread_id=thread.id, parent_id=parent.id if parent else None,
                root_id=(parent.root_id or parent.id) if parent else None, depth=depth,
                author_name=name, author_email=f"{name.split()[0].lower()}@example.org",
                body_source=body, body_html=rendered[body], status="published",
            )
            level.append(rows[index])
        db.session.add_all(level)
        db.session.flush()
    by_id = {row.id: row for row in rows}
    for row in rows:
        for ancestor in {row.parent_id, row.root_id} - {None}:
            by_id[ancestor].reply_count += 1
    thread.comment_count = len(rows)
    thread.version = thread.version + 1
    db.session.commit()


def check_counts(thread, expected):
    """The counters agree with the rows: what the thread shows is what was seeded."""
    published = db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.thread_id == thread.id, Comment.status == "published"))
    db.session.refresh(thread)
    if not published == thread.comment_count == expected:
        raise RuntimeError(f"thread {thread.key}: {published} rows, comment_count {thread.comment_count}, "
                           f"expected {expected}")
    replies = db.session.scalar(select(func.sum(Comment.reply_count)).where(Comment.thread_id == thread.id))
    # Each comment at depth d counts once under each of its d ancestors.
    ancestors = db.session.scalar(select(func.sum(Comment.depth)).where(Comment.thread_id == thread.id))
    if replies != ancestors:
        raise RuntimeError(f"thread {thread.key}: reply counts {replies}, expected {ancestors}")
    if db.session.get(Thread, thread.id).version < 2:
        raise RuntimeError(f"thread {thread.key}: version never bumped")


class VersionBumper:
    """Bumps a thread's version in the database `rate` times a second from its own thread, as every
    comment write does (widget.comments.save_comment), so nearly every read comes just after a
    write: the fragment's ETag, and any cache keyed on it, change under each read.

    Plain DB-API on its own connection, with durability off for these updates only: the
    benchmark measures the reads, not the disk.
    """

    def __init__(self, database_url, site_key, thread_key, rate):
        self.database_url, self.site_key, self.thread_key = database_url, site_key, thread_key
        self.interval = 1 / rate
        self.bumps, self.cpu_seconds = 0, 0.0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def connect(self):
        if self.database_url.startswith("sqlite:///"):
            connection = sqlite3.connect(self.database_url[len("sqlite:///"):], isolation_level=None, timeout=5)
            connection.execute("PRAGMA synchronous = OFF")
            return connection, "?"
        import psycopg

        connection = psycopg.connect(self.database_url, autocommit=True)
        connection.execute("SET synchronous_commit = off")
        return connection, "%s"

    def loop(self):
        connection, mark = self.connect()
        started_cpu = time.thread_time()
        thread_id = connection.execute(
            f"SELECT threads.id FROM threads JOIN sites ON sites.id = threads.site_id "
            f"WHERE sites.key = {mark} AND threads.key = {mark}", (self.site_key, self.thread_key)).fetchone()[0]
        bump = f"UPDATE threads SET version = version + 1 WHERE id = {mark}"
        next_at = time.perf_counter()
        while not self.stop_event.wait(max(0.0, next_at - time.perf_counter())):
            next_at += self.interval
            connection.execute(bump, (thread_id,))
            self.bumps += 1
        self.cpu_seconds = time.thread_time() - started_cpu
        connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(10)
