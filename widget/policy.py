"""The comment policy: a site's rules, the fate of each comment under them, and their description.

A site's policy is stored as the keys its owner set (site.settings["policy"]);
every other key takes its default. `judge` runs an ordered pipeline of small
rules over a Submission (the draft, what the author's history says, the form's
automation signs); each rule may refuse, hold or flag the comment with a
Reason: a code, a sentence for the reader, detail for moderators. Text rules
read both the markdown source and what readers get of the rendered HTML (its
visible text and links), and hosts are compared as a browser resolves them,
so character references and percent-encoding hide nothing. Each rule carries
the sentence the Comment Policy page shows for it, and `describe` collects
them in the page's order, so the published policy and the enforced one agree.
"""
import functools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field

import ada_url
import tomli_w

from .render import SCHEME_URL, Reading, read_html, urls_in
from .wordmatch import compile_words, valid_entry

MAX_LENGTH_LIMIT = 20000
MAX_LIST_ENTRIES = 20000

# Every key a site's policy may set, with the value a site gets when it sets none.
DEFAULT_POLICY = {
    "text": "",
    "guests": "allow",
    "premoderate_all": False,
    "trusted_after": 0,
    "min_length": 2,
    "max_length": 5000,
    "max_links": 2,
    "blocked_domains": [],
    "banned_words": [],
    "suspect_words": [],
    "suspect_action": "hold",
    "shouting": "hold",
    "close_after_days": 0,
    "min_submit_seconds": 3,
    "duplicate_window_hours": 24,
    "edit_window_minutes": 15,
    "guest_likes": True,
}
# The largest sensible value of each number, so no setting can overflow a date or a count.
MAXIMA = {
    "trusted_after": 1000,
    "min_length": MAX_LENGTH_LIMIT,
    "max_length": MAX_LENGTH_LIMIT,
    "max_links": 1000,
    "close_after_days": 36500,
    "min_submit_seconds": 3600,
    "duplicate_window_hours": 8760,
    "edit_window_minutes": 10080,
}
CHOICES = {
    "guests": ("allow", "premoderate", "deny"),
    "suspect_action": ("hold", "flag"),
    "shouting": ("hold", "off"),
}
# A comment with at least this many letters, nearly all capitals, is shouting.
SHOUTING_MIN_LETTERS = 20
SHOUTING_SHARE = 0.7
# What a blocked_domains entry can't hold: it is a host name, not a URL (no scheme, path, user or port).
URL_PARTS = re.compile(r"[/\\@:?#\s]")
DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")


class PolicyError(ValueError):
    """A policy was refused; the message names the key and what is wrong with it.

    `key` names it too, so a form can show the message beside that key's field.
    """

    def __init__(self, message, key=None):
        super().__init__(message)
        self.key = key


def site_policy(site):
    """The site's policy: its own settings over the defaults."""
    return {**DEFAULT_POLICY, **site.settings.get("policy", {})}


def url_host(url):
    """The host a browser opens for `url`, lower-case and without a trailing dot; None if it opens none.

    WHATWG parsing, as browsers do: "https://%65vil.example", "https://evil%2eexample",
    "https://user@EVIL.example." and "https://evil.example" are all evil.example, and IDNs
    come out in their ASCII (punycode) form.
    """
    try:
        host = ada_url.URL(url).hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") or None


def normalize_domain(entry):
    """"Evil.Example." -> "evil.example", as url_host reads a link's host; None if not a domain."""
    if not isinstance(entry, str) or URL_PARTS.search(entry.strip()):
        return None
    host = url_host("http://" + entry.strip())
    return host if host and DOMAIN.fullmatch(host) else None


def validate_policy(data):
    """The keys of `data` checked one by one; returns the owner's choices, lists cleaned."""
    for key in data:
        if key not in DEFAULT_POLICY:
            raise PolicyError(f"Unknown policy key {key!r}. The keys are: {', '.join(DEFAULT_POLICY)}.", key)
    cleaned = {key: validate_value(key, value) for key, value in data.items()}
    validate_lengths({**DEFAULT_POLICY, **cleaned})
    return cleaned


def validate_value(key, value):
    """One known key's value on its own; returns it, a list cleaned."""
    expected = type(DEFAULT_POLICY[key])
    # bool is an int to Python, never to a policy file.
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        kind = {int: "an integer", str: "a string", bool: "true or false", list: "a list"}[expected]
        raise PolicyError(f"{key} must be {kind}, not {value!r}.", key)
    if key in CHOICES and value not in CHOICES[key]:
        raise PolicyError(f"{key} must be one of {', '.join(CHOICES[key])}, not {value!r}.", key)
    if expected is int and value < 0:
        raise PolicyError(f"{key} must be 0 or more, not {value}.", key)
    if expected is int and value > MAXIMA[key]:
        raise PolicyError(f"{key} must be at most {MAXIMA[key]:,}, not {value:,}.", key)
    if expected is list:
        return validate_list(key, value)
    return value


