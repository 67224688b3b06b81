"""The comment policy's rules one by one, their order in `judge`, policy validation and `describe`.

Pure unit tests of widget.policy: no app, no database.
"""
import re

import pytest

from widget.policy import (
    DEFAULT_POLICY,
    MAX_LENGTH_LIMIT,
    MAX_LIST_ENTRIES,
    PIPELINE,
    POLICY_PAGE,
    PolicyError,
    Reason,
    Submission,
    Verdict,
    judge,
    describe,
    normalize_domain,
    parse_policy_toml,
    rule_automation,
    rule_banned_words,
    rule_blocked_domains,
    rule_duplicate,
    rule_guest_mode,
    rule_links,
    rule_new_commenter,
    rule_premoderate_all,
    rule_shouting,
    rule_suspect_words,
    url_host,
    validate_policy,
)
from widget.render import render_markdown

PUNYCODE_PRIMER = "xn--e1afmkfd.xn--p1ai"  # пример.рф


def submission(body="Хорошая статья, спасибо.", *, signed_in=True, trusted=False, approved_count=0,
               duplicate=False, automation=None, website=None):
    """A draft comment as the POST builds it: its HTML rendered from its markdown."""
    return Submission(
        body_source=body,
        body_html=render_markdown(body),
        signed_in=signed_in,
        trusted=trusted,
        approved_count=approved_count,
        duplicate=duplicate,
        automation=automation,
        website=website,
    )


def guest(body="Хорошая статья, спасибо.", **kwargs):
    return submission(body, signed_in=False, trusted=False, approved_count=0, **kwargs)


def policy(**overrides):
    """A site's policy as the app sees it: the owner's validated keys over the defaults."""
    return {**DEFAULT_POLICY, **validate_policy(overrides)}


def assert_reason(outcome, action, code):
    """The rule's action and Reason; returns the Reason for more checks."""
    assert outcome is not None, f"expected {action} for {code}, the rule let the comment through"
    got_action, reason = outcome
    assert got_action == action
    assert isinstance(reason, Reason)
    assert reason.code == code
    assert reason.message and reason.message.endswith(".")
    assert reason.detail
    assert reason.as_dict() == {"code": code, "message": reason.message, "detail": reason.detail}
    return reason


# --- automation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sign", ["honeypot", "no-timestamp", "too-fast"])
def test_automation_signs_are_refused_without_explaining_the_trap(sign):
    reason = assert_reason(rule_automation(submission(automation=sign), policy()), "reject", "automated")
    assert sign in reason.detail
    message = reason.message.lower()
    for secret in ("honeypot", "timestamp", "second", "trap", "hidden", "field", "bot", "fast", sign):
        assert secret not in message


def test_no_automation_sign_passes():
    assert rule_automation(submission(), policy()) is None


# --- duplicate ------------------------------------------------------------------------------------


def test_a_duplicate_is_refused():
    reason = assert_reason(rule_duplicate(submission(duplicate=True), policy()), "reject", "duplicate")
    assert "24" in reason.detail
    assert "12" in rule_duplicate(submission(duplicate=True), policy(duplicate_window_hours=12))[1].detail


def test_duplicate_check_is_off_with_a_zero_window():
    assert rule_duplicate(submission(duplicate=True), policy(duplicate_window_hours=0)) is None
    assert rule_duplicate(submission(duplicate=False), policy()) is None


# --- banned words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, entry",
    [
        ("You are an idiot.", "idiot"),
        ("Ну ты и дуpак!", "дурак"),  # Latin p
        ("what a m o r o n", "moron"),
        ("Такие дураки пишут статьи", "дурак*"),
    ],
)
def test_banned_words_are_refused_naming_the_word(body, entry):
    rules = policy(banned_words=["idiot", "moron", "дурак*" if entry.endswith("*") else "дурак"])
    reason = assert_reason(rule_banned_words(submission(body), rules), "reject", "banned_words")
    assert entry in reason.detail
    assert entry not in reason.message


@pytest.mark.parametrize("body", ["you id&#105;ot", "you &#x69;&#x64;&#x69;&#x6f;&#x74;",
                                  "you i[d](https://a.example)iot", "you id*io*t"])
def test_banned_words_are_found_in_the_text_readers_see(body):
    outcome = rule_banned_words(submission(body), policy(banned_words=["idiot"]))
    assert assert_reason(outcome, "reject", "banned_words").detail == "banned: idiot"


