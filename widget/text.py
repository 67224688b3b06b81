"""Small rules about text from requests, shared by forms, thread keys and ids."""
import re

from werkzeug.routing import BaseConverter, ValidationError

# Everything below U+0020 but tab and newlines, plus DEL: nothing a person types.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Row ids are 32-bit on PostgreSQL: a larger number can name no row, and
# comparing with it would fail in the database instead of finding nothing.
MAX_ID = 2**31 - 1


def newlines(value):
    """A form filter: every line break as "\\n", whichever a browser or a pasted text sent."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def parse_id(text):
    """The positive id that `text` spells in ASCII digits, or None ("²" and "-1" are None)."""
    if not text or not re.fullmatch(r"[0-9]{1,10}", text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class IdConverter(BaseConverter):
    """`<id:name>` in a route: a row id as parse_id reads it, for every blueprint.

    Werkzeug's `int` takes any number of digits (and Unicode ones): past MAX_ID
    no row can match, and SQLite can't even compare with a number past 64 bits,
    so the view would answer 500. Here such a path matches no route: 404.
    """

    regex = r"[0-9]+"

    def to_python(self, value):
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value):
        return str(int(value))