def validate_lengths(rules):
    """The one rule across keys: min_length <= max_length."""
    if rules["min_length"] < 1:
        raise PolicyError("min_length must be at least 1.", "min_length")
    if not rules["min_length"] <= rules["max_length"] <= MAX_LENGTH_LIMIT:
        raise PolicyError(f"max_length must be between min_length ({rules['min_length']}) and {MAX_LENGTH_LIMIT:,}.",
                          "max_length")


def value_problems(data):
    """{key: message} for each known key of `data` whose value validate_policy refuses on its own."""
    problems = {}
    for key, value in data.items():
        if key not in DEFAULT_POLICY:
            continue  # validate_policy names unknown keys
        try:
            validate_value(key, value)
        except PolicyError as error:
            problems[key] = str(error)
    return problems


def policy_problems(data):
    """{key: message} for everything validate_policy refuses in `data`, where it stops at the
    first: a form shows them all at once. Empty when validate_policy(data) accepts it."""
    problems = value_problems(data)
    if not problems:
        try:
            validate_policy(data)
        except PolicyError as error:
            problems[error.key] = str(error)
    return problems


def validate_list(key, entries):
    if len(entries) > MAX_LIST_ENTRIES:
        raise PolicyError(f"{key} holds {len(entries):,} entries; at most {MAX_LIST_ENTRIES:,}.", key)
    cleaned = []
    for entry in entries:
        if key == "blocked_domains":
            domain = normalize_domain(entry)
            if domain is None:
                raise PolicyError(f"blocked_domains: {entry!r} is not a domain (like example.com, without http://).",
                                  key)
            cleaned.append(domain)
        elif valid_entry(entry):
            cleaned.append(entry)
        else:
            raise PolicyError(f"{key}: {entry!r} is not a word (letters and digits, optionally ending in *).", key)
    return cleaned


def parse_policy_toml(text):
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"The file is not valid TOML: {error}.") from None
    return validate_policy(data)


def policy_toml(rules):
    return tomli_w.dumps(rules)


@dataclass(frozen=True)
class Reason:
    code: str
    message: str  # for the reader, in plain words
    detail: str = ""  # for moderators: which word, which domain, how many links

    def as_dict(self):
        return {"code": self.code, "message": self.message, "detail": self.detail}


@dataclass
class Verdict:
    action: str  # "publish", "hold" or "reject"
    reasons: list = field(default_factory=list)
    flagged: bool = False

    @property
    def status(self):
        return {"publish": "published", "hold": "pending", "reject": "rejected"}[self.action]


@dataclass
class Submission:
    """What the pipeline judges: the comment and what is known of its author and form."""

    body_source: str
    body_html: str  # rendered: what readers see and follow
    signed_in: bool
    trusted: bool  # a signed-in reader a moderator trusts, or with trusted_after approved comments
    approved_count: int  # the signed-in reader's published comments on the site
    duplicate: bool  # the same author posted this same text within duplicate_window_hours
    automation: str | None = None  # "honeypot", "no-timestamp" or "too-fast": why it looks automated
    website: str | None = None  # the guest's website, linked from their name
    # body_html read once: what readers see of it, and every address they can follow or copy from it.
    reading: Reading = field(init=False, repr=False)
    links: list = field(init=False)

    def __post_init__(self):
        self.reading = read_html(self.body_html)
        self.links = [url for url in self.reading.hrefs if is_web_url(url)] + urls_in(self.reading.unlinked_text)

    @property
    def visible_text(self):
        return self.reading.text

    @property
    def texts(self):
        """What the text rules read: the source as written, and the text as shown."""
        return (self.body_source, self.visible_text)


AUTOMATED = "Your comment couldn't be accepted just now. Please wait a moment and send it again."


@dataclass(frozen=True)
class Rule:
    """One rule of the policy: its check, and the sentence the Comment Policy page shows for it.

    Kept together so the published policy and the enforced one can't drift apart.
    `says(rules)` is the page's sentence under a site's settings, or None where they
    turn the rule off. `check(submission, rules)` is what `judge` runs: None, or
    (action, Reason). A rule enforced outside `judge` has no check here; its
    comment names where it is enforced.
    """

    name: str
    says: Callable
    check: Callable | None = None

    def __call__(self, submission, rules):
        return self.check(submission, rules)


def counted(count, noun):
    """The page's numbers with their nouns: "1 hour", "24 hours"."""
    return f"{count} {noun}{'s' if count != 1 else ''}"


