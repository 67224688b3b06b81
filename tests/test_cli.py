"""The command line: `flask --app wsgi site create|list|update`, `policy`, `erase-ips`, `moderator create`."""
import re

import pytest
from support import MODERATOR_EMAIL, MODERATOR_PASSWORD

from widget.moderate import accounts
from widget.extensions import db
from widget.models import AuditEntry, Moderator, Site
from widget.policy import DEFAULT_POLICY
from widget.sites import SITE_KEY_PATTERN


def test_site_create_prints_the_key_alone_on_the_last_line(app):
    result = app.test_cli_runner().invoke(
        args=["site", "create", "--name", "Central Asia News", "--origin", "HTTPS://News.Example.org:443/",
              "--origin", "http://localhost:8000"]
    )
    assert result.exit_code == 0, result.output
    key = result.output.rstrip("\n").splitlines()[-1]
    assert SITE_KEY_PATTERN.fullmatch(key)
    site = db.session.execute(db.select(Site).filter_by(key=key)).scalar_one()
    assert site.name == "Central Asia News"
    assert site.origins == ["https://news.example.org", "http://localhost:8000"]


def test_site_create_refuses_bad_origins_and_missing_options(app):
    runner = app.test_cli_runner()
    for origin in ("news.example.org", "ftp://x.org", "https://x.org/path", "https://user@x.org", "https://x.org:99999"):
        result = runner.invoke(args=["site", "create", "--name", "N", "--origin", origin])
        assert result.exit_code == 2, origin
        assert "origin" in result.output or "port" in result.output, result.output
    assert runner.invoke(args=["site", "create", "--name", "N"]).exit_code == 2
    assert runner.invoke(args=["site", "create", "--name", "  ", "--origin", "https://x.org"]).exit_code == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(Site)) == 0


def test_site_list_and_update(app, site):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["site", "list"])
    assert listed.exit_code == 0
    assert re.search(rf"^{re.escape(site.key)}\tCentral Asia News\thttps://news.example.org\t", listed.output, re.MULTILINE)

    version = site.version
    result = runner.invoke(
        args=["site", "update", site.key, "--name", "CAN", "--origin", "https://can.example.org",
              "--origin", "https://www.can.example.org", "--providers", "demo,Facebook,github"]
    )
    assert result.exit_code == 0, result.output
    db.session.refresh(site)
    assert site.name == "CAN"
    assert site.origins == ["https://can.example.org", "https://www.can.example.org"]
    assert site.settings["providers"] == ["demo", "facebook", "github"]
    assert site.version == version + 1

    assert runner.invoke(args=["site", "update", site.key, "--providers", ""]).exit_code == 0
    db.session.refresh(site)
    assert site.settings["providers"] == [] and site.name == "CAN"

    missing = runner.invoke(args=["site", "update", "NoSuchKey123", "--name", "x"])
    assert missing.exit_code == 2 and "No site has the key" in missing.output
    bad = runner.invoke(args=["site", "update", site.key, "--providers", "face book"])
    assert bad.exit_code == 2 and "provider" in bad.output


def test_site_list_when_empty(app):
    result = app.test_cli_runner().invoke(args=["site", "list"])
    assert result.exit_code == 0 and "No sites yet" in result.output


def test_erase_ips_for_cron(app, write):
    from datetime import timedelta

    from widget.models import utcnow

    old = write(body="old")
    old.created = utcnow() - timedelta(days=31)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["erase-ips"])
    assert result.exit_code == 0
    assert "Erased the IP address of 1 comment(s) older than 30 days." in result.output
    db.session.refresh(old)
    assert old.ip is None


def test_policy_show_prints_every_key_with_defaults(app, site):
    import tomllib

    result = app.test_cli_runner().invoke(args=["policy", "show", site.key])
    assert result.exit_code == 0
    assert tomllib.loads(result.output) == {**DEFAULT_POLICY, "min_submit_seconds": 0}


def test_policy_set_replaces_the_policy_and_bumps_the_site(app, site, tmp_path):
    import tomllib

    runner = app.test_cli_runner()
    policy = tmp_path / "policy.toml"
    policy.write_text('text = "Be kind."\nguests = "deny"\nmax_length = 3000\n')
    version = site.version
    result = runner.invoke(args=["policy", "set", site.key, str(policy)])
    assert result.exit_code == 0, result.output
    shown = tomllib.loads(runner.invoke(args=["policy", "show", site.key]).output)
    assert shown == {**DEFAULT_POLICY, "text": "Be kind.", "guests": "deny", "max_length": 3000}
    db.session.refresh(site)
    assert site.version == version + 1
    # an empty file restores every default; standard input works too
    assert runner.invoke(args=["policy", "set", site.key, "-"], input="").exit_code == 0
    assert tomllib.loads(runner.invoke(args=["policy", "show", site.key]).output)["guests"] == "allow"