def test_a_reference_escaped_once_is_read_as_the_reader_sees_it():
    # "&amp;#105;" shows "&#105;": nothing on screen spells the word.
    assert rule_banned_words(submission("you &amp;#105;diot"), policy(banned_words=["idiot"])) is None


def test_banned_words_found_in_the_source_and_the_text_are_each_named_once():
    reason = rule_banned_words(submission("idiot, you &#109;oron, idiot"), policy(banned_words=["idiot", "moron"]))[1]
    assert reason.detail == "banned: idiot, moron"


def test_banned_words_leave_innocent_words_alone():
    rules = policy(banned_words=["idiot*", "ass", "кот"])
    assert rule_banned_words(submission("An idiosyncratic class, a passing скотина."), rules) is None
    assert rule_banned_words(submission("Anything"), policy()) is None


# --- blocked domains ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "listed, body, named",
    [
        ("evil.com", "see [this](https://evil.com/page)", "evil.com"),
        ("evil.com", "see https://evil.com/page", "evil.com"),
        ("evil.com", "see <https://evil.com>", "evil.com"),
        ("evil.com", "see www.evil.com", "evil.com"),
        ("evil.com", "see https://www.evil.com/x", "evil.com"),
        ("evil.com", "see [x](http://a.b.evil.com/x?y=1)", "evil.com"),
        ("evil.com", "see https://EVIL.com/", "evil.com"),
        ("evil.com", "see https://evil.com:8443/x", "evil.com"),
        ("Evil.Com.", "see https://evil.com", "evil.com"),
        ("пример.рф", f"see https://{PUNYCODE_PRIMER}/x", PUNYCODE_PRIMER),
        ("пример.рф", "see [x](https://пример.рф/x)", PUNYCODE_PRIMER),
        (PUNYCODE_PRIMER, "see https://пример.рф/x", PUNYCODE_PRIMER),
        (PUNYCODE_PRIMER, "see [x](https://новости.пример.рф)", PUNYCODE_PRIMER),
    ],
)
def test_links_to_blocked_domains_are_refused_naming_the_domain(listed, body, named):
    rules = policy(blocked_domains=["spam.example", listed])
    reason = assert_reason(rule_blocked_domains(submission(body), rules), "reject", "blocked_domains")
    assert named in reason.detail
    assert named not in reason.message


def test_a_link_with_a_capitalised_scheme_is_still_a_link_to_the_blocked_domain():
    # Browsers follow HTTPS://EVIL.COM like https://evil.com, and the sanitiser keeps the href.
    for body in ("see [x](HTTPS://EVIL.COM/a)", "see HTTPS://EVIL.COM/a", "see Https://evil.com"):
        assert 'href="' in render_markdown(body)
        reason = assert_reason(rule_blocked_domains(submission(body), policy(blocked_domains=["evil.com"])),
                               "reject", "blocked_domains")
        assert "evil.com" in reason.detail


def test_every_blocked_domain_found_is_named():
    rules = policy(blocked_domains=["evil.com", "spam.example"])
    body = "https://spam.example/a and [b](https://evil.com) and https://fine.org"
    reason = rule_blocked_domains(submission(body), rules)[1]
    assert "evil.com" in reason.detail and "spam.example" in reason.detail
    assert "fine.org" not in reason.detail


@pytest.mark.parametrize(
    "body",
    [
        "see https://notevil.com/x",
        "see [x](https://evil.com.attacker.org/)",
        "see https://evil.co/",
        "see https://evilcom.org/",
        "no links at all",
    ],
)
def test_look_alike_and_unlinked_domains_pass(body):
    assert rule_blocked_domains(submission(body), policy(blocked_domains=["evil.com"])) is None


@pytest.mark.parametrize(
    "body",
    [
        "see [x](https://%65vil.com/)",
        "see [x](https://evil%2ecom/)",
        "see <https://EVIL.com./>",
        "see https://user@evil.com/",
        "see [x](https://ev&#105;l.com/)",
        "see https://%65vil.com/ unlinked",
        "`https://evil.com` in code",
        "`www.evil.com` in code",
        "evil&#46;com is shown, though not linked",
        "evil\\.com is shown, though not linked",
        "see https://evil\u3002com/ (an ideographic full stop is a dot to a browser)",
        "[https://evil.com](https://fine.org) shown as its text",
    ],
)
def test_a_blocked_domain_however_written_is_refused(body):
    reason = assert_reason(rule_blocked_domains(submission(body), policy(blocked_domains=["evil.com"])),
                           "reject", "blocked_domains")
    assert reason.detail == "blocked: evil.com"


