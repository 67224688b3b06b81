"""The command line for site owners: sites, their policies, moderators, erasing old IPs, a secret key."""
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .comments import erase_old_ips
from .config import new_secret_key
from .extensions import db
from .models import Site
from .moderate.accounts import AccountError, create_moderator
from .policy import PolicyError, parse_policy_toml, policy_toml, site_policy
from .sites import SiteError, create_site, find_site, set_policy, update_site

site_cli = AppGroup("site", help="Register and change the sites that embed Parley.")
policy_cli = AppGroup("policy", help="Show and set a site's comment policy (TOML).")
moderator_cli = AppGroup("moderator", help="Dashboard accounts.")


def site_or_fail(key):
    site = find_site(key)
    if site is None:
        raise click.UsageError(f"No site has the key {key!r} (see `flask --app wsgi site list`).")
    return site


@site_cli.command("create")
@click.option("--name", required=True, help="The site's name, as moderators see it.")
@click.option(
    "--origin", "origins", multiple=True, required=True,
    help="An origin the widget runs on, like https://news.example.org (repeat for several).",
)
def create_command(name, origins):
    """Register a site; prints its key alone on the last line."""
    try:
        site = create_site(name, origins)
    except SiteError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"Created site {site.name!r} for {', '.join(site.origins)}.")
    click.echo("Embed it with data-site set to this key:")
    click.echo(site.key)


@site_cli.command("list")
def list_command():
    """Every site: key, name and origins."""
    sites = db.session.scalars(db.select(Site).order_by(Site.id)).all()
    if not sites:
        click.echo("No sites yet: add one with `flask --app wsgi site create`.")
    for site in sites:
        providers = ",".join(site.settings.get("providers", [])) or "-"
        click.echo(f"{site.key}\t{site.name}\t{' '.join(site.origins)}\tproviders: {providers}")


@site_cli.command("update")
@click.argument("key")
@click.option("--name", help="A new name.")
@click.option("--origin", "origins", multiple=True, help="Replace the origins with these (repeatable).")
@click.option("--providers", help="Sign-in providers in button order, comma-separated: demo,facebook,...")
def update_command(key, name, origins, providers):
    """Change a site's name, origins or sign-in providers."""
    site = site_or_fail(key)
    try:
        update_site(
            site,
            name=name,
            origins=origins or None,
            providers=[p for p in providers.split(",") if p.strip()] if providers is not None else None,
        )
    except SiteError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"Updated site {site.key}: {site.name!r} for {', '.join(site.origins)}.")
    unconfigured = [p for p in site.settings.get("providers", []) if p not in current_app.config["PARLEY_PROVIDERS"]]
    if unconfigured:
        click.echo(
            f"Note: {', '.join(unconfigured)} has no PARLEY_OAUTH_<NAME>_CLIENT_ID here; "
            "its button shows once it is configured."
        )


@policy_cli.command("show")
@click.argument("key")
def policy_show_command(key):
    """Print the site's whole policy as TOML, defaults included."""
    click.echo(policy_toml(site_policy(site_or_fail(key))), nl=False)


@policy_cli.command("set")
@click.argument("key")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def policy_set_command(key, file):
    """Replace the site's policy with FILE (TOML; - reads standard input). Omitted keys take their defaults."""
    site = site_or_fail(key)
    try:
        rules = parse_policy_toml(file.read())
    except PolicyError as error:
        raise click.UsageError(str(error)) from None
    set_policy(site, rules)
    changed = ", ".join(rules) or "none: every key is back to its default"
    click.echo(f"Policy of {site.key} set. Keys given: {changed}.")


@click.command("erase-ips")
@with_appcontext
def erase_ips_command():
    """Erase the client IP of every comment older than PARLEY_IP_RETENTION_DAYS (for cron).

    Parley also does this by itself at most hourly, when comments are written;
    run this daily on sites that may go days without a comment.
    """
    days = current_app.config["PARLEY_IP_RETENTION_DAYS"]
    erased = erase_old_ips(days)
    click.echo(f"Erased the IP address of {erased} comment(s) older than {days} days.")


@click.command("secret")
def secret_command():
    """Print a new random key for PARLEY_SECRET_KEY (64 characters from 48 random bytes).

    Rotating the key signs out the dashboard's moderators and any sign-in still in
    progress, and readers reload forms they opened before; readers stay signed in
    (README, "Rotating the secret key").
    """
    click.echo(new_secret_key())


@moderator_cli.command("create")
@click.option("--email", required=True, help="The moderator's email address: their login.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
@click.option("--site", "site_keys", multiple=True, help="A site they moderate (repeatable).")
@click.option("--admin", is_flag=True, help="An admin: every site, and sites' and moderators' settings.")
@click.option("--name", default="", help="The name shown with their staff replies.")
def moderator_create_command(email, password_stdin, site_keys, admin, name):
    """Create a dashboard account, or revive a removed one with this email, by the dashboard's rules
    (widget/moderate/accounts.py); the password comes from standard input, never the command line."""
    password = sys.stdin.readline().rstrip("\n")
    sites = [site_or_fail(key) for key in site_keys]
    try:
        moderator = create_moderator(email, name, password, admin, sites, by=None)
    except AccountError as error:
        raise click.UsageError(str(error)) from None
    role = "admin of every site" if admin else "moderator of " + (", ".join(s.name for s in sites) or "no site yet")
    click.echo(f"Created {moderator.email}, {role}.")
