"""The policy judges what readers see (issue 10, items 2 and 3), through the comment POST.

Character references spell words the source doesn't ("id&#105;ot" shows "idiot"), and
browsers open hosts the plain text doesn't name ("https://%65vil.example" is evil.example):
each evasion is refused or held as its plain form is, on both databases.
"""
import html

import pytest

from widget.moderate.dryrun import dry_run
from widget.extensions import db
from widget.models import Comment
from widget.policy import site_policy
from widget.sites import set_policy


def with_policy(site, **keys):
    set_policy(site, {"min_submit_seconds": 0, **keys})


def stored():
    return db.session.scalars(db.select(Comment).order_by(Comment.id)).all()


def spelled_in_references(text):
    """`text` with every letter written as a decimal character reference: "AB" -> "&#65;&#66;"."""
    return "".join(f"&#{ord(c)};" if c.isalpha() else c for c in text)


# --- words and shouting: character references ------------------------------------------------------


@pytest.mark.parametrize("body", [
    "you id&#105;ot",
    "you &#x69;&#x64;&#x69;&#x6f;&#x74;",
    "you &#X49;&#x44;IOT",
    spelled_in_references("you idiot"),
])
def test_a_banned_word_in_character_references_is_refused(reader, site, body):
    with_policy(site, banned_words=["idiot"])
    response = reader.post(body=body)
    assert response.status_code == 403
    assert "uses words this site doesn't allow" in html.unescape(response.text)
    [comment] = stored()
    assert comment.status == "rejected" and comment.reasons[0]["detail"] == "banned: idiot"


def test_an_escaped_reference_is_shown_as_written_and_not_decoded_twice(reader, site):
    # "&amp;#105;" shows the reader "&#105;" literally: no "idiot" is on screen, so nothing to refuse.
    with_policy(site, banned_words=["idiot"])
    response = reader.post(body="you &amp;#105;diot")
    assert response.status_code == 201
    assert "you &amp;#105;diot" in reader.thread().text


def test_a_suspect_word_in_character_references_is_held(reader, site):
    with_policy(site, suspect_words=["crypto*"])
    response = reader.post(body="Buy cr&#121;pto&#99;oins now")
    assert response.status_code == 202
    [comment] = stored()
    assert comment.status == "pending" and comment.reasons[0]["detail"] == "suspect: crypto*"


def test_shouting_in_character_references_is_held(reader, site):
    # The source holds no letters but the references' x's; the reader sees capitals only.
    response = reader.post(body=spelled_in_references("THIS IS AN OUTRAGE AND EVERYONE SHOULD KNOW IT"))
    assert response.status_code == 202
    [comment] = stored()
    assert comment.reasons[0]["code"] == "shouting"


# --- blocked domains: hosts as browsers open them --------------------------------------------------


@pytest.mark.parametrize("body", [
    "[x](https://%65vil.example/)",
    "[x](https://evil%2eexample/)",
    "<https://EVIL.example./>",
    "https://user@evil.example/",
    "[x](https://bank.example@evil.example/)",
    "[x](https://www.%45VIL.example:8443/path)",
    "[x](https://ev&#105;l.example/)",
    "see https://%65vil.example/ (not linked, but a reader can copy it)",
    "see `https://evil.example/` in code",
])
def test_a_blocked_host_however_written_is_refused(reader, site, body):
    with_policy(site, blocked_domains=["evil.example"])
    response = reader.post(body=body)
    assert response.status_code == 403
    assert "links to a site that isn't allowed here" in html.unescape(response.text)
    [comment] = stored()
    assert comment.status == "rejected" and comment.reasons[0]["detail"] == "blocked: evil.example"