@pytest.mark.parametrize("listed", ["bücher.example", "BÜCHER.example.", "xn--bcher-kva.example"])
@pytest.mark.parametrize("body", ["https://xn--bcher-kva.example/", "[x](https://bücher.example)",
                                  "[x](https://b%C3%BCcher.example/)"])
def test_international_domains_match_in_either_form(listed, body):
    reason = rule_blocked_domains(submission(body), policy(blocked_domains=[listed]))[1]
    assert reason.detail == "blocked: xn--bcher-kva.example"


def test_a_list_saved_before_hosts_were_read_like_browsers_still_matches():
    # Saved lists are spelled again the way url_host spells hosts: "faß" is not "fass" to a browser.
    rules = {**policy(), "blocked_domains": ["faß.example", "EVIL.com."]}
    reason = rule_blocked_domains(submission("https://xn--fa-hia.example"), rules)[1]
    assert reason.detail == "blocked: xn--fa-hia.example"
    assert rule_blocked_domains(submission("https://evil.com"), rules)[0] == "reject"


@pytest.mark.parametrize("website", ["https://evil.com", "https://EVIL.com.", "https://www.evil.com/me",
                                     "https://%65vil.com", "https://user@evil.com"])
def test_a_website_on_a_blocked_domain_is_refused(website):
    outcome = rule_blocked_domains(guest("A fine article.", website=website), policy(blocked_domains=["evil.com"]))
    reason = assert_reason(outcome, "reject", "blocked_domains")
    assert reason.detail == "blocked website: evil.com"
    assert "website" in reason.message


def test_a_website_elsewhere_passes():
    rules = policy(blocked_domains=["evil.com"])
    assert rule_blocked_domains(guest("A fine article.", website="https://evil.com.fine.org"), rules) is None
    assert rule_blocked_domains(guest("A fine article.", website=None), rules) is None


def test_a_domain_only_mentioned_in_text_is_linkified_and_counts():
    # markdown-it's linkify turns a bare "evil.com" into a link: what the reader sees is a link.
    rules = policy(blocked_domains=["evil.com"])
    assert rule_blocked_domains(submission("evil.com is a site"), rules)[0] == "reject"


# --- suspect words --------------------------------------------------------------------------------


def test_suspect_words_hold_naming_the_word():
    rules = policy(suspect_words=["casino*", "ставки"])
    reason = assert_reason(rule_suspect_words(submission("Лучшие ставки и CASINOS тут"), rules),
                           "hold", "suspect_words")
    assert "casino*" in reason.detail and "ставки" in reason.detail
    assert "casino" not in reason.message.lower()


def test_suspect_words_flag_with_suspect_action_flag():
    rules = policy(suspect_words=["casino*"], suspect_action="flag")
    reason = assert_reason(rule_suspect_words(submission("best c a s i n o"), rules), "flag", "suspect_words")
    assert "casino*" in reason.detail


def test_no_suspect_word_passes():
    assert rule_suspect_words(submission("Ordinary words"), policy(suspect_words=["casino*"])) is None


# --- links ----------------------------------------------------------------------------------------


def links_body(count, style="bare"):
    if style == "bare":
        return " ".join(f"https://site{n}.example/a" for n in range(count))
    if style == "markdown":
        return " ".join(f"[source {n}](https://site{n}.example/a)" for n in range(count))
    return " ".join(f"https://site{n}.example/a" if n % 2 else f"[s{n}](https://site{n}.example/)" for n in range(count))


@pytest.mark.parametrize("style", ["bare", "markdown", "mixed"])
def test_more_than_max_links_is_held_naming_the_count(style):
    reason = assert_reason(rule_links(submission(links_body(3, style)), policy()), "hold", "links")
    assert "3" in reason.detail
    assert "2" in reason.message


@pytest.mark.parametrize("style", ["bare", "markdown", "mixed"])
def test_exactly_max_links_passes(style):
    assert rule_links(submission(links_body(2, style)), policy()) is None
    assert rule_links(submission(links_body(5, style)), policy(max_links=5)) is None


def test_max_links_zero_holds_a_single_link():
    reason = assert_reason(rule_links(submission("see https://example.org"), policy(max_links=0)), "hold", "links")
    assert "1" in reason.detail
    assert rule_links(submission("no link"), policy(max_links=0)) is None


def test_links_count_bare_urls_and_markdown_links():
    body = "[a](https://a.example) https://b.example www.c.org mailto:x@y.example"
    assert submission(body).links == ["https://a.example", "https://b.example", "http://www.c.org"]


