"""Admins' pages: the sites Parley serves and the moderators' accounts.

Every page and POST here is for admins only (403 for other moderators): who
may embed Parley where, and who moderates what, are the service owner's calls.
"""
from flask import abort, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..extensions import db
from ..models import Moderator, Site
from ..moderation import audit
from ..sites import SiteError, add_site, check_name, normalize_origins
from . import accounts, bp
from .accounts import NAME_MAX, PASSWORD_MIN, AccountError, email_problem, is_removed, name_problem, password_problem
from .gate import admin_required
from .views import DecisionForm, account_rule


class LinesField(TextAreaField):
    """A list edited one entry per line; blank lines are dropped."""

    def _value(self):
        return "\n".join(self.data or [])

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        self.data = [line.strip() for line in text.splitlines() if line.strip()]


class CheckboxesField(SelectMultipleField):
    """Several choices, as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def site_rule(rule):
    """A WTForms validator from a widget/sites.py rule: its SiteError is the field's message,
    its result the field's cleaned value."""
    def check(form, field):
        try:
            field.data = rule(field.data)
        except SiteError as error:
            raise ValidationError(str(error)) from None
    return check


def or_empty(value):
    # A field missing from a POST is None to WTForms; the rules expect text.
    return value or ""


class SiteForm(FlaskForm):
    name = StringField("Name", filters=[or_empty], validators=[site_rule(check_name)])
    origins = LinesField(
        "Origins",
        description="Where the widget runs: one origin per line, like https://news.example.org (no path).",
        validators=[site_rule(normalize_origins)],
    )


class AccessForm(FlaskForm):
    is_admin = BooleanField("Admin: moderates every site, and manages sites and moderators")
    sites = CheckboxesField("Moderates these sites")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites.choices = [SelectChoice(site.key, site.name) for site in all_sites()]

    def chosen_sites(self):
        return [site for site in all_sites() if site.key in self.sites.data]


class NewModeratorForm(AccessForm):
    email = EmailField("Email", filters=[or_empty, str.strip, str.lower], validators=[
        DataRequired("Give the moderator's email address."), account_rule(email_problem)])
    name = StringField("Name", description="Signs their staff replies; may stay empty.", filters=[or_empty],
                       validators=[account_rule(name_problem, maxlength=NAME_MAX)])
    password = PasswordField("Password", description=f"At least {PASSWORD_MIN} characters; they can change it.",
                             validators=[DataRequired("Choose a password for them."),
                                         account_rule(password_problem, minlength=PASSWORD_MIN)])


def all_sites():
    return db.session.scalars(db.select(Site).order_by(Site.name)).all()


@bp.route("/sites", methods=["GET", "POST"])
@admin_required
def sites():
    form = SiteForm()
    if form.validate_on_submit():
        site = add_site(form.name.data, form.origins.data)
        audit(site.id, g.moderator, "site", note=f"created {site.name!r} for {', '.join(site.origins)}")
        db.session.commit()
        flash(f"Created {site.name}. Its key, for data-site in the embed snippet: {site.key}")
        return redirect(url_for("moderate.site_settings", key=site.key), 303)
    status = 422 if form.errors else 200
    return render_template("moderate/sites.html", sites=all_sites(), form=form), status


def account_changed(form, change, *args):
    """Whether `change(*args, by=the admin)`, a change of widget/moderate/accounts.py, went through; if it was
    refused, its message goes beside the field it concerns."""
    try:
        change(*args, by=g.moderator)
    except AccountError as error:
        getattr(form, error.field).errors.append(str(error))
        return False
    return True


@bp.route("/moderators", methods=["GET", "POST"])
@admin_required
def moderators():
    form = NewModeratorForm()
    if form.validate_on_submit() and account_changed(form, accounts.create_moderator, form.email.data, form.name.data,
                                                     form.password.data, form.is_admin.data, form.chosen_sites()):
        flash(f"Created {form.email.data}; tell them their password.")
        return redirect(url_for("moderate.moderators"), 303)
    status = 422 if form.errors else 200
    return render_template("moderate/moderators.html", moderators=accounts.active_moderators(), form=form), status


def moderator_or_404(moderator_id):
    moderator = db.session.get(Moderator, moderator_id)
    if moderator is None or is_removed(moderator):
        abort(404)
    return moderator


@bp.route("/moderators/<id:moderator_id>", methods=["GET", "POST"])
@admin_required
def moderator(moderator_id):
    account = moderator_or_404(moderator_id)
    form = AccessForm(data={"is_admin": account.is_admin, "sites": [site.key for site in account.sites]})
    if form.validate_on_submit() and account_changed(form, accounts.set_access, account, form.is_admin.data,
                                                     form.chosen_sites()):
        flash(f"Saved {account.email}'s access.")
        return redirect(url_for("moderate.moderators"), 303)
    status = 422 if form.errors else 200
    return render_template("moderate/moderator.html", account=account, form=form,
                           remove_form=DecisionForm()), status


@bp.post("/moderators/<id:moderator_id>/remove")
@admin_required
def remove_moderator(moderator_id):
    account = moderator_or_404(moderator_id)
    if not DecisionForm().validate_on_submit():
        abort(400)
    try:
        accounts.remove_moderator(account, by=g.moderator)
    except AccountError as error:
        flash(str(error), "warning")
        return redirect(url_for("moderate.moderator", moderator_id=account.id), 303)
    flash(f"Removed {account.email}: they can't sign in any more.")
    return redirect(url_for("moderate.moderators"), 303)
