"""Threads: finding and creating them, and reading them a page at a time.

A thread is stored with its first stored comment, never by a read: a view of an
unknown thread shows the empty thread and writes nothing.

A page is 20 top-level comments in the chosen order plus every reply beneath
them, in two queries whatever the thread's size; the first page opens with the
thread's editor's picks (pinned top-level comments), which then stay out of
the ordered pages. Pages are addressed by a
keyset cursor (the sort key of the last top-level comment shown), so page 500
costs what page 1 costs.
"""
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import and_, func, literal, not_, or_
from sqlalchemy.orm import defer, joinedload

from .extensions import db
from .likes import standing_at
from .models import Comment, Thread, commit_unique, utcnow
from .pages import fetch_title
from .sites import SiteError, normalize_origin
from .text import CONTROL_CHARACTERS, parse_id

PAGE_SIZE = 20
SORTS = ("oldest", "newest", "top")
# Shown under their parent before the rest fold behind "Show N more replies".
REPLIES_SHOWN = 5

THREAD_KEY_PATTERN = re.compile(r"[^\s\x00-\x1f\x7f]{1,255}")
TITLE_MAX = 300
URL_MAX = 2048


class BadCursor(ValueError):
    pass


def valid_thread_key(key):
    return bool(key) and THREAD_KEY_PATTERN.fullmatch(key) is not None


def find_thread(site, key):
    return db.session.execute(db.select(Thread).filter_by(site_id=site.id, key=key)).scalar_one_or_none()


def clean_title(title):
    """The article title on one line, without control characters, at most TITLE_MAX long."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", title or "").split())[:TITLE_MAX]


def clean_url(site, url):
    """The article URL if it is an http(s) URL on one of the site's origins, else ""."""
    url = (url or "").strip()
    if not url or len(url) > URL_MAX or re.search(r"[\x00-\x20\x7f]", url):
        return ""
    try:
        parts = urlsplit(url)
        origin = normalize_origin(f"{parts.scheme}://{parts.netloc}")
    except (SiteError, ValueError):
        return ""
    return url if site.allows_origin(origin) else ""


def get_or_create_thread(site, key, title="", url=""):
    """The site's thread `key`, created on first use (by its first stored comment, or an import)."""
    thread = find_thread(site, key)
    if thread is not None:
        if not thread.title and title:
            thread.title = clean_title(title)
            db.session.commit()
        return thread
    thread = Thread(site_id=site.id, key=key, title=clean_title(title), url=clean_url(site, url))
    db.session.add(thread)
    if not commit_unique():
        # Another request created it first: use theirs.
        return find_thread(site, key)
    return thread


def thread_of_first_comment(site, key, claimed_url, log):
    """The thread `key`, created for its first comment: the URL only if it is on the site's origins,
    the title only as that page gives it (see widget/pages.py), else blank."""
    url = clean_url(site, claimed_url)
    title = fetch_title(url, site.origins, site.key, key, log) if url else ""
    return get_or_create_thread(site, key, title, url)


def update_thread(thread, site, title, url):
    """A moderator's correction of a thread's title and URL; raises ValueError saying what is wrong."""
    if len(" ".join((title or "").split())) > TITLE_MAX:
        raise ValueError(f"A title has at most {TITLE_MAX} characters.")
    title, url = clean_title(title), (url or "").strip()
    if url and clean_url(site, url) != url:
        raise ValueError(f"The URL must be an http(s) address on one of the site's origins: {', '.join(site.origins)}.")
    thread.title, thread.url = title, url
    thread.version = Thread.version + 1
    return thread


def is_closed(thread, rules):
    """Closed by a moderator, or close_after_days after the thread's first comment (which created it)."""
    days = rules["close_after_days"]
    return thread.closed or bool(days and utcnow() >= thread.created + timedelta(days=days))


@dataclass(frozen=True)
class Viewer:
    """Who reads the thread: a signed-in reader's id, or the hash of a guest's widget key."""

    reader_id: int | None = None
    guest_key: str | None = None


ANONYMOUS = Viewer()


# Shown as a placeholder while published replies hang on them, so those replies (which the
# thread's count includes) stay in the thread; without replies they leave it.
PLACEHOLDERS = ("deleted", "rejected")


def visible(viewer=ANONYMOUS):
    """Comments a thread shows: published ones, deleted and rejected ones still holding
    published replies (as placeholders), and the viewer's own comments that await moderation."""
    shown = [Comment.status == "published", and_(Comment.status.in_(PLACEHOLDERS), Comment.reply_count > 0)]
    if viewer.reader_id is not None:
        shown.append(and_(Comment.status == "pending", Comment.reader_id == viewer.reader_id))
    if viewer.guest_key is not None:
        shown.append(and_(Comment.status == "pending", Comment.guest_key == viewer.guest_key))
    return or_(*shown)


def _rank(as_of):
    """What "top" sorts by first: a comment's likes as they stood at `as_of` (the first page's time),
    so likes given or taken back while a reader pages through can't move a comment across a page break."""
    return standing_at(Comment.id, as_of)


def _order(sort, as_of=None):
    if sort == "newest":
        return (Comment.id.desc(),)
    if sort == "top":
        return (_rank(as_of).desc(), Comment.reply_count.desc(), Comment.id.asc())
    return (Comment.id.asc(),)


