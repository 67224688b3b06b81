"""Avatars in fragments: a reader's initials and a colour that stays theirs."""
import pytest

from widget.embed.fragments import avatar_colour, initials


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Madi Asanov", "MA"),
        ("madi asanov", "MA"),
        ("madi", "M"),
        ("Ольга Петрова", "ОП"),
        ("élodie durand", "ÉD"),
        ("Anna Maria Lopez", "AL"),
        ("  Anna   Lopez  ", "AL"),
        ("", "?"),
        ("  ", "?"),
        ("!!!", "?"),
        ("!!! Bob", "B"),
    ],
)
def test_initials(name, expected):
    assert initials(name) == expected


NAMES = ["Madi Asanov", "Ольга Петрова", "Anna", "Bob", "Chen Wei", "李小龍", "Zoë", "x", "", "Jean-Luc Picard"] + [
    f"Reader {n}" for n in range(40)
]


@pytest.mark.parametrize("name", NAMES)
def test_avatar_colour_in_range_and_stable(name):
    colour = avatar_colour(name)
    assert colour in range(8)
    assert avatar_colour(name) == colour


def test_avatar_colour_spreads_names_over_the_palette():
    assert len({avatar_colour(name) for name in NAMES}) >= 5


def test_avatar_colour_is_pinned():
    # Changing the hash would repaint every existing reader's avatar.
    assert avatar_colour("Madi Asanov") == 1
    assert avatar_colour("Ольга Петрова") == 4
    assert avatar_colour("Anna") == 0


@pytest.mark.parametrize(
    "a, b", [("Madi Asanov", "MADI ASANOV"), ("madi asanov", "Madi Asanov"), ("ОЛЬГА", "ольга"), ("Straße", "STRASSE")]
)
def test_avatar_colour_ignores_case(a, b):
    assert avatar_colour(a) == avatar_colour(b)
