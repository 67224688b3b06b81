"""The comment form: what a guest must give, and the messages when they don't."""
import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

from wtforms import Form, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..text import CONTROL_CHARACTERS, newlines, parse_id
from ..wordmatch import ENTRY_MAX, WORD, compile_words, fold

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


def no_control_characters(form, field):
    if field.data and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError("Please remove the invisible control characters from this field.")


def checked_name(field):
    """The name as far as NAME_MAX: a longer one is refused for its length, and looking for
    disguises only in what may be kept bounds the work, whatever a request sends."""
    return (field.data or "")[:NAME_MAX]


def not_a_staff_name(form, field):
    """No staff word in the name, nor the name of the site or one of its moderators, however
    disguised: see name_readings and staff_words_in."""
    readings = name_readings(checked_name(field))
    if any(staff_words_in(reading) for reading in readings) \
            or {squeezed(reading) for reading in readings} & form.reserved_names:
        raise ValidationError("That name is reserved for the site's staff; please choose another.")


def not_a_provider_suffix(form, field):
    """A signed-in reader is shown under the name their provider gives, which may carry the
    provider's label ("Aigerim (Demo ID)" at the demo's provider): a name ending in a provider's
    label in brackets reads as signed in there, so a guest may not take one."""
    label = form.provider_labels.get(bracketed_tail(checked_name(field)))
    if label is not None:
        message = f"Names ending in \u201c({label})\u201d are kept for readers signed in with that provider."
        raise ValidationError(message)


# Digits and signs that names use for the letters they look like ("M0derator", "5taff", "@dmin"),
# and l, which in many fonts can't be told from a capital I: "Par1ey", "PARIEY" and "parley" read alike.
AS_LETTERS = str.maketrans({
    "0": "o", "1": "i", "l": "i", "|": "i", "!": "i", "3": "e", "4": "a", "@": "a",
    "5": "s", "$": "s", "7": "t", "8": "b", "9": "g",
})
# A number that ends a word ("Admin2", "M0derator1!") is a suffix, not letters.
TRAILING_NUMBER = re.compile(r"[\d!|]+(?![^\W_])")
LETTERS = re.compile(r"[^\W\d_]+")


def name_readings(name):
    """The ways a reader may read `name`, folded as the word lists fold it (case, compatibility
    forms, diacritics, invisible characters, Latin look-alikes) and with digits and signs read as
    the letters they stand for: as typed ("M0derator", "D4na L33"), with a number that ends a word
    split off ("Admin2", "M0derator1"), and with every digit and sign a separator ("x1admin")."""
    folded = fold(name)
    return {
        folded.translate(AS_LETTERS),
        TRAILING_NUMBER.sub(" ", folded).translate(AS_LETTERS),
        " ".join(LETTERS.findall(folded)).translate(AS_LETTERS),
    }


def read_as_letters(text):
    """`text` folded and read as name_readings reads a name as typed: for the names compared with it."""
    return fold(text).translate(AS_LETTERS)


# The staff words and beginnings as name_readings spells them, so "parley" meets "Par1ey".
STAFF_MATCHER = compile_words(tuple(read_as_letters(entry) for entry in (*sorted(STAFF_WORDS), *STAFF_PREFIXES)))


def staff_words_in(reading):
    """True when a word of `reading`, or neighbouring words joined whatever separates them ("Mod
    erator", "Ad-min", "E d i t o r"), is a staff word. Only whole words are joined, so "Stafford"
    and "Badminton fan" pass; "Ed Itor" is refused, as it reads "Editor". A join is not grown past
    the longest an entry can be (wordmatch.ENTRY_MAX): longer, it could only match the "word*"
    beginnings it already did, so the work stays linear in the name's length."""
    words = WORD.findall(reading)
    for start in range(len(words)):
        joined = ""
        for end in range(start, len(words)):
            joined += words[end]
            if STAFF_MATCHER.matches(joined):
                return True
            if len(joined) > ENTRY_MAX:
                break
    return False


def squeezed(text):
    """`text`'s letters and digits joined: names compare whatever spaces or dots they hold."""
    return "".join(WORD.findall(text))


def bracketed_tail(name):
    """What follows the name's last opening bracket of any kind, read as letters and squeezed
    ("Aigerim ( Dem0 ID )" -> "demoid"); "" when it has none."""
    folded = fold(name)
    opening = next((i for i in range(len(folded) - 1, -1, -1) if unicodedata.category(folded[i]) == "Ps"), None)
    return "" if opening is None else squeezed(folded[opening + 1:].translate(AS_LETTERS))


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

    def __init__(self, formdata=None, min_length=2, max_length=5000, reserved_names=(), provider_labels=(),
                 **kwargs):
        super().__init__(formdata, **kwargs)
        self.max_length = max_length
        # Names guests may not take (the site's own; its moderators' with the dashboard), read as letters.
        self.reserved_names = {squeezed(read_as_letters(name)) for name in reserved_names} - {""}
        # The sign-in providers' labels, by their squeezed reading: see not_a_provider_suffix.
        self.provider_labels = {key: label for label in provider_labels if (key := squeezed(read_as_letters(label)))}
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
            not_a_provider_suffix,
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