def saying(says):
    """Make the check below a Rule of its own name that the Comment Policy page describes with `says`."""
    return lambda check: Rule(check.__name__, says, check)


def is_web_url(url):
    return url.lower().startswith(("http://", "https://"))


def words_found(entries, submission):
    """The entries of a word list that the source or the text shown contains."""
    matcher = compile_words(tuple(entries))
    return sorted({entry for text in submission.texts for entry in matcher.find(text)})


# The reader is told nothing about the traps, on the page or when caught.
@saying(lambda rules: None)
def rule_automation(submission, rules):
    if submission.automation:
        return "reject", Reason("automated", AUTOMATED, f"looks automated: {submission.automation}")


def duplicate_sentence(rules):
    hours = rules["duplicate_window_hours"]
    if hours:
        return f"Posting the same comment again within {counted(hours, 'hour')} is refused."


@saying(duplicate_sentence)
def rule_duplicate(submission, rules):
    if rules["duplicate_window_hours"] and submission.duplicate:
        return "reject", Reason("duplicate", "You have already posted this comment.",
                                f"same text within {rules['duplicate_window_hours']} hours")


# The list is the site's own: the page says so, and never which words are on it.
@saying(lambda rules: "Comments with words this site doesn't allow are refused." if rules["banned_words"] else None)
def rule_banned_words(submission, rules):
    found = words_found(rules["banned_words"], submission)
    if found:
        return "reject", Reason("banned_words", "Your comment uses words this site doesn't allow. "
                                "Please rephrase it and send it again.", "banned: " + ", ".join(found))


@functools.lru_cache(maxsize=128)
def domain_set(entries):
    """A blocked_domains list as url_host spells hosts (lists saved before it spelled some IDNs otherwise)."""
    return frozenset(filter(None, map(normalize_domain, entries)))


def blocked_host(url, domains):
    """The entry of `domains` (a domain_set) that `url`'s host is or is under, or None."""
    labels = (url_host(url) or "").split(".")
    return next((d for d in (".".join(labels[i:]) for i in range(len(labels))) if d in domains), None)


def urls_shown(submission):
    """Every address the body links to or shows: its links, the addresses its links' words show, and
    any scheme:// address in its source."""
    return (submission.links + urls_in(submission.reading.link_text)
            + SCHEME_URL.findall(submission.body_source))


@saying(lambda rules: "Links to some sites are not allowed, in a comment or as a guest's website."
        if rules["blocked_domains"] else None)
def rule_blocked_domains(submission, rules):
    domains = domain_set(tuple(rules["blocked_domains"]))
    if not domains:
        return None
    blocked = {blocked_host(url, domains) for url in urls_shown(submission)} - {None}
    if blocked:
        return "reject", Reason("blocked_domains", "Your comment links to a site that isn't allowed here. "
                                "Please remove the link and send it again.", "blocked: " + ", ".join(sorted(blocked)))
    website = blocked_host(submission.website, domains) if submission.website else None
    if website:
        return "reject", Reason("blocked_domains", "Your website is on a site that isn't allowed here. "
                                "Please remove it and send your comment again.", f"blocked website: {website}")


def suspect_words_sentence(rules):
    if not rules["suspect_words"]:
        return None
    if rules["suspect_action"] == "hold":
        return "Comments with some words wait for a moderator."
    return "Comments with some words are checked by a moderator after they appear."


@saying(suspect_words_sentence)
def rule_suspect_words(submission, rules):
    found = words_found(rules["suspect_words"], submission)
    if found:
        action = "flag" if rules["suspect_action"] == "flag" else "hold"
        return action, Reason("suspect_words", "Some of its words need a moderator's look.",
                              "suspect: " + ", ".join(found))


def links_sentence(rules):
    limit = rules["max_links"]
    if limit == 0:
        return "Comments with links wait for a moderator."
    return f"Comments with more than {counted(limit, 'link')} wait for a moderator."


@saying(links_sentence)
def rule_links(submission, rules):
    count = len(submission.links)
    if count > rules["max_links"]:
        return "hold", Reason("links", links_sentence(rules), f"{count} links")


SHOUTING = "Comments written mostly in capitals wait for a moderator."


@saying(lambda rules: SHOUTING if rules["shouting"] == "hold" else None)
def rule_shouting(submission, rules):
    if rules["shouting"] != "hold":
        return None
    for text in submission.texts:
        letters = [c for c in text if c.isalpha()]
        capitals = sum(c.isupper() for c in letters)
        if len(letters) >= SHOUTING_MIN_LETTERS and capitals >= SHOUTING_SHARE * len(letters):
            return "hold", Reason("shouting", SHOUTING, f"{capitals} of {len(letters)} letters are capitals")


