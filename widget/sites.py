"""Registering sites: keys, the origins they embed Parley on, their settings."""
import re
import secrets
from urllib.parse import urlsplit

from .extensions import db
from .models import Moderator, Site, moderator_sites
from .render import render_markdown

SITE_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
PROVIDER_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,39}")


class SiteError(ValueError):
    """A site's settings were refused; the message says why."""


def normalize_origin(url):
    """"HTTPS://News.Example.org:443/" -> "https://news.example.org"; refuse anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SiteError(f"{url!r} is not an origin: it needs http:// or https:// and a host name.")
    if parts.username or parts.password or parts.query or parts.fragment or parts.path not in ("", "/"):
        raise SiteError(f"{url!r} is not an origin: give only scheme, host and port, like https://news.example.org.")
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        raise SiteError(f"{url!r} has an invalid port.") from None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" if port in (None, default_port) else f"{scheme}://{host}:{port}"


def normalize_origins(urls):
    origins = []
    for url in urls:
        origin = normalize_origin(url)
        if origin not in origins:
            origins.append(origin)
    if not origins:
        raise SiteError("A site needs at least one origin.")
    return origins


def check_name(name):
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise SiteError("A site's name must be 1 to 200 characters.")
    return name


def check_providers(names):
    providers = []
    for name in names:
        name = name.strip().lower()
        if not PROVIDER_NAME_PATTERN.fullmatch(name):
            raise SiteError(f"{name!r} is not a provider name (letters, digits, - and _).")
        if name not in providers:
            providers.append(name)
    return providers


def find_site(key):
    """The site with this key, or None (malformed keys never reach the database)."""
    if not key or not SITE_KEY_PATTERN.fullmatch(key):
        return None
    return db.session.execute(db.select(Site).filter_by(key=key)).scalar_one_or_none()


def new_site_key():
    """16 URL-safe random characters, never starting with "-" or "_": a key that
    starts with "-" would read as an option on the command line."""
    while True:
        key = secrets.token_urlsafe(12)
        if key[0].isalnum():
            return key


def create_site(name, origins):
    site = add_site(name, origins)
    db.session.commit()
    return site


def add_site(name, origins):
    """A new site, not yet committed (an admin's commits it with its audit entry); it has its id."""
    site = Site(
        key=new_site_key(),
        name=check_name(name),
        origins=normalize_origins(origins),
        settings={},
    )
    db.session.add(site)
    db.session.flush()
    return site


def update_site(site, name=None, origins=None, providers=None):
    """Change what is given; bumping the site's version makes every cached fragment stale."""
    if name is not None:
        site.name = check_name(name)
    if origins is not None:
        site.origins = normalize_origins(origins)
    if providers is not None:
        site.settings = {**site.settings, "providers": check_providers(providers)}
    site.version = Site.version + 1
    db.session.commit()
    return site


def set_policy(site, rules):
    """Store the owner's policy keys (already validated); every fragment of the site goes stale.

    The owner's text is rendered here, once, like a comment: the policy page only shows it.
    """
    text_html = render_markdown(rules.get("text", ""))
    site.settings = {**site.settings, "policy": rules, "policy_text_html": text_html}
    site.version = Site.version + 1
    db.session.commit()
    return site


def staff_names(site):
    """The names of the site's moderators and of every admin: guests may not post under them."""
    assigned = db.select(moderator_sites.c.moderator_id).where(moderator_sites.c.site_id == site.id)
    return db.session.scalars(
        db.select(Moderator.name).where(Moderator.name != "", db.or_(Moderator.is_admin, Moderator.id.in_(assigned)))
    ).all()
