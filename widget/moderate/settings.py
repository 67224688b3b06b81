"""The pages of a site's settings and of its comment policy, with the policy's dry run.

The site's identity (name, origins, sign-in buttons) is admin-level: admins
change it; the site's own moderators see it read-only and get 403 for any
change. The comment policy is the moderators' own tool: any moderator of the
site edits it, with a dry run first. Every change goes into the site's
audit log and bumps the site's version, so cached fragments go stale.
"""
import json

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, ValidationError
from wtforms.widgets import TextInput

from ..moderation import audit
from ..policy import CHOICES, DEFAULT_POLICY, MAXIMA, policy_problems, site_policy, validate_policy, value_problems
from ..providers import providers_for_site
from ..sites import check_providers, set_policy, update_site
from ..text import newlines
from . import bp
from .dryrun import DRY_RUN_LIMIT, NOT_RECHECKED, dry_run, summary
from .admin import LinesField, SiteForm, or_empty, site_rule
from .views import Place, site_for, site_page


class CommasField(LinesField):
    """A list edited on one line, its entries separated by commas."""

    widget = TextInput()

    def _value(self):
        return ", ".join(self.data or [])

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        self.data = [entry.strip() for entry in text.split(",") if entry.strip()]


class SettingsForm(SiteForm):
    providers = CommasField("Sign-in buttons, in order", validators=[site_rule(check_providers)])

    def validate_providers(self, field):
        configured = current_app.config["PARLEY_PROVIDERS"]
        unknown = [name for name in field.data if name not in configured]
        if unknown:
            raise ValidationError(f"Not configured on this server: {', '.join(unknown)}. "
                                  f"Choose among: {', '.join(sorted(configured)) or 'none'}.")


def number(label, key, description=""):
    return IntegerField(label, description=description, validators=[InputRequired("Give a number.")],
                        render_kw={"min": 0, "max": MAXIMA[key]})


def choice(label, key, words):
    return SelectField(label, choices=[SelectChoice(value, words[value]) for value in CHOICES[key]])


class PolicyForm(FlaskForm):
    """Every key of the policy; validate_policy's messages show beside their fields."""

    text = TextAreaField("Your words on the Comment Policy page (Markdown)", filters=[or_empty, newlines])
    guests = choice("Guests", "guests", {"allow": "may comment with a name and email",
                                         "premoderate": "may comment; their comments wait for a moderator",
                                         "deny": "must sign in to comment"})
    premoderate_all = BooleanField("Every comment waits for a moderator")
    guest_likes = BooleanField("Guests may like comments")
    trusted_after = number("Approved comments a signed-in reader needs before skipping the new-commenter wait",
                           "trusted_after", "0 turns the wait off.")
    min_length = number("Shortest comment, in characters", "min_length")
    max_length = number("Longest comment, in characters", "max_length", f"At most {MAXIMA['max_length']:,}.")
    max_links = number("Links a comment may have before it waits", "max_links")
    blocked_domains = LinesField("Blocked domains", description="One per line, like spam.example; "
                                 "links to them or their subdomains are refused.")
    banned_words = LinesField("Banned words", description="One per line; word* matches its endings too. Refused.")
    suspect_words = LinesField("Suspect words", description="One per line, as banned words.")
    suspect_action = choice("A comment with a suspect word", "suspect_action",
                            {"hold": "waits for a moderator", "flag": "is published, and put in the Reported queue"})
    shouting = choice("A comment mostly in capitals", "shouting",
                      {"hold": "waits for a moderator", "off": "is treated like any other"})
    close_after_days = number("Days after an article's first comment that its comments close", "close_after_days",
                              "0 keeps them open.")
    min_submit_seconds = number("Seconds a form must be open before it is sent", "min_submit_seconds",
                                "Sooner is refused as automated; 0 turns the check off.")
    duplicate_window_hours = number("Hours within which an author's same comment again is refused",
                                    "duplicate_window_hours", "0 turns the check off.")
    edit_window_minutes = number("Minutes after posting that readers may edit or delete their comment",
                                 "edit_window_minutes", "0: they can't.")
    save = SubmitField("Save the policy")
    dry_run = SubmitField(f"Dry run on the latest {DRY_RUN_LIMIT} comments")

    def policy_data(self):
        return {key: self[key].data for key in DEFAULT_POLICY}

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Every value WTForms could read gets the policy's checks too, so all messages show at once;
        # the rule across keys needs every value.
        if valid:
            problems = policy_problems(self.policy_data())
        else:
            problems = value_problems({key: self[key].data for key in DEFAULT_POLICY if not self[key].errors})
        for key, message in problems.items():
            self[key].errors.append(message)
        return valid and not problems


