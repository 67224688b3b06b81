"""Admins' dashboard pages: sites, moderators, each site's settings and comment policy (issue 5)."""
import html
import re

import pytest
from support import SITE_ORIGIN, add_moderator, policy_form

from widget.extensions import db
from widget.models import AuditEntry, Moderator, Site
from widget.moderate.settings import POLICY_SECTIONS
from widget.policy import DEFAULT_POLICY, site_policy
from widget.providers import Provider
from widget.sites import create_site

ADMIN = "admin@parley.example"
MODERATOR = "mod@news.example.org"


@pytest.fixture
def admin(app):
    return add_moderator(ADMIN, admin=True)


@pytest.fixture
def as_admin(open_dashboard, admin):
    client = open_dashboard()
    assert client.log_in(ADMIN).status_code == 303
    return client


@pytest.fixture
def as_moderator(open_dashboard, site):
    """A plain moderator of `site`, signed in."""
    add_moderator(MODERATOR, sites=[site])
    client = open_dashboard()
    assert client.log_in(MODERATOR).status_code == 303
    return client


@pytest.fixture
def providers(app, monkeypatch):
    """Three configured sign-in providers (their servers are never reached here)."""
    configured = {name: Provider(name=name, label=name.title(), kind="oidc", registration={})
                  for name in ("demo", "facebook", "github")}
    monkeypatch.setitem(app.config, "PARLEY_PROVIDERS", configured)
    return configured


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def audit_entries(site, action):
    return db.session.scalars(
        db.select(AuditEntry).filter_by(site_id=site.id, action=action).order_by(AuditEntry.id)).all()


def errors_of(page):
    """{field name: [messages]} from the .field-error elements of a page."""
    found = {}
    for field, message in re.findall(r'<p class="field-error" data-field="([^"]+)">([^<]*)</p>', page):
        found.setdefault(field, []).append(html.unescape(message))
    return found


def text_of(response):
    return html.unescape(response.text)


# Sites


def test_an_admin_adds_a_site_and_is_shown_its_key(as_admin, admin):
    answer = as_admin.submit("/moderate/sites", {
        "name": "  The  Steppe Herald ",
        "origins": "https://herald.example\nHTTPS://Herald.example:443/\n\nhttp://localhost:8000"})
    assert answer.status_code == 303
    site = db.session.execute(db.select(Site)).scalar_one()
    assert (site.name, site.origins) == ("The Steppe Herald", ["https://herald.example", "http://localhost:8000"])
    assert answer.headers["Location"].endswith(f"/moderate/sites/{site.key}/settings")
    page = as_admin.get(answer.headers["Location"])
    assert f"Its key, for data-site in the embed snippet: {site.key}" in page.text
    assert f'data-site="{site.key}"' in page.text
    [entry] = audit_entries(site, "site")
    assert entry.moderator_id == admin.id and entry.comment_id is None and "created" in entry.note
    assert f'data-site="{site.key}"' in as_admin.get("/moderate/sites").text


def test_a_site_that_breaks_the_rules_is_422_with_messages_and_not_stored(as_admin):
    answer = as_admin.submit("/moderate/sites", {"name": "  ", "origins": "ftp://herald.example"})
    assert answer.status_code == 422
    errors = errors_of(answer.text)
    assert errors["name"] == ["A site's name must be 1 to 200 characters."]
    assert "is not an origin" in errors["origins"][0]
    assert "ftp://herald.example" in answer.text  # the admin's input comes back to fix
    no_origin = as_admin.submit("/moderate/sites", {"name": "Herald", "origins": ""})
    assert no_origin.status_code == 422
    assert errors_of(no_origin.text)["origins"] == ["A site needs at least one origin."]
    assert count(Site) == 0 and count(AuditEntry) == 0