def test_links_count_every_address_a_reader_can_follow_or_copy():
    # Linked (markdown, autolink, linkify) or shown unlinked (in code, or not linkified): a link each.
    body = "[a](https://a.example) <https://b.example> c.org `https://d.example` https://%65.example/"
    assert len(submission(body).links) == 5
    assert rule_links(submission(body), policy(max_links=4))[1].detail == "5 links"
    assert rule_links(submission(body), policy(max_links=5)) is None


def test_a_link_shown_as_its_own_text_counts_once():
    assert len(submission("[https://a.example](https://a.example) and https://b.example").links) == 2


def test_links_with_a_capitalised_scheme_count():
    body = "[a](HTTPS://A.EXAMPLE) HTTPS://B.EXAMPLE Http://c.example"
    assert len(submission(body).links) == 3
    assert rule_links(submission(body), policy())[0] == "hold"


# --- shouting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "THIS IS AN OUTRAGE AND THE EDITORS SHOULD BE ASHAMED",
        "ЭТО ВОЗМУТИТЕЛЬНО, ПОЗОР РЕДАКЦИИ И ВСЕМ ЖУРНАЛИСТАМ",
        "ҚАЗАҚСТАН ҮКІМЕТІ БҰЛ МӘСЕЛЕНІ ШЕШУІ КЕРЕК",
        "ЭТО ПОЗОР, shame, ВСЕ ВИНОВАТЫ В ЭТОМ",  # a few small letters
    ],
)
def test_long_mostly_capital_comments_are_held(body):
    reason = assert_reason(rule_shouting(submission(body), policy()), "hold", "shouting")
    assert re.fullmatch(r"\d+ of \d+ letters are capitals", reason.detail)


@pytest.mark.parametrize(
    "body",
    ["ПОЗОР!", "SHAME ON YOU", "NASA and the UN met the OSCE", "Это обычный комментарий, в нём есть РФ и США."],
)
def test_short_or_mostly_small_comments_pass(body):
    assert rule_shouting(submission(body), policy()) is None


def test_shouting_in_character_references_is_held():
    body = "".join(f"&#{ord(c)};" if c.isalpha() else c for c in "THIS IS AN OUTRAGE AND EVERYONE SHOULD KNOW")
    assert_reason(rule_shouting(submission(body), policy()), "hold", "shouting")


def test_shouting_off():
    assert rule_shouting(submission("ЭТО ВОЗМУТИТЕЛЬНО, ПОЗОР РЕДАКЦИИ И ВСЕМ"), policy(shouting="off")) is None


# --- guests, new commenters, premoderate_all --------------------------------------------------------


def test_guest_premoderation_holds_guests_only():
    rules = policy(guests="premoderate")
    assert_reason(rule_guest_mode(guest(), rules), "hold", "guests")
    assert rule_guest_mode(submission(signed_in=True), rules) is None
    assert rule_guest_mode(guest(), policy(guests="allow")) is None


def test_new_commenters_are_held_until_trusted_after():
    rules = policy(trusted_after=3)
    reason = assert_reason(rule_new_commenter(submission(approved_count=2), rules), "hold", "new_commenter")
    assert "2 of 3" in reason.detail
    assert "3" in reason.message
    # At the count the POST marks the reader trusted.
    assert rule_new_commenter(submission(approved_count=3, trusted=True), rules) is None
    # A moderator's trust, whatever the count.
    assert rule_new_commenter(submission(approved_count=0, trusted=True), rules) is None


def test_guests_are_always_held_by_trusted_after():
    reason = assert_reason(rule_new_commenter(guest(), policy(trusted_after=1)), "hold", "new_commenter")
    assert "guest" in reason.detail


def test_trusted_after_zero_holds_no_one():
    assert rule_new_commenter(guest(), policy(trusted_after=0)) is None
    assert rule_new_commenter(submission(), policy()) is None


def test_premoderate_all_holds_everyone():
    rules = policy(premoderate_all=True)
    assert_reason(rule_premoderate_all(submission(), rules), "hold", "premoderate_all")
    assert_reason(rule_premoderate_all(guest(), rules), "hold", "premoderate_all")
    assert rule_premoderate_all(submission(), policy()) is None


# --- judge ---------------------------------------------------------------------------------------


def codes(verdict):
    return [reason.code for reason in verdict.reasons]


def test_the_pipeline_order_is_the_issues():
    assert [rule.name for rule in PIPELINE] == [
        "rule_automation", "rule_duplicate", "rule_banned_words", "rule_blocked_domains", "rule_suspect_words",
        "rule_links", "rule_shouting", "rule_guest_mode", "rule_new_commenter", "rule_premoderate_all",
    ]