def _sort_key(sort, comment, rank=None, as_of=None):
    """A comment's place in the order; for "top" with the likes it had at `as_of`, and `as_of` itself."""
    return (rank, comment.reply_count, comment.id, as_of_number(as_of)) if sort == "top" else (comment.id,)


def _comes_after(sort, key):
    if sort == "newest":
        return Comment.id < key[0]
    if sort == "top":
        likes, replies, last_id, as_of = key
        rank = _rank(as_of_time(as_of))
        return or_(rank < likes, and_(rank == likes, or_(
            Comment.reply_count < replies, and_(Comment.reply_count == replies, Comment.id > last_id))))
    return Comment.id > key[0]


EPOCH = datetime(1970, 1, 1)


def as_of_number(moment):
    """A cursor's time, in whole microseconds since 1970 (timestamps are stored to the microsecond)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def as_of_time(number):
    return EPOCH + timedelta(microseconds=number)


def encode_cursor(key):
    return ".".join(str(part) for part in key)


def decode_cursor(sort, cursor):
    """The sort key a cursor names: (id,), or for "top" (likes, replies, id, the first page's time),
    where likes and replies may be 0."""
    parts = cursor.split(".")
    if sort == "top" and len(parts) == 4:
        count = lambda part: 0 if part == "0" else parse_id(part)  # noqa: E731
        key = (count(parts[0]), count(parts[1]), parse_id(parts[2]),
               int(parts[3]) if parts[3].isascii() and parts[3].isdigit() and len(parts[3]) <= 17 else None)
    elif sort != "top" and len(parts) == 1:
        key = (parse_id(parts[0]),)
    else:
        raise BadCursor(cursor)
    if None in key:
        raise BadCursor(cursor)
    return key


# What a page loads of each comment: readers' names and avatars with their comments (no query
# per comment), and none of the columns a page never shows (the source text, the policy's
# reasons, the author's email and IP) to read and decode.
SHOWN_ONLY = (
    joinedload(Comment.reader),
    *(defer(column) for column in (Comment.body_source, Comment.reasons, Comment.author_email, Comment.ip,
                                   Comment.guest_key)),
)


@dataclass
class Page:
    roots: list
    # parent id -> its visible replies, oldest first
    replies: dict = field(default_factory=dict)
    next_cursor: str | None = None


def _roots_query(thread, viewer=ANONYMOUS):
    """The top-level comments the ordered pages hold: all but the editor's picks."""
    return db.select(Comment).where(Comment.thread_id == thread.id, Comment.parent_id.is_(None),
                                    Comment.pinned.is_(False), visible(viewer))


def _picks_query(thread):
    return db.select(Comment).where(Comment.thread_id == thread.id, Comment.pinned.is_(True),
                                    Comment.parent_id.is_(None), Comment.status == "published")


def load_page(thread, sort="oldest", after=None, viewer=ANONYMOUS):
    """One page of `thread`: top-level comments after the cursor `after`, with their replies;
    the first page starts with the editor's picks."""
    query = _roots_query(thread, viewer)
    as_of = utcnow()
    if after is not None:
        key = decode_cursor(sort, after)
        query = query.where(_comes_after(sort, key))
        if sort == "top":
            as_of = as_of_time(key[3])
    query = query.options(*SHOWN_ONLY).add_columns(_rank(as_of) if sort == "top" else literal(None))
    rows = db.session.execute(query.order_by(*_order(sort, as_of)).limit(PAGE_SIZE + 1)).all()
    roots = [comment for comment, _ in rows[:PAGE_SIZE]]
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        last, rank = rows[PAGE_SIZE - 1]
        next_cursor = encode_cursor(_sort_key(sort, last, rank, as_of))
    if after is None:
        picks = db.session.scalars(_picks_query(thread).options(*SHOWN_ONLY).order_by(Comment.id))
        roots = [*picks, *roots]
    page = Page(roots=roots, next_cursor=next_cursor)
    if roots:
        replies = db.session.scalars(
            db.select(Comment)
            .options(*SHOWN_ONLY)
            .where(Comment.root_id.in_([root.id for root in roots]), visible(viewer))
            .order_by(Comment.id)
        )
        for reply in replies:
            page.replies.setdefault(reply.parent_id, []).append(reply)
    return page


def cursor_before(thread, sort, comment_id):
    """The cursor of the page holding comment `comment_id`: None for the first page.

    Raises LookupError when the comment isn't visible in this thread.
    """
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.thread_id != thread.id or comment.status not in ("published", *PLACEHOLDERS):
        raise LookupError(comment_id)
    root = db.session.get(Comment, comment.root_id) if comment.root_id else comment
    if root.pinned and root.status == "published":
        return None  # the picks open the first page
    as_of = utcnow()
    rank = db.session.scalar(db.select(standing_at(root.id, as_of))) if sort == "top" else None
    key = _sort_key(sort, root, rank, as_of)
    ahead = db.session.scalar(
        db.select(func.count()).select_from(
            _roots_query(thread).where(not_(_comes_after(sort, key)), Comment.id != root.id).subquery()
        )
    )
    first_on_page = ahead - ahead % PAGE_SIZE
    if first_on_page == 0:
        return None
    last_of_previous_page, last_rank = db.session.execute(
        _roots_query(thread).add_columns(_rank(as_of) if sort == "top" else literal(None))
        .order_by(*_order(sort, as_of)).offset(first_on_page - 1).limit(1)
    ).one()
    return encode_cursor(_sort_key(sort, last_of_previous_page, last_rank, as_of))
