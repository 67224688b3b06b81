"""A policy's dry run: the verdicts the edited rules give the site's latest comments, and nothing written."""
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import event
from support import add_moderator, policy_form

from widget.moderate.dryrun import NOT_RECHECKED, dry_run, summary
from widget.extensions import db
from widget.models import AuditEntry, Comment, Reader
from widget.policy import DEFAULT_POLICY


def rules(**keys):
    return {**DEFAULT_POLICY, "min_submit_seconds": 0, **keys}


@pytest.fixture
def signed_in(write):
    """write(), for a signed-in reader: signed_in(reader, body=..., status=...)."""
    def make(reader, **fields):
        comment = write(**fields)
        comment.reader_id = reader.id
        db.session.commit()
        return comment
    return make


def a_reader(trusted_on=None):
    from widget.models import TrustedReader

    reader = Reader(provider="demo", subject=secrets.token_hex(4), name="Aigerim")
    db.session.add(reader)
    db.session.commit()
    if trusted_on is not None:
        db.session.add(TrustedReader(site_id=trusted_on.id, reader_id=reader.id))
        db.session.commit()
    return reader


def verdicts(trials):
    """{comment id: (verdict, [reason codes])}"""
    return {t.comment.id: (t.verdict_name, [r.code for r in t.verdict.reasons]) for t in trials}


def test_each_comment_gets_the_verdict_of_the_edited_rules(site, write):
    fine = write(body="A fine article.")
    rude = write(body="You scoundrel.")
    linked = write(body="See https://example.com/a", status="pending")
    suspect = write(body="That sounds fishy to me.")
    shouting = write(body="THIS IS THE WORST ARTICLE EVER WRITTEN")
    spam = write(body="Buy at [our shop](https://spam.example/x)")
    trials = dry_run(site, rules(banned_words=["scoundrel*"], max_links=0, suspect_words=["fishy"],
                                 suspect_action="flag", blocked_domains=["spam.example"]))
    assert verdicts(trials) == {
        fine.id: ("publish", []),
        rude.id: ("reject", ["banned_words"]),
        linked.id: ("hold", ["links"]),
        suspect.id: ("flag", ["suspect_words"]),
        shouting.id: ("hold", ["shouting"]),
        spam.id: ("reject", ["blocked_domains"]),
    }
    by_id = {t.comment.id: t for t in trials}
    assert by_id[rude.id].verdict.reasons[0].detail == "banned: scoundrel*"
    assert by_id[linked.id].verdict.reasons[0].detail == "1 links"
    assert [t.comment.id for t in trials] == sorted(by_id, reverse=True)  # newest first
    # The held comment with a link stays held; the others change.
    assert {t.comment.id for t in trials if not t.changes} == {fine.id, linked.id}
    assert summary(trials) == {"total": 6, "changes": 4,
                               "verdicts": {"publish": 1, "hold": 2, "reject": 2, "flag": 1}}


def test_the_checks_before_the_pipeline_count_too(site, write, signed_in):
    reader = a_reader()
    guest = write(body="A guest's word.")
    member = signed_in(reader, body="A member's word.")
    denied = verdicts(dry_run(site, rules(guests="deny")))
    assert denied == {guest.id: ("reject", ["signin"]), member.id: ("publish", [])}
    guest_hold = verdicts(dry_run(site, rules(guests="premoderate")))
    assert guest_hold[guest.id] == ("hold", ["guests"]) and guest_hold[member.id] == ("publish", [])

    long = write(body="A comment that runs on and on.")
    [trial] = [t for t in dry_run(site, rules(max_length=20)) if t.comment.id == long.id]
    assert (trial.verdict_name, trial.verdict.reasons[0].detail) == ("reject", "30 characters; 2 to 20 allowed")

    late = write(body="Much later.", thread="article-2")
    late.created = late.thread.created + timedelta(days=10)
    db.session.commit()
    closing = verdicts(dry_run(site, rules(close_after_days=7)))
    assert closing[late.id] == ("reject", ["closed"]) and closing[guest.id] == ("publish", [])


def test_authors_are_judged_by_their_history_before_each_comment(site, signed_in):
    regular, trusted = a_reader(), a_reader(trusted_on=site)
    first, second, third = (signed_in(regular, body=f"Comment number {n}.") for n in (1, 2, 3))
    theirs = signed_in(trusted, body="Trusted words, and a link https://example.org")
    found = verdicts(dry_run(site, rules(trusted_after=2)))
    # Two approved comments before it make the third trusted; a moderator's trust skips every hold.
    assert found[first.id] == found[second.id] == ("hold", ["new_commenter"])
    assert found[third.id] == ("publish", [])
    assert verdicts(dry_run(site, rules(max_links=0, premoderate_all=True)))[theirs.id] == (
        "publish", ["links", "premoderate_all"])
    [trial] = [t for t in dry_run(site, rules(trusted_after=2)) if t.comment.id == second.id]
    assert trial.verdict.reasons[0].detail == "1 of 2 approved comments"


def test_deleted_comments_are_left_out_and_the_limit_holds(site, write):
    comments = [write(body=f"Comment {n}") for n in range(5)]
    comments[4].status = "deleted"
    db.session.commit()
    assert [t.comment.id for t in dry_run(site, rules(), limit=3)] == [c.id for c in reversed(comments[1:4])]


def test_a_dry_run_writes_nothing(app, site, write, signed_in):
    write(body="You scoundrel.")
    signed_in(a_reader(), body="See https://example.com/a")
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        trials = dry_run(site, rules(banned_words=["scoundrel*"], max_links=0, trusted_after=3))
        db.session.commit()  # anything the dry run left pending would be written now
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert len(trials) == 2 and statements
    assert all(s.lstrip().upper().startswith("SELECT") for s in statements), statements
    assert [c.status for c in db.session.scalars(db.select(Comment).order_by(Comment.id))] == ["published", "published"]


# Through the dashboard


@pytest.fixture
def as_admin(open_dashboard):
    add_moderator("admin@parley.example", admin=True)
    client = open_dashboard()
    client.log_in("admin@parley.example")
    return client


def test_the_dry_run_button_shows_the_verdicts_and_saves_nothing(as_admin, site, write):
    rude = write(body="You scoundrel.")
    fine = write(body="A fine article.")
    settings, version = dict(site.settings), site.version
    page = as_admin.submit(f"/moderate/sites/{site.key}/policy",
                          {**policy_form(site, banned_words=["scoundrel*"]), "dry_run": "Dry run"})
    assert page.status_code == 200 and "Dry run: nothing is saved" in page.text
    assert re.search(rf'data-comment-id="{rude.id}" data-now="published" data-verdict="reject"', page.text)
    assert re.search(rf'data-comment-id="{fine.id}" data-now="published" data-verdict="publish"', page.text)
    assert "<code>banned_words</code> banned: scoundrel*" in page.text
    assert 'data-changes="1"' in page.text and NOT_RECHECKED.split(":")[0] in page.text.replace("&#39;", "'")
    assert "scoundrel*</textarea>" in page.text  # the edited policy stays in the form, to save or change
    db.session.refresh(site)
    assert (site.settings, site.version) == (settings, version)
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 0


def test_a_dry_run_of_a_policy_that_breaks_the_rules_is_422(as_admin, site, write):
    write(body="A fine article.")
    page = as_admin.submit(f"/moderate/sites/{site.key}/policy",
                          {**policy_form(site, banned_words=["two words"]), "dry_run": "Dry run"})
    assert page.status_code == 422 and "Dry run: nothing is saved" not in page.text
    assert 'data-field="banned_words"' in page.text