GUEST_MODES = {
    "allow": "Guests may comment with a name and an email address; the address is never shown.",
    "premoderate": "Guests may comment with a name and an email address (never shown); "
                   "their comments wait for a moderator.",
    "deny": "You need to sign in to comment.",
}


# "deny" is enforced by the embed views, which offer guests no form and refuse their POSTs.
@saying(lambda rules: GUEST_MODES[rules["guests"]])
def rule_guest_mode(submission, rules):
    if rules["guests"] == "premoderate" and not submission.signed_in:
        return "hold", Reason("guests", "Comments from guests wait for a moderator.", "guest comment")


def new_commenter_sentence(rules):
    count = rules["trusted_after"]
    if count:
        return (f"Comments from new commenters wait for a moderator until {count} of their comments "
                "have been approved; guests' comments always wait.")


@saying(new_commenter_sentence)
def rule_new_commenter(submission, rules):
    if rules["trusted_after"] and not submission.trusted:
        return "hold", Reason("new_commenter", new_commenter_sentence(rules),
                              f"{submission.approved_count} of {rules['trusted_after']} approved comments"
                              if submission.signed_in else "guests are never trusted")


@saying(lambda rules: "Every comment waits for a moderator before it appears." if rules["premoderate_all"] else None)
def rule_premoderate_all(submission, rules):
    if rules["premoderate_all"]:
        return "hold", Reason("premoderate_all", "Every comment here waits for a moderator.", "premoderate_all")


PIPELINE = (
    rule_automation,
    rule_duplicate,
    rule_banned_words,
    rule_blocked_domains,
    rule_suspect_words,
    rule_links,
    rule_shouting,
    rule_guest_mode,
    rule_new_commenter,
    rule_premoderate_all,
)


def judge(submission, rules):
    """The comment's fate: the first refusal wins; holds and flags gather; trust skips holds."""
    holds, flags = [], []
    for rule in PIPELINE:
        outcome = rule(submission, rules)
        if outcome is None:
            continue
        action, reason = outcome
        if action == "reject":
            return Verdict("reject", [reason])
        (holds if action == "hold" else flags).append(reason)
    if holds and not submission.trusted:
        return Verdict("hold", holds + flags, flagged=bool(flags))
    return Verdict("publish", holds + flags, flagged=bool(flags))


def trust_sentence(rules):
    """`judge`'s last step; who is trusted is comments.is_trusted. There is always a wait (for
    links), so always this sentence."""
    count = rules["trusted_after"]
    enough = f", and those with {counted(count, 'approved comment')}," if count else ""
    return f"Signed-in readers our moderators trust{enough} skip these waits, never the refusals."


# The rules enforced outside `judge`, each where its data is.
# forms.body_length
LENGTH = Rule("length", lambda rules: f"A comment must be between {rules['min_length']:,} and "
                                      f"{rules['max_length']:,} characters long.")
# forms.GuestCommentForm's name check, against the site's name and sites.staff_names
STAFF_NAMES = Rule("staff_names", lambda rules: None if rules["guests"] == "deny" else
                   "Guests can't use the site's name or the names of its staff, such as \"moderator\" or \"editor\".")
TRUST = Rule("trust", trust_sentence)


def closing_sentence(rules):
    days = rules["close_after_days"]
    if days:
        return f"Comments close {counted(days, 'day')} after an article's first comment."


# threads.is_closed
CLOSING = Rule("closing", closing_sentence)


def editing_sentence(rules):
    minutes = rules["edit_window_minutes"]
    if minutes:
        return (f"You may edit or delete your own comment for {counted(minutes, 'minute')} after posting it, "
                "while it is published or awaiting moderation; an edit meets these same rules.")
    return "Comments can't be edited or deleted by their authors once posted."


# widget/edits.py
EDITING = Rule("editing", editing_sentence)
# The moderators' dashboard
REMOVAL = Rule("removal", lambda rules: "Moderators may remove comments that break these rules, "
                                        "and may ban those who keep breaking them.")

# The Comment Policy page's order: who may comment and how, the waits, the refusals, then closing.
POLICY_PAGE = (
    LENGTH,
    rule_guest_mode,
    STAFF_NAMES,
    rule_premoderate_all,
    rule_new_commenter,
    rule_links,
    rule_blocked_domains,
    rule_banned_words,
    rule_suspect_words,
    rule_shouting,
    TRUST,
    rule_duplicate,
    CLOSING,
    EDITING,
    REMOVAL,
    rule_automation,  # says nothing
)


def describe(rules):
    """The enforced rules in plain words, for the Comment Policy page (never the word lists)."""
    return [sentence for rule in POLICY_PAGE if (sentence := rule.says(rules))]