def test_an_admin_changes_a_sites_name_origins_and_sign_in_buttons(as_admin, client, site, providers):
    version = site.version
    answer = as_admin.submit(f"/moderate/sites/{site.key}/settings", {
        "name": "Central Asia News Daily", "origins": f"{SITE_ORIGIN}\nhttps://m.news.example.org",
        "providers": "github, demo"})
    assert answer.status_code == 303
    db.session.refresh(site)
    assert site.name == "Central Asia News Daily"
    assert site.origins == [SITE_ORIGIN, "https://m.news.example.org"]
    assert site.settings["providers"] == ["github", "demo"] and site.version > version
    [entry] = audit_entries(site, "site")
    assert "name 'Central Asia News' → 'Central Asia News Daily'" in entry.note
    assert "sign-in all configured → github,demo" in entry.note
    # The widget follows at once: the new origin may post, the buttons come in the chosen order.
    form = client.get(f"/embed/{site.key}/form?thread=a1", headers={"Origin": "https://m.news.example.org"})
    assert form.status_code == 200
    assert re.findall(r'class="parley-login[^"]*"[^>]*data-provider="(\w+)"', form.text) == ["github", "demo"]


def test_site_settings_are_validated_and_nothing_is_stored(as_admin, site, providers):
    before = (site.name, list(site.origins), dict(site.settings), site.version)
    answer = as_admin.submit(f"/moderate/sites/{site.key}/settings", {
        "name": "Renamed", "origins": "https://news.example.org/articles", "providers": "github, myspace"})
    assert answer.status_code == 422
    errors = errors_of(answer.text)
    assert "give only scheme, host and port" in errors["origins"][0]
    assert errors["providers"] == ["Not configured on this server: myspace. Choose among: demo, facebook, github."]
    db.session.refresh(site)
    assert (site.name, site.origins, site.settings, site.version) == before
    assert count(AuditEntry) == 0


def test_saving_unchanged_settings_changes_nothing(as_admin, site, providers):
    version = site.version
    page = as_admin.get(f"/moderate/sites/{site.key}/settings")
    assert 'value="demo, facebook, github"' in page.text  # never chosen: every configured provider shows
    answer = as_admin.submit(f"/moderate/sites/{site.key}/settings", {
        "name": site.name, "origins": SITE_ORIGIN, "providers": "demo, facebook, github"})
    assert "Nothing changed." in as_admin.get(answer.headers["Location"]).text
    db.session.refresh(site)
    assert site.version == version and "providers" not in site.settings and count(AuditEntry) == 0


# Moderators


def test_an_admin_adds_a_moderator_who_can_then_moderate_their_site(open_dashboard, as_admin, admin, site):
    other = create_site("Other Paper", ["https://other.example"])
    answer = as_admin.submit("/moderate/moderators", {
        "email": " Aigul@News.Example.org ", "name": "Aigul", "password": "a long enough secret", "sites": [site.key]})
    assert answer.status_code == 303
    moderator = db.session.execute(db.select(Moderator).filter_by(email="aigul@news.example.org")).scalar_one()
    assert moderator.password_hash.startswith("scrypt:") and "a long enough secret" not in moderator.password_hash
    assert [s.key for s in moderator.sites] == [site.key] and not moderator.is_admin and moderator.name == "Aigul"
    [entry] = audit_entries(site, "moderators")
    assert entry.note == "added moderator aigul@news.example.org" and entry.moderator_id == admin.id
    assert "aigul@news.example.org" in as_admin.get("/moderate/moderators").text
    theirs = open_dashboard()
    assert theirs.log_in("aigul@news.example.org", "a long enough secret").status_code == 303
    assert theirs.get(f"/moderate/queue/pending?site={site.key}").status_code == 200
    assert theirs.get(f"/moderate/queue/pending?site={other.key}").status_code == 404


def test_a_moderator_that_breaks_the_rules_is_422_with_messages_and_not_stored(as_admin, site):
    answer = as_admin.submit("/moderate/moderators", {
        "email": "not an address", "password": "short", "sites": ["no-such-site"], "name": "x" * 81})
    assert answer.status_code == 422
    errors = errors_of(answer.text)
    assert errors["email"] == ["Give an email address, like mod@news.example.org."]
    assert errors["password"] == ["A password has at least 10 characters."]
    assert errors["name"] == ["A name has at most 80 characters."]
    assert "not a valid choice" in errors["sites"][0]
    again = as_admin.submit("/moderate/moderators",
                           {"email": ADMIN.upper(), "password": "a long enough secret"})
    assert again.status_code == 422
    assert errors_of(again.text)["email"] == [f"A moderator with the email {ADMIN} exists already."]
    assert count(Moderator) == 1 and count(AuditEntry) == 0