# The policy form's sections, in the order the page shows them: every key once.
POLICY_SECTIONS = (
    ("Who may comment", ("guests", "premoderate_all", "trusted_after")),
    ("Likes", ("guest_likes",)),
    ("Length", ("min_length", "max_length")),
    ("Links", ("max_links", "blocked_domains")),
    ("Words", ("banned_words", "suspect_words", "suspect_action", "shouting")),
    ("Threads and timing", ("close_after_days", "min_submit_seconds", "duplicate_window_hours",
                            "edit_window_minutes")),
    ("The Comment Policy page", ("text",)),
)


def settings_page(template, site, code=200, readonly=False, **context):
    return site_page(template, site, Place.ELSEWHERE, readonly=readonly, **context), code


def only_admins_change(moderator):
    if request.method == "POST" and not moderator.is_admin:
        abort(403)


@bp.route("/sites/<key>/settings", methods=["GET", "POST"])
def site_settings(key):
    moderator = g.moderator
    site = site_for(moderator, key)
    only_admins_change(moderator)
    configured = current_app.config["PARLEY_PROVIDERS"]
    shown = site.settings.get("providers")
    if shown is None:
        shown = [provider.name for provider in providers_for_site(site, configured)]
    form = SettingsForm(data={"name": site.name, "origins": site.origins, "providers": shown})
    if form.validate_on_submit():
        providers = form.providers.data
        # A site that never chose shows every configured provider, new ones too: saving the list
        # it was shown keeps it that way.
        if "providers" not in site.settings and providers == shown:
            providers = None
        changes = settings_changes(site, form.name.data, form.origins.data, providers)
        if changes:
            audit(site.id, moderator, "site", note="; ".join(changes))
            update_site(site, name=form.name.data, origins=form.origins.data, providers=providers)
            flash(f"Saved the settings of {site.name}.")
        else:
            flash("Nothing changed.")
        return redirect(url_for("moderate.site_settings", key=site.key), 303)
    return settings_page("moderate/site_settings.html", site, 422 if form.errors else 200,
                     readonly=not moderator.is_admin, form=form, configured=configured, guests=site_policy(site)["guests"])


def settings_changes(site, name, origins, providers):
    """The settings that differ from the site's, in words for the audit log."""
    changes = []
    if name != site.name:
        changes.append(f"name {site.name!r} → {name!r}")
    if origins != site.origins:
        changes.append(f"origins {' '.join(site.origins)} → {' '.join(origins)}")
    if providers is not None and providers != site.settings.get("providers"):
        before = site.settings.get("providers")
        changes.append(f"sign-in {','.join(before) if before is not None else 'all configured'} → "
                       f"{','.join(providers) or 'none'}")
    return changes


@bp.route("/sites/<key>/policy", methods=["GET", "POST"])
def site_policy_settings(key):
    moderator = g.moderator
    site = site_for(moderator, key)
    current = site_policy(site)
    form = PolicyForm(data=current)
    trials = None
    if form.validate_on_submit():
        rules = {**DEFAULT_POLICY, **validate_policy(form.policy_data())}
        if form.dry_run.data:
            trials = dry_run(site, rules)
        else:
            changes = policy_changes(current, rules)
            if changes:
                audit(site.id, moderator, "policy", note="; ".join(changes))
                # Keys left at their defaults are not stored: they follow the defaults, as keys a TOML file omits.
                set_policy(site, {name: value for name, value in rules.items() if value != DEFAULT_POLICY[name]})
                flash(f"Saved the comment policy of {site.name}; it applies to the next comment.")
            else:
                flash("Nothing changed.")
            return redirect(url_for("moderate.site_policy_settings", key=site.key), 303)
    return settings_page("moderate/site_policy.html", site, 422 if form.errors else 200,
                     form=form, sections=POLICY_SECTIONS, trials=trials,
                     summary=summary(trials) if trials is not None else None, not_rechecked=NOT_RECHECKED)


def policy_changes(before, after):
    """The keys whose values differ, in words for the audit log (word lists by their sizes only)."""
    changes = []
    for key in DEFAULT_POLICY:
        old, new = before[key], after[key]
        if old == new:
            continue
        if isinstance(old, list):
            changes.append(f"{key} changed ({len(old)} → {len(new)} entries)")
        elif key == "text":
            changes.append("text changed")
        else:
            changes.append(f"{key} {json.dumps(old)} → {json.dumps(new)}")
    return changes