@pytest.mark.parametrize(
    "toml, message",
    [
        ("colour = 'red'\n", "Unknown policy key 'colour'"),
        ("guests = 'sometimes'\n", "guests must be one of allow, premoderate, deny"),
        ("suspect_action = 'ban'\n", "suspect_action must be one of hold, flag"),
        ("shouting = true\n", "shouting must be a string"),
        ("premoderate_all = 1\n", "premoderate_all must be true or false"),
        ("trusted_after = -1\n", "trusted_after must be 0 or more"),
        ("banned_words = 'idiot'\n", "banned_words must be a list"),
        ("banned_words = ['two words']\n", "banned_words: 'two words' is not a word"),
        ("suspect_words = [3]\n", "suspect_words: 3 is not a word"),
        ("blocked_domains = ['https://evil.example/x']\n", "blocked_domains: 'https://evil.example/x' is not a domain"),
        ("max_length = '5000'\n", "max_length must be an integer"),
        ("min_length = true\n", "min_length must be an integer"),
        ("max_length = 20001\n", "max_length must be at most 20,000"),
        ("min_length = 0\n", "min_length must be at least 1"),
        ("min_length = 10\nmax_length = 5\n", "max_length must be between min_length (10)"),
        ("text = 5\n", "text must be a string"),
        ("guests = \n", "not valid TOML"),
    ],
)
def test_policy_set_refuses_bad_files_naming_the_key(app, site, tmp_path, toml, message):
    policy = tmp_path / "policy.toml"
    policy.write_text(toml)
    result = app.test_cli_runner().invoke(args=["policy", "set", site.key, str(policy)])
    assert result.exit_code == 2
    assert message in result.output
    db.session.refresh(site)
    assert site.settings["policy"] == {"min_submit_seconds": 0}


def test_policy_commands_name_a_missing_site(app):
    assert "No site has the key" in app.test_cli_runner().invoke(args=["policy", "show", "NoSuchKey123"]).output


def test_site_keys_never_start_like_a_command_line_option():
    from widget.sites import new_site_key

    keys = [new_site_key() for _ in range(2000)]
    assert all(key[0].isalnum() and SITE_KEY_PATTERN.fullmatch(key) for key in keys)
    assert len(set(keys)) == len(keys)


def create_moderator(app, *options, email=MODERATOR_EMAIL, password=MODERATOR_PASSWORD):
    """`moderator create` with the password on standard input; the CLI's result."""
    args = ["moderator", "create", "--email", email, "--password-stdin", *options]
    return app.test_cli_runner().invoke(args=args, input=password + "\n")


def stored_moderator(email=MODERATOR_EMAIL):
    db.session.expire_all()
    return db.session.execute(db.select(Moderator).filter_by(email=email)).scalar_one()


def test_moderator_create_takes_the_password_from_stdin_and_hashes_it(app, site):
    created = create_moderator(app, "--site", site.key)
    assert created.exit_code == 0 and created.output == f"Created {MODERATOR_EMAIL}, moderator of {site.name}.\n"
    moderator = stored_moderator()
    assert moderator.password_hash.startswith("scrypt:") and MODERATOR_PASSWORD not in moderator.password_hash
    assert [s.key for s in moderator.sites] == [site.key] and not moderator.is_admin
    # The dashboard's rule: every site that gains a moderator has it in its audit log (here by no one).
    [entry] = db.session.scalars(db.select(AuditEntry).filter_by(site_id=site.id)).all()
    assert entry.note == f"added moderator {MODERATOR_EMAIL}" and entry.moderator_id is None
    short = create_moderator(app, email="b@x.org", password="short")
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    again = create_moderator(app, email="MOD@news.example.org")
    assert again.exit_code == 2 and "exists already" in again.output


def test_moderator_create_keeps_the_dashboards_rules_for_emails_and_names(app):
    for email in ("no-at-sign", "two words@x.org", "a@" + "x" * 254):
        answer = create_moderator(app, email=email)
        assert answer.exit_code == 2 and "Give an email address" in answer.output, email
    long_name = create_moderator(app, "--name", "N" * (accounts.NAME_MAX + 1))
    assert long_name.exit_code == 2 and f"at most {accounts.NAME_MAX} characters" in long_name.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Moderator)) == 0


def test_moderator_create_revives_a_removed_account_as_the_dashboard_does(app, site):
    admin = accounts.create_moderator("admin@parley.example", "", "an admin's secret", True, [], by=None)
    gone = accounts.create_moderator(MODERATOR_EMAIL, "Old Name", MODERATOR_PASSWORD, False, [site], by=admin)
    accounts.remove_moderator(gone, by=admin)
    revived = create_moderator(app, "--site", site.key, "--name", "New Name", password="a second secret!")
    assert revived.exit_code == 0, revived.output
    moderator = stored_moderator()
    assert moderator.id == gone.id and not accounts.is_removed(moderator) and moderator.name == "New Name"
    assert accounts.password_matches(moderator, "a second secret!") and [s.key for s in moderator.sites] == [site.key]
    assert db.session.scalar(db.select(db.func.count()).select_from(Moderator)) == 2
