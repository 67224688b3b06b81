"""The demo's data: the news site's registration and a conversation to start from."""
from werkzeug.security import generate_password_hash

from widget.comments import Draft, save_comment
from widget.extensions import db
from widget.models import Moderator, Site
from widget.sites import create_site, update_site
from widget.threads import get_or_create_thread

from .site import ARTICLE_PATH, THREAD_KEY

SITE_NAME = "Central Asia News (demo)"
MODERATOR_EMAIL = "moderator@demo.example"
ARTICLE_TITLE = "The foreign policy of Kazakhstan to remain largely unchanged"

CONVERSATION = [
    ("Aigerim K.", None, (
        "A multi-vector approach has served Kazakhstan well since independence. "
        "The interesting part is how the **Path to Europe** programme will be funded."
    )),
    ("Daniyar", 0, "Trade turnover of US$25 billion is a good start, but most of it is still oil and gas."),
    ("Olga P.", None, "Will the new priorities change anything for small businesses in Almaty?"),
]


def seed_demo(news_origin):
    """The demo site (created or brought up to date) and its seeded thread; returns the site."""
    site = db.session.execute(db.select(Site).filter_by(name=SITE_NAME)).scalar_one_or_none()
    if site is None:
        site = create_site(SITE_NAME, [news_origin])
    elif news_origin not in site.origins:
        update_site(site, origins=[news_origin])
    thread = get_or_create_thread(site, THREAD_KEY, ARTICLE_TITLE, news_origin + ARTICLE_PATH)
    if thread.comment_count == 0:
        posted = []
        for name, parent_index, body in CONVERSATION:
            parent = posted[parent_index] if parent_index is not None else None
            draft = Draft(thread, parent, name, f"{name.split()[0].lower()}@example.org", None, body, None)
            posted.append(save_comment(draft, "published"))
    return site


def seed_moderator(site, password):
    """The demo's moderator of the demo site, with `password` (kept in instance/)."""
    moderator = db.session.execute(db.select(Moderator).filter_by(email=MODERATOR_EMAIL)).scalar_one_or_none()
    if moderator is None:
        moderator = Moderator(email=MODERATOR_EMAIL, name="Demo moderator", sites=[site],
                              password_hash=generate_password_hash(password))
        db.session.add(moderator)
        db.session.commit()
    return moderator
