"""The comment policy: a site's rules, and the fate of each comment under them.

A site's policy is stored as the keys its owner set (site.settings["policy"]);
every other key takes its default. The comment POST asks `decide` for a
comment's fate once the form is valid. The rules behind it (word lists,
links, premoderation...) arrive with the policy engine; until then every
valid comment is published.
"""
import tomllib
from dataclasses import dataclass, field

import tomli_w

MAX_LENGTH_LIMIT = 20000

# Keys a site's policy may set, with the values a site gets when it sets none.
DEFAULT_POLICY = {
    "text": "",
    "guests": "allow",
    "min_length": 2,
    "max_length": 5000,
}
GUEST_MODES = ("allow", "deny")


class PolicyError(ValueError):
    """A policy was refused; the message names the key and what is wrong with it."""


def site_policy(site):
    """The site's policy: its own settings over the defaults."""
    return {**DEFAULT_POLICY, **site.settings.get("policy", {})}


def validate_policy(data):
    """The keys of `data` checked one by one; returns them (the owner's choices only)."""
    for key in data:
        if key not in DEFAULT_POLICY:
            known = ", ".join(DEFAULT_POLICY)
            raise PolicyError(f"Unknown policy key {key!r}. The keys are: {known}.")
    for key, value in data.items():
        expected = type(DEFAULT_POLICY[key])
        # bool is an int to Python, never to a policy file.
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise PolicyError(f"{key} must be {'an integer' if expected is int else 'a string'}, not {value!r}.")
    rules = {**DEFAULT_POLICY, **data}
    if rules["guests"] not in GUEST_MODES:
        raise PolicyError(f"guests must be one of {', '.join(GUEST_MODES)}, not {rules['guests']!r}.")
    if rules["min_length"] < 1:
        raise PolicyError("min_length must be at least 1.")
    if not rules["min_length"] <= rules["max_length"] <= MAX_LENGTH_LIMIT:
        raise PolicyError(f"max_length must be between min_length ({rules['min_length']}) and {MAX_LENGTH_LIMIT:,}.")
    return dict(data)


def parse_policy_toml(text):
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"The file is not valid TOML: {error}.") from None
    return validate_policy(data)


def policy_toml(rules):
    return tomli_w.dumps(rules)


@dataclass
class Verdict:
    action: str  # "publish", "hold" or "reject"
    reasons: list = field(default_factory=list)

    @property
    def status(self):
        return {"publish": "published", "hold": "pending", "reject": "rejected"}[self.action]


def decide(draft, rules):
    """The fate of a valid draft comment under the site's policy `rules`."""
    return Verdict("publish")
