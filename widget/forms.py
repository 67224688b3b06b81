"""The comment form: what a guest must give, and the messages when they don't."""
import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

from wtforms import Form, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from .text import CONTROL_CHARACTERS, parse_id
from .wordmatch import WORD, compile_words, fold

NAME_MAX = 80
EMAIL_MAX = 254
WEBSITE_MAX = 2048

# Guests may not pose as the site's staff.
STAFF_WORDS = {"moderator", "moderators", "admin", "administrator", "editor", "editors", "staff", "parley"}
# The same in Russian and Kazakh, as beginnings: they decline ("модератора", "редакция").
STAFF_PREFIXES = ("модератор*", "админ*", "редакц*", "редактор*", "әкімші*")

# Joiners that Persian, Indic scripts and emoji need; other format characters
# (zero-width spaces, bidi overrides, soft hyphens) only hide or disguise text.
NEEDED_FORMAT_CHARACTERS = {"\u200c", "\u200d"}


def strip(value):
    return value.strip() if isinstance(value, str) else value


def one_line(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def without_invisible_characters(value):
    if not isinstance(value, str):
        return value
    return "".join(c for c in value if unicodedata.category(c) != "Cf" or c in NEEDED_FORMAT_CHARACTERS)


def newlines(value):
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def no_control_characters(form, field):
    if field.data and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError("Please remove the invisible control characters from this field.")


def not_a_staff_name(form, field):
    """No staff word in the name, whether split off by digits ("admin2") or disguised the ways
    the policy's word lists see through (Cyrillic look-alikes, "A.d.m.i.n")."""
    visible = "".join(c for c in field.data or "" if unicodedata.category(c) != "Cf")
    words = re.findall(r"[^\W\d_]+", unicodedata.normalize("NFKC", visible).casefold())
    if any(word in STAFF_WORDS for word in words) \
            or compile_words(tuple(sorted(STAFF_WORDS)) + STAFF_PREFIXES).find(visible) \
            or squeezed(visible) in form.reserved_names:
        raise ValidationError("That name is reserved for the site's staff; please choose another.")


def squeezed(name):
    """A name reduced to its folded letters and digits, to compare names as a reader would see them."""
    return "".join(WORD.findall(fold(name)))


# A host name as browsers take it: letters (of any script), digits, hyphens and underscores, in
# dot-separated labels; IPv6 literals are checked apart.
HOST = re.compile(r"[^\W_]([\w-]*[^\W_])?(\.[\w-]+)*\.?")


def is_ip_address(text):
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# "name:" at the start, unless it is a host's port ("example.org:8080").
URL_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)")


def http_url(form, field):
    """An http(s) address; "example.org" is taken to mean https://example.org."""
    if not field.data:
        return
    if not URL_SCHEME.match(field.data):
        field.data = "https://" + field.data.removeprefix("//")
    message = "A website address must start with http:// or https://."
    try:
        parts = urlsplit(field.data)
        parts.port  # noqa: B018 -- urlsplit checks the port only when it is read
    except ValueError:
        raise ValidationError(message) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or re.search(r"\s", field.data):
        raise ValidationError(message)
    if not HOST.fullmatch(parts.hostname) and not (":" in parts.hostname and is_ip_address(parts.hostname)):
        # "https://<script>..." passes for a URL with a host, but no browser can open it.
        raise ValidationError("That doesn't look like a website address (like https://example.org).")
    if parts.username is not None or parts.password is not None:
        # https://bank.example@evil.example reads as the bank but goes elsewhere.
        raise ValidationError("A website address can't contain a user name or password.")


def body_length(min_length, max_length):
    def check(form, field):
        length = len(field.data or "")
        if length > max_length:
            raise ValidationError(f"Your comment is {length:,} characters long; please keep it to {max_length:,}.")
        if 0 < length < min_length:
            raise ValidationError(f"Please write at least {min_length:,} characters.")

    return check


class CommentForm(Form):
    """A signed-in reader's comment: the text, and the comment it replies to.

    Built per request, since the body limits are the site's.
    """

    body = TextAreaField("Comment", filters=[newlines, strip])
    parent = HiddenField(filters=[strip])

    def __init__(self, formdata=None, min_length=2, max_length=5000, reserved_names=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.max_length = max_length
        # Names guests may not take (the site's own; its moderators' with the dashboard), squeezed.
        self.reserved_names = {squeezed(name) for name in reserved_names} - {""}
        self.body.validators = [
            DataRequired("Please write your comment."),
            no_control_characters,
            body_length(min_length, max_length),
        ]
        self.body.flags.required = True

    def validate_parent(self, field):
        if field.data and parse_id(field.data) is None:
            raise ValidationError("The comment you are replying to is no longer available.")


class GuestCommentForm(CommentForm):
    """A guest's comment: the text plus who wrote it."""

    name = StringField(
        "Name",
        filters=[without_invisible_characters, one_line],
        validators=[
            DataRequired("Please enter your name."),
            Length(max=NAME_MAX, message=f"Please keep your name to {NAME_MAX} characters."),
            no_control_characters,
            not_a_staff_name,
        ],
    )
    email = StringField(
        "Email",
        filters=[strip],
        validators=[
            DataRequired("Please enter your email address; it is never shown."),
            Length(max=EMAIL_MAX, message=f"An email address has at most {EMAIL_MAX} characters."),
            no_control_characters,
            Email("That doesn't look like an email address (like name@example.org)."),
        ],
    )
    website = StringField(
        "Website",
        filters=[strip],
        validators=[
            Optional(),
            no_control_characters,
            http_url,
            # After http_url, which may have added "https://" to what was typed.
            Length(max=WEBSITE_MAX, message=f"A website address has at most {WEBSITE_MAX:,} characters."),
        ],
    )