def test_a_clean_comment_is_published_without_reasons():
    verdict = judge(submission("Спасибо за статью, очень интересно."), policy())
    assert (verdict.action, verdict.reasons, verdict.flagged, verdict.status) == ("publish", [], False, "published")


def test_a_banned_word_is_refused_before_too_many_links_are_held():
    rules = policy(banned_words=["idiot"])
    verdict = judge(submission("idiot " + links_body(5)), rules)
    assert (verdict.action, codes(verdict), verdict.status) == ("reject", ["banned_words"], "rejected")


def test_automation_beats_everything():
    rules = policy(banned_words=["idiot"], blocked_domains=["evil.com"], premoderate_all=True)
    body = "IDIOT HERE, GO TO HTTPS://EVIL.COM AND https://evil.com " + links_body(4)
    verdict = judge(submission(body, duplicate=True, automation="honeypot", trusted=True), rules)
    assert codes(verdict) == ["automated"]
    assert verdict.action == "reject"


def test_duplicate_comes_before_banned_words_and_banned_words_before_blocked_domains():
    rules = policy(banned_words=["idiot"], blocked_domains=["evil.com"])
    assert codes(judge(submission("idiot https://evil.com", duplicate=True), rules)) == ["duplicate"]
    assert codes(judge(submission("idiot https://evil.com"), rules)) == ["banned_words"]
    assert codes(judge(submission("casino https://evil.com"), policy(blocked_domains=["evil.com"],
                                                                     suspect_words=["casino"]))) == ["blocked_domains"]


def test_holds_gather_every_reason_in_order():
    rules = policy(suspect_words=["casino*"], premoderate_all=True, guests="premoderate", trusted_after=2,
                   max_links=0)
    body = "CASINO CASINO BEST CASINO IN TOWN, COME NOW [X](https://a.ex)"
    verdict = judge(guest(body), rules)
    assert verdict.action == "hold" and verdict.status == "pending"
    assert codes(verdict) == ["suspect_words", "links", "shouting", "guests", "new_commenter", "premoderate_all"]
    assert verdict.flagged is False


def test_a_trusted_reader_skips_holds():
    rules = policy(suspect_words=["casino*"], premoderate_all=True, trusted_after=5)
    verdict = judge(submission("casino " + links_body(3), trusted=True, approved_count=9), rules)
    assert verdict.action == "publish"
    assert verdict.flagged is False


@pytest.mark.parametrize(
    "overrides, body, kwargs, code",
    [
        ({"banned_words": ["idiot"]}, "idiot", {}, "banned_words"),
        ({"blocked_domains": ["evil.com"]}, "https://evil.com", {}, "blocked_domains"),
        ({}, "same text", {"duplicate": True}, "duplicate"),
        ({}, "fast", {"automation": "too-fast"}, "automated"),
    ],
)
def test_a_trusted_reader_is_still_refused(overrides, body, kwargs, code):
    verdict = judge(submission(body, trusted=True, approved_count=100, **kwargs), policy(**overrides))
    assert (verdict.action, codes(verdict)) == ("reject", [code])


def test_flag_publishes_flagged():
    rules = policy(suspect_words=["casino*"], suspect_action="flag")
    verdict = judge(submission("casinos are bad"), rules)
    assert (verdict.action, verdict.flagged, codes(verdict)) == ("publish", True, ["suspect_words"])


def test_a_trusted_readers_flagged_comment_stays_flagged():
    rules = policy(suspect_words=["casino*"], suspect_action="flag")
    verdict = judge(submission("casinos are bad", trusted=True), rules)
    assert (verdict.action, verdict.flagged) == ("publish", True)


def test_a_held_and_flagged_comment_is_held_and_flagged():
    rules = policy(suspect_words=["casino*"], suspect_action="flag", premoderate_all=True)
    verdict = judge(submission("casinos are bad"), rules)
    assert (verdict.action, verdict.flagged) == ("hold", True)
    assert set(codes(verdict)) == {"premoderate_all", "suspect_words"}


def test_verdict_status():
    assert [Verdict(a).status for a in ("publish", "hold", "reject")] == ["published", "pending", "rejected"]


# --- validate_policy and parse_policy_toml ------------------------------------------------------------