def test_an_admin_changes_a_moderators_sites_and_admin_flag(as_admin, site):
    other = create_site("Other Paper", ["https://other.example"])
    moderator = add_moderator(MODERATOR, sites=[site])
    answer = as_admin.submit(f"/moderate/moderators/{moderator.id}", {"sites": [other.key], "is_admin": "y"})
    assert answer.status_code == 303
    db.session.refresh(moderator)
    assert moderator.is_admin and [s.key for s in moderator.sites] == [other.key]
    assert [e.note for e in audit_entries(site, "moderators")] == [f"removed moderator {MODERATOR}"]
    assert [e.note for e in audit_entries(other, "moderators")] == [f"added moderator {MODERATOR}"]
    page = as_admin.get(f"/moderate/moderators/{moderator.id}").text
    assert re.search(rf'value="{other.key}"[^>]*checked|checked[^>]*value="{other.key}"', page)


def test_an_admin_cant_demote_or_remove_themself(as_admin, admin, site):
    answer = as_admin.submit(f"/moderate/moderators/{admin.id}", {"sites": [site.key]})
    assert answer.status_code == 422
    assert errors_of(answer.text)["is_admin"] == ["You can't take away your own admin rights; another admin can."]
    own_page = as_admin.get(f"/moderate/moderators/{admin.id}").text
    assert "/remove" not in own_page
    removal = as_admin.submit(f"/moderate/moderators/{admin.id}/remove", {})
    assert "You can't remove your own account" in text_of(as_admin.get(removal.headers["Location"]))
    db.session.refresh(admin)
    assert admin.is_admin and admin.sites == [] and count(AuditEntry) == 0
    assert as_admin.get("/moderate/sites").status_code == 200


def test_a_removed_moderator_is_signed_out_and_can_sign_in_no_more_but_stays_in_the_audit_log(
        open_dashboard, as_admin, admin, site, write):
    moderator = add_moderator(MODERATOR, sites=[site])
    theirs = open_dashboard()
    theirs.log_in(MODERATOR)
    held = write(status="pending")
    assert theirs.submit(f"/moderate/comments/{held.id}/approve", {}).status_code == 303
    answer = as_admin.submit(f"/moderate/moderators/{moderator.id}/remove", {})
    assert answer.status_code == 303
    assert theirs.get(f"/moderate/queue/pending?site={site.key}").status_code == 303  # to the login page
    assert theirs.log_in(MODERATOR).status_code == 401
    assert f'data-moderator-id="{moderator.id}"' not in as_admin.get("/moderate/moderators").text
    assert as_admin.get(f"/moderate/moderators/{moderator.id}").status_code == 404
    # Their decision is still theirs in the log, and the log says who removed them.
    audit_page = as_admin.get(f"/moderate/audit?site={site.key}").text
    assert re.search(rf"<td>{re.escape(MODERATOR)}</td><td>approve</td>", audit_page)
    assert f"removed moderator {MODERATOR} (account removed)" in audit_page
    # Adding the email again brings the account back, with the new password.
    as_admin.submit("/moderate/moderators", {"email": MODERATOR, "password": "a second secret!"})
    assert theirs.log_in(MODERATOR, "a second secret!").status_code == 303
    assert count(Moderator) == 2


# Who may do what


