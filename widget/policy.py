"""The comment policy: a site's rules, and the fate of each comment under them.

The comment POST asks `decide` for a comment's fate once the form is valid.
The rules behind it (word lists, links, premoderation...) arrive with the
policy engine; until then every valid comment is published.
"""
from dataclasses import dataclass, field

# Keys a site's policy may set, with the values a site gets when it sets none.
DEFAULT_POLICY = {
    "min_length": 2,
    "max_length": 5000,
}


def site_policy(site):
    """The site's policy: its own settings over the defaults."""
    return {**DEFAULT_POLICY, **site.settings.get("policy", {})}


@dataclass
class Verdict:
    action: str  # "publish", "hold" or "reject"
    reasons: list = field(default_factory=list)

    @property
    def status(self):
        return {"publish": "published", "hold": "pending", "reject": "rejected"}[self.action]


def decide(draft, policy):
    """The fate of a valid draft comment under `policy`."""
    return Verdict("publish")