@pytest.mark.parametrize("listed, body", [
    ("bücher.example", "see https://xn--bcher-kva.example/"),
    ("bücher.example", "see [x](https://BÜCHER.example/)"),
    ("bücher.example", "see [x](https://b%C3%BCcher.example/)"),
    ("xn--bcher-kva.example", "see https://bücher.example/"),
    ("BÜCHER.example.", "see [x](https://shop.bücher.example/)"),
])
def test_a_blocked_international_domain_is_refused_in_either_form(reader, site, listed, body):
    with_policy(site, blocked_domains=[listed])
    response = reader.post(body=body)
    assert response.status_code == 403
    [comment] = stored()
    assert comment.reasons[0]["detail"] == "blocked: xn--bcher-kva.example"


@pytest.mark.parametrize("body", [
    "[x](https://evil.example.attacker.example/)",
    "https://notevil.example/",
    "[evil](https://fine.example/?next=evil)",
])
def test_hosts_that_only_look_like_a_blocked_domain_pass(reader, site, body):
    with_policy(site, blocked_domains=["evil.example"])
    assert reader.post(body=body).status_code == 201


@pytest.mark.parametrize("website", [
    "https://evil.example", "https://EVIL.example.", "https://www.evil.example/about", "evil.example",
])
def test_a_guests_website_on_a_blocked_domain_is_refused(reader, site, website):
    with_policy(site, blocked_domains=["evil.example"])
    response = reader.post(website=website, body="A fine article.")
    assert response.status_code == 403
    assert "Your website is on a site that isn't allowed here" in html.unescape(response.text)
    [comment] = stored()
    assert comment.status == "rejected" and comment.reasons[0]["detail"] == "blocked website: evil.example"


def test_a_guests_international_website_is_compared_in_its_ascii_form(reader, site):
    with_policy(site, blocked_domains=["xn--bcher-kva.example"])
    assert reader.post(website="https://bücher.example/", body="A fine article.").status_code == 403


def test_a_guests_percent_encoded_website_is_refused_before_the_policy(reader, site):
    # The form takes no host a person wouldn't type; the policy would refuse it all the same.
    with_policy(site, blocked_domains=["evil.example"])
    response = reader.post(website="https://%65vil.example", body="A fine article.")
    assert response.status_code == 422
    assert stored() == []


def test_a_guests_website_elsewhere_is_published(reader, site):
    with_policy(site, blocked_domains=["evil.example"])
    assert reader.post(website="https://fine.example", body="A fine article.").status_code == 201


# --- links: every address a reader can follow or copy counts ---------------------------------------


def test_links_count_as_the_reader_sees_them(reader, site):
    # One markdown link, one address in code and one bare address linkify leaves as text: three.
    with_policy(site, max_links=2)
    response = reader.post(body="[a](https://a.example) `https://b.example` https://%63.example/")
    assert response.status_code == 202
    [comment] = stored()
    assert comment.reasons[0] == {"code": "links", "message": comment.reasons[0]["message"], "detail": "3 links"}


# --- the dashboard's dry run judges the same way ---------------------------------------------------


@pytest.mark.parametrize("keys, body, website, detail", [
    ({"banned_words": ["idiot"]}, "you &#x69;&#x64;&#x69;&#x6f;&#x74;", "", "banned: idiot"),
    ({"blocked_domains": ["evil.example"]}, "[x](https://evil%2eexample/)", "", "blocked: evil.example"),
    ({"blocked_domains": ["evil.example"]}, "A fine article.", "https://EVIL.example.",
     "blocked website: evil.example"),
])
def test_the_dry_run_refuses_an_evasion_as_the_post_does(reader, site, keys, body, website, detail):
    assert reader.post(body=body, website=website).status_code == 201  # before the rule
    with_policy(site, **keys)
    [trial] = dry_run(site, site_policy(site))
    assert trial.verdict.action == "reject" and trial.verdict.reasons[0].detail == detail
    # The same comment sent now, by another guest (not a duplicate), meets the same verdict.
    response = reader.post(body=body, website=website, email="aigerim@example.org")
    assert response.status_code == 403
    assert [c.status for c in stored()] == ["published", "rejected"]
    assert stored()[1].reasons[0]["detail"] == detail