def test_a_moderator_cant_manage_sites_or_moderators(as_moderator, site, admin):
    page = as_moderator.get(f"/moderate/queue/pending?site={site.key}").text
    assert "/moderate/sites\"" not in page and "/moderate/moderators" not in page
    for url in ("/moderate/sites", "/moderate/moderators", f"/moderate/moderators/{admin.id}"):
        assert as_moderator.get(url).status_code == 403, url
    posts = {
        "/moderate/sites": {"name": "Mine", "origins": "https://mine.example"},
        "/moderate/moderators": {"email": "friend@x.org", "password": "a long enough secret", "is_admin": "y"},
        f"/moderate/moderators/{admin.id}": {"sites": [site.key]},
        f"/moderate/moderators/{admin.id}/remove": {},
        f"/moderate/sites/{site.key}/settings": {"name": "Mine", "origins": "https://mine.example", "providers": ""},
    }
    for url, data in posts.items():
        assert as_moderator.submit(url, data).status_code == 403, url
    db.session.refresh(site)
    db.session.refresh(admin)
    assert count(Site) == 1 and count(Moderator) == 2 and admin.is_admin and count(AuditEntry) == 0
    assert site.name == "Central Asia News"


def test_a_moderator_sees_their_sites_settings_read_only(as_moderator, site):
    page = as_moderator.get(f"/moderate/sites/{site.key}/settings")
    assert page.status_code == 200 and "Only an admin can change" in page.text
    assert 'type="submit"' not in page.text.split("<main>")[1]
    assert re.search(r'<input[^>]*\bdisabled\b[^>]*name="name"', page.text)
    other = create_site("Other Paper", ["https://other.example"])
    assert as_moderator.get(f"/moderate/sites/{other.key}/settings").status_code == 404
    assert as_moderator.get(f"/moderate/sites/{other.key}/policy").status_code == 404


def test_every_admin_form_needs_its_csrf_token(as_admin, admin, site):
    moderator = add_moderator(MODERATOR, sites=[site])
    for url in ("/moderate/sites", "/moderate/moderators", f"/moderate/moderators/{moderator.id}",
                f"/moderate/moderators/{moderator.id}/remove", f"/moderate/sites/{site.key}/settings",
                f"/moderate/sites/{site.key}/policy"):
        assert as_admin.post(url, data={"name": "x", "origins": "https://x.example"}).status_code == 400, url
    assert count(Site) == 1 and count(AuditEntry) == 0


def test_the_pages_keep_to_the_dashboards_csp(as_admin, site, write):
    write(body="For the dry run")
    urls = ("/moderate/sites", "/moderate/moderators", f"/moderate/sites/{site.key}/settings",
            f"/moderate/sites/{site.key}/policy")
    pages = [as_admin.get(url) for url in urls]
    pages.append(as_admin.submit(f"/moderate/sites/{site.key}/policy", {**policy_form(site), "dry_run": "1"}))
    for page in pages:
        assert page.status_code == 200 and "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert not re.search(r"<script(?![^>]*\ssrc=)", page.text)
        assert not re.search(r"<[^>]+\s(on\w+|style)=", page.text)


# The policy


def test_the_policy_form_has_every_key_of_the_policy(as_admin, site):
    assert sorted(key for _, keys in POLICY_SECTIONS for key in keys) == sorted(DEFAULT_POLICY)
    page = as_admin.get(f"/moderate/sites/{site.key}/policy").text
    for key in DEFAULT_POLICY:
        assert f'name="{key}"' in page, key
    # Ticked as the defaults say: guests may like; every other boolean is off.
    assert re.findall(r'<input checked[^>]*name="(\w+)"', page) == ["guest_likes"]
    assert re.search(r'<input[^>]*name="min_submit_seconds"[^>]*type="number" value="0"', page)


