"""The dashboard in a real browser: a moderator clears a queue with the keyboard."""
from playwright.sync_api import expect

from demo.seed import MODERATOR_EMAIL
from widget.extensions import db
from widget.models import AuditEntry, Comment


def sign_in(page, demo, url):
    page.goto(url)
    page.get_by_label("Email").fill(MODERATOR_EMAIL)
    page.get_by_label("Password").fill(demo.moderator_password)
    page.get_by_role("button", name="Sign in").click()


def test_a_moderator_clears_a_queue_with_the_keyboard(demo, page):
    first, second, third = (demo.write("e2e-keys", body, status="pending")
                            for body in ("Keep this one", "Drop this one", "Keep this too"))
    # The queue narrowed to this article, so other tests' held comments stay out of it.
    sign_in(page, demo, f"{demo.parley_url}/moderate/queue/pending?site={demo.site_key}&thread=e2e-keys")
    items = page.locator("article.item")
    expect(items).to_have_count(3)
    expect(page.locator(".keys")).to_be_visible()

    page.keyboard.press("j")
    expect(items.first).to_be_focused()
    page.keyboard.press("a")
    expect(page.get_by_text(f"Comment {first}: approved.")).to_be_visible()
    expect(items).to_have_count(2)
    # The keys carry on where the list left off: the next comment has the focus.
    expect(page.locator(f'article.item[data-comment-id="{second}"]')).to_be_focused()
    page.keyboard.press("r")
    expect(page.get_by_text(f"Comment {second}: rejected.")).to_be_visible()
    expect(page.locator(f'article.item[data-comment-id="{third}"]')).to_be_focused()
    page.keyboard.press("a")
    expect(page.get_by_text("Nothing here.")).to_be_visible()

    with demo.parley.app_context():
        statuses = [db.session.get(Comment, i).status for i in (first, second, third)]
        actions = db.session.scalars(db.select(AuditEntry.action).where(
            AuditEntry.comment_id.in_([first, second, third])).order_by(AuditEntry.id)).all()
    assert statuses == ["published", "rejected", "published"]
    assert actions == ["approve", "reject", "approve"]


def test_typing_a_note_doesnt_trigger_the_shortcuts(demo, page):
    comment = demo.write("e2e-note", "Needs a note", status="pending")
    sign_in(page, demo, f"{demo.parley_url}/moderate/queue/pending?site={demo.site_key}&thread=e2e-note")
    item = page.locator(f'article.item[data-comment-id="{comment}"]')
    note = item.get_by_placeholder("Note (optional)")
    note.fill("a rant about r and a")
    note.press("Enter")
    expect(page.get_by_text(f"Comment {comment}: rejected.")).to_be_visible()
    with demo.parley.app_context():
        entry = db.session.execute(db.select(AuditEntry).filter_by(comment_id=comment)).scalar_one()
    assert (entry.action, entry.note) == ("reject", "a rant about r and a")


def test_a_moderator_bans_a_troll_tries_a_policy_and_finds_it_all_in_the_audit_log(demo, page):
    troll = demo.write("e2e-troll", "Buy cheap watches at my shop", name="Watch Seller")
    sign_in(page, demo, f"{demo.parley_url}/moderate/queue/published?site={demo.site_key}&thread=e2e-troll")
    item = page.locator(f'article.item[data-comment-id="{troll}"]')
    item.get_by_label("Ban for").select_option("7d")
    item.get_by_label("Ban whom").select_option("author")
    item.get_by_role("button", name="Ban").click()
    expect(page.get_by_text("Banned email guest@example.org for 7d.")).to_be_visible()

    with demo.policy():  # whatever the test saves, the demo's policy is restored after it
        page.get_by_role("link", name="Policy").click()
        page.get_by_label("Banned words").fill("watch*")
        page.get_by_role("button", name="Dry run").click()
        row = page.locator(f'.dry-run tr[data-comment-id="{troll}"]')
        expect(row).to_have_attribute("data-verdict", "reject")
        expect(page.get_by_role("heading", name="Dry run: nothing is saved")).to_be_visible()
        page.get_by_role("button", name="Save the policy").click()
        expect(page.get_by_text("Saved the comment policy")).to_be_visible()

        page.get_by_role("link", name="Audit log").click()
        log = page.locator("table.audit")
        expect(log.locator("tr", has_text="policy")).to_contain_text("banned_words")
        expect(log.locator("tr", has_text="email guest@example.org for 7d")).to_contain_text(str(troll))


def test_enter_in_the_policy_form_tries_the_rules_and_saves_nothing(demo, page):
    sign_in(page, demo, f"{demo.parley_url}/moderate/sites/{demo.site_key}/policy")
    field = page.get_by_label("Shortest comment, in characters")
    field.fill("3")
    field.press("Enter")
    expect(page.get_by_role("heading", name="Dry run: nothing is saved")).to_be_visible()
    with demo.parley.app_context():
        from widget.policy import site_policy
        from widget.sites import find_site
        assert site_policy(find_site(demo.site_key))["min_length"] == 2
