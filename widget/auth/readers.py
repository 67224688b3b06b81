"""Readers' accounts: one per provider and subject, brought up to date at every sign-in."""
from sqlalchemy import select, update

from ..extensions import db
from ..models import Comment, Reader, Thread, commit_unique


def save_reader(provider_name, profile):
    """The Reader for this provider account, created or updated from `profile`."""
    def find():
        return db.session.execute(
            db.select(Reader).filter_by(provider=provider_name, subject=profile.subject)
        ).scalar_one_or_none()

    reader = find()
    if reader is None:
        reader = Reader(provider=provider_name, subject=profile.subject)
        db.session.add(reader)
    elif (reader.name, reader.avatar_url) != (profile.name, profile.avatar_url):
        # Threads show readers' current names and pictures: cached copies of theirs go stale.
        commented = select(Comment.thread_id).where(Comment.reader_id == reader.id)
        db.session.execute(update(Thread).where(Thread.id.in_(commented)).values(version=Thread.version + 1))
    reader.name, reader.email, reader.avatar_url = profile.name, profile.email, profile.avatar_url
    if not commit_unique():
        # The same account signed in twice at once: update the row the other request made.
        reader = find()
        reader.name, reader.email, reader.avatar_url = profile.name, profile.email, profile.avatar_url
        db.session.commit()
    return reader