def test_saving_the_policy_changes_the_policy_page_and_the_enforced_rules(as_admin, admin, site, reader):
    version = site.version
    answer = as_admin.submit(f"/moderate/sites/{site.key}/policy", {**policy_form(
        site, max_links=0, banned_words=["scoundrel*"], text="Be kind, **please**."), "save": "Save the policy"})
    assert answer.status_code == 303
    assert "it applies to the next comment" in as_admin.get(answer.headers["Location"]).text
    db.session.refresh(site)
    assert site.version > version
    # Only the keys that differ from the defaults are kept: the others follow the defaults.
    assert site.settings["policy"] == {"text": "Be kind, **please**.", "max_links": 0,
                                       "banned_words": ["scoundrel*"], "min_submit_seconds": 0}
    public = reader.client.get(f"/embed/{site.key}/policy").text
    assert "Be kind, <strong>please</strong>." in public and "Comments with links wait for a moderator." in public
    assert "scoundrel" not in public
    assert reader.post(body="You scoundrels!").status_code == 403
    assert reader.post(body="See https://example.com/report").status_code == 202
    assert reader.post(body="A fine article.").status_code == 201
    [entry] = audit_entries(site, "policy")
    assert entry.moderator_id == admin.id and entry.comment_id is None
    assert entry.note == "text changed; max_links 2 → 0; banned_words changed (0 → 1 entries)"


def test_guests_can_be_turned_away_from_the_policy_form(as_admin, site, reader):
    as_admin.submit(f"/moderate/sites/{site.key}/policy", policy_form(site, guests="deny"))
    assert reader.post().status_code == 401
    assert 'data-guests="deny"' in as_admin.get(f"/moderate/sites/{site.key}/settings").text


def test_a_policy_that_breaks_the_rules_is_422_with_each_message_beside_its_field(as_admin, site):
    before = (dict(site.settings), site.version)
    answer = as_admin.submit(f"/moderate/sites/{site.key}/policy", {**policy_form(
        site, banned_words=["fine", "two words"], blocked_domains=["http://spam.example/x"], guests="maybe"),
        "max_links": "-1", "close_after_days": "soon", "min_length": "", "save": "Save the policy"})
    assert answer.status_code == 422
    errors = errors_of(answer.text)
    assert errors["banned_words"] == [
        "banned_words: 'two words' is not a word (letters and digits, optionally ending in *)."]
    assert errors["blocked_domains"][0].startswith("blocked_domains: 'http://spam.example/x' is not a domain")
    assert errors["guests"] == ["Not a valid choice."]
    assert errors["close_after_days"] == ["Not a valid integer value."]
    assert errors["min_length"] == ["Give a number."]
    assert errors["max_links"] == ["max_links must be 0 or more, not -1."]
    assert "two words" in answer.text  # the admin's text comes back to fix
    # Once each value is fine on its own, the rule across keys speaks.
    across = as_admin.submit(f"/moderate/sites/{site.key}/policy",
                            policy_form(site, min_length=50, max_length=20))
    assert across.status_code == 422
    assert errors_of(across.text) == {"max_length": ["max_length must be between min_length (50) and 20,000."]}
    too_big = as_admin.submit(f"/moderate/sites/{site.key}/policy", policy_form(site, max_links=5000))
    assert errors_of(too_big.text) == {"max_links": ["max_links must be at most 1,000, not 5,000."]}
    db.session.refresh(site)
    assert (site.settings, site.version) == before and count(AuditEntry) == 0


def test_saving_an_unchanged_policy_changes_nothing(as_admin, site):
    version = site.version
    answer = as_admin.submit(f"/moderate/sites/{site.key}/policy", policy_form(site))
    assert "Nothing changed." in as_admin.get(answer.headers["Location"]).text
    db.session.refresh(site)
    assert site.version == version and count(AuditEntry) == 0


def test_a_sites_moderator_tries_the_policy_then_saves_it(as_moderator, site, write):
    write(body="Cheap watches here")
    edited = policy_form(site, banned_words="watch*")
    trial = as_moderator.submit(f"/moderate/sites/{site.key}/policy", {**edited, "dry_run": "1"})
    assert trial.status_code == 200 and "Cheap watches here" in trial.text and "banned" in trial.text
    assert site_policy(site)["banned_words"] == [] and count(AuditEntry) == 0
    saved = as_moderator.submit(f"/moderate/sites/{site.key}/policy", edited)
    assert saved.status_code == 303
    db.session.refresh(site)
    assert site_policy(site)["banned_words"] == ["watch*"]
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert entry.action == "policy" and "banned_words" in entry.note