GOOD_VALUES = {
    "text": "Be kind. **Будьте вежливы.**",
    "guests": "premoderate",
    "premoderate_all": True,
    "guest_likes": False,
    "trusted_after": 3,
    "min_length": 5,
    "max_length": 2000,
    "max_links": 0,
    "blocked_domains": ["evil.example", "spam.example"],
    "banned_words": ["idiot", "дурак*"],
    "suspect_words": ["casino*", "ставки"],
    "suspect_action": "flag",
    "shouting": "off",
    "close_after_days": 14,
    "min_submit_seconds": 0,
    "duplicate_window_hours": 0,
    "edit_window_minutes": 30,
}


def test_good_values_cover_every_key():
    assert set(GOOD_VALUES) == set(DEFAULT_POLICY)


@pytest.mark.parametrize("key", list(DEFAULT_POLICY))
def test_every_key_is_accepted_with_a_good_value(key):
    assert validate_policy({key: GOOD_VALUES[key]}) == {key: GOOD_VALUES[key]}
    assert validate_policy({key: DEFAULT_POLICY[key]}) == {key: DEFAULT_POLICY[key]}


def test_every_key_at_once():
    assert validate_policy(dict(GOOD_VALUES)) == GOOD_VALUES
    assert validate_policy(dict(DEFAULT_POLICY)) == DEFAULT_POLICY


@pytest.mark.parametrize("choice_key, choices", [("guests", ["allow", "premoderate", "deny"]),
                                                 ("suspect_action", ["hold", "flag"]), ("shouting", ["hold", "off"])])
def test_every_choice_is_accepted(choice_key, choices):
    for choice in choices:
        assert validate_policy({choice_key: choice}) == {choice_key: choice}


def refused(data, *names):
    with pytest.raises(PolicyError) as caught:
        validate_policy(data)
    message = str(caught.value)
    for name in names:
        assert name in message, f"{message!r} doesn't name {name!r}"
    return message


def test_an_unknown_key_is_refused_by_name():
    refused({"max_link": 3}, "max_link")
    refused({"guests": "allow", "colour": "red"}, "colour")


@pytest.mark.parametrize(
    "key, value",
    [
        ("trusted_after", True),  # bool for int
        ("max_links", False),
        ("min_length", "2"),
        ("max_length", 50.0),
        ("close_after_days", None),
        ("premoderate_all", 1),  # int for bool
        ("premoderate_all", "yes"),
        ("text", 5),
        ("guests", True),
        ("banned_words", "idiot"),
        ("blocked_domains", {"evil.com": True}),
        ("suspect_words", None),
    ],
)
def test_a_wrong_type_is_refused_by_name(key, value):
    refused({key: value}, key)


@pytest.mark.parametrize("key, value", [("guests", "maybe"), ("guests", "Allow"), ("suspect_action", "reject"),
                                        ("shouting", "flag"), ("shouting", "")])
def test_a_bad_choice_is_refused_by_name(key, value):
    refused({key: value}, key, value)


@pytest.mark.parametrize("key", [k for k, v in DEFAULT_POLICY.items() if type(v) is int])
def test_negative_integers_are_refused_by_name(key):
    refused({key: -1}, key)


def test_max_length_limits():
    assert validate_policy({"max_length": MAX_LENGTH_LIMIT}) == {"max_length": MAX_LENGTH_LIMIT}
    refused({"max_length": MAX_LENGTH_LIMIT + 1}, "max_length")
    refused({"max_length": 1}, "max_length")  # below the default min_length of 2
    assert validate_policy({"min_length": 1, "max_length": 1}) == {"min_length": 1, "max_length": 1}


def test_min_length_must_be_positive_and_at_most_max_length():
    refused({"min_length": 0}, "min_length")
    refused({"min_length": 100, "max_length": 50}, "min_length", "max_length")
    refused({"min_length": 6000}, "min_length", "max_length")  # over the default max_length


@pytest.mark.parametrize("key", ["banned_words", "suspect_words"])
@pytest.mark.parametrize("entry", ["", "two words", "*", "x*y", "a" * 101, 3, None, "id-iot"])
def test_bad_word_entries_are_refused_by_name(key, entry):
    refused({key: ["fine", entry]}, key, repr(entry))


def test_too_many_list_entries_are_refused():
    words = [f"w{n}" for n in range(MAX_LIST_ENTRIES)]
    assert len(validate_policy({"banned_words": words})["banned_words"]) == MAX_LIST_ENTRIES
    refused({"banned_words": [*words, "one"]}, "banned_words")


@pytest.mark.parametrize(
    "entry, cleaned",
    [
        ("Evil.Example.", "evil.example"),
        ("evil.example", "evil.example"),
        ("  SPAM.example ", "spam.example"),
        ("пример.рф", PUNYCODE_PRIMER),
        ("ПРИМЕР.РФ", PUNYCODE_PRIMER),
        (PUNYCODE_PRIMER, PUNYCODE_PRIMER),
        ("sub.evil.example", "sub.evil.example"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("%65vil.example", "evil.example"),
    ],
)
def test_blocked_domains_are_normalised(entry, cleaned):
    assert normalize_domain(entry) == cleaned
    assert validate_policy({"blocked_domains": [entry]}) == {"blocked_domains": [cleaned]}


@pytest.mark.parametrize(
    "entry",
    ["https://x.org", "http://evil.example/", "evil.example/path", "localhost", "*.evil.example", "", "two words.com",
     "user@evil.example", "evil.example:80", "evil.example/", "evil.example?x", "10.0.0.1", 3, None],
)
def test_blocked_domains_refuse_what_is_not_a_domain(entry):
    assert normalize_domain(entry) is None
    refused({"blocked_domains": [entry]}, "blocked_domains")


@pytest.mark.parametrize(
    "url, host",
    [
        ("https://evil.example/x", "evil.example"),
        ("https://%65vil.example/", "evil.example"),
        ("https://evil%2eexample/", "evil.example"),
        ("https://EVIL.example./", "evil.example"),
        ("HTTPS://User:Pass@Evil.Example:8443/x?y#z", "evil.example"),
        ("https://bank.example@evil.example/", "evil.example"),
        ("https://evil.example\\@bank.example/", "evil.example"),  # a backslash ends the host, as in browsers
        ("https://bücher.example/", "xn--bcher-kva.example"),
        ("https://b%C3%BCcher.example/", "xn--bcher-kva.example"),
        ("https://пример.рф", PUNYCODE_PRIMER),
        ("https://0x7f.1/", "127.0.0.1"),
        ("https://[::1]/", "[::1]"),
    ],
)
def test_url_host_reads_hosts_as_browsers_do(url, host):
    assert url_host(url) == host


@pytest.mark.parametrize("url", ["evil.example", "/relative", "mailto:x@evil.example", "https://ev il.example/",
                                 "https://", "https://\ud800.example/", ""])
def test_url_host_is_none_where_a_browser_opens_no_host(url):
    assert url_host(url) is None


def test_an_empty_toml_sets_nothing():
    assert parse_policy_toml("") == {}
    assert parse_policy_toml("# only a comment\n") == {}


def test_a_toml_policy_is_parsed_and_validated():
    text = '''
text = "Be kind."
guests = "premoderate"
max_links = 1
banned_words = ["idiot", "дурак*"]
blocked_domains = ["Evil.Example.", "пример.рф"]
premoderate_all = false
'''
    assert parse_policy_toml(text) == {
        "text": "Be kind.",
        "guests": "premoderate",
        "max_links": 1,
        "banned_words": ["idiot", "дурак*"],
        "blocked_domains": ["evil.example", PUNYCODE_PRIMER],
        "premoderate_all": False,
    }


@pytest.mark.parametrize(
    "text, name",
    [
        ("max_linkz = 1", "max_linkz"),
        ("max_links = true", "max_links"),
        ("max_links = -1", "max_links"),
        ("premoderate_all = 1", "premoderate_all"),
        ('guests = "nobody"', "guests"),
        ('banned_words = ["two words"]', "banned_words"),
        ('blocked_domains = ["https://x.org"]', "blocked_domains"),
        ("[banned_words]\nx = 1", "banned_words"),
        ("[extra]\nx = 1", "extra"),
    ],
)
def test_a_bad_toml_policy_is_refused_by_name(text, name):
    with pytest.raises(PolicyError, match=re.escape(name)):
        parse_policy_toml(text)


def test_invalid_toml_is_refused():
    with pytest.raises(PolicyError, match="TOML"):
        parse_policy_toml("max_links = ")


# --- describe -------------------------------------------------------------------------------------


def described(**overrides):
    return "\n".join(describe(policy(**overrides)))


def test_describe_lists_the_length_rule():
    assert "between 2 and 5,000 characters" in described()
    assert "between 10 and 800 characters" in described(min_length=10, max_length=800)


def test_describe_mentions_links_with_the_configured_number():
    assert "more than 2 links wait for a moderator" in described()
    assert "more than 1 link wait" in described(max_links=1)
    assert "more than 7 links" in described(max_links=7)
    assert "Comments with links wait for a moderator." in described(max_links=0)


def test_describe_states_close_after_days_in_days():
    assert "Comments close 14 days after an article's first comment." in described(close_after_days=14)
    assert "Comments close 1 day after an article's first comment." in described(close_after_days=1)
    assert "close" not in described(close_after_days=0).lower().replace("closed", "")


def test_describe_never_publishes_the_lists():
    rules = policy(banned_words=["idiot*", "дурак"], suspect_words=["casino*", "ставки"],
                   blocked_domains=["evil.example", "пример.рф"])
    text = "\n".join(describe(rules)).lower()
    for secret in ("idiot", "дурак", "casino", "ставки", "evil", "пример", PUNYCODE_PRIMER, "xn--"):
        assert secret not in text
    assert "refused" in text  # the banned words rule is described, without its words
    assert "links to some sites are not allowed" in text


def test_describe_follows_the_guest_mode():
    allow, premoderate, deny = (described(guests=mode) for mode in ("allow", "premoderate", "deny"))
    assert len({allow, premoderate, deny}) == 3
    assert "Guests may comment" in allow and "wait for a moderator" not in allow.split("\n")[1]
    assert "Guests may comment" in premoderate and "wait for a moderator" in premoderate.split("\n")[1]
    assert "sign in" in deny and "Guests may comment" not in deny


def test_describe_follows_the_other_rules():
    assert "Every comment waits for a moderator" in described(premoderate_all=True)
    assert "Every comment waits" not in described()
    assert "until 3 of their comments" in described(trusted_after=3)
    assert "mostly in capitals" in described() and "mostly in capitals" not in described(shouting="off")
    assert "within 24 hours" in described() and "within 1 hour is" in described(duplicate_window_hours=1)
    assert "again within" not in described(duplicate_window_hours=0)
    assert "checked by a moderator after they appear" in described(suspect_words=["x1"], suspect_action="flag")
    assert "edit or delete your own comment for 15 minutes" in described()
    assert "for 1 minute after" in described(edit_window_minutes=1)
    assert "can't be edited or deleted" in described(edit_window_minutes=0)


def test_every_rule_judge_runs_has_its_place_on_the_page():
    assert set(PIPELINE) <= set(POLICY_PAGE)
    assert len({rule.name for rule in POLICY_PAGE}) == len(POLICY_PAGE)


def test_the_page_says_readers_with_trusted_after_approved_comments_skip_every_wait():
    """The trust step of `judge` (comments.is_trusted): enough approved comments skip the links wait
    too, not only rule_new_commenter's. The page used to name only readers a moderator trusts."""
    from widget.comments import is_trusted

    rules = policy(trusted_after=3)
    trusted = is_trusted(reader=object(), trusted_here=False, rules=rules, approved_count=3)
    assert judge(submission(links_body(5), approved_count=3, trusted=trusted), rules).action == "publish"
    assert ("Signed-in readers our moderators trust, and those with 3 approved comments, skip these waits"
            in described(trusted_after=3))
    assert "those with 1 approved comment," in described(trusted_after=1)
    assert "Signed-in readers our moderators trust skip these waits" in described(trusted_after=0)


def test_the_page_says_rule_blocked_domains_covers_a_guests_website():
    rules = policy(blocked_domains=["evil.example"])
    assert rule_blocked_domains(guest(website="https://evil.example/me"), rules)[0] == "reject"
    assert "Links to some sites are not allowed, in a comment or as a guest's website." in described(
        blocked_domains=["evil.example"])


def test_the_page_says_rule_banned_words_refuses_the_sites_own_list_not_only_abuse():
    rules = policy(banned_words=["bitcoin"])
    assert rule_banned_words(submission("Buy bitcoin"), rules)[0] == "reject"
    text = described(banned_words=["bitcoin"])
    assert "Comments with words this site doesn't allow are refused." in text and "abusive" not in text


def test_the_page_says_guests_cant_take_the_sites_own_name():
    """forms.GuestCommentForm refuses the site's name as well as its staff's (test_policy_http)."""
    assert "Guests can't use the site's name or the names of its staff" in described()
    assert "site's name" not in described(guests="deny")


@pytest.mark.parametrize("key, value", [("close_after_days", 3_000_000), ("duplicate_window_hours", 100_000_000),
                                        ("min_submit_seconds", 100_000), ("max_links", 5000), ("trusted_after", 5000)])
def test_numbers_too_large_to_mean_anything_are_refused_by_name(key, value):
    with pytest.raises(PolicyError, match=f"{key} must be at most"):
        validate_policy({key: value})
