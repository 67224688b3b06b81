"""A reader's own comment in the browser: posted, edited (the thread says so), an edit cancelled with
Escape, then deleted; the Edit and Delete buttons come from the personal form, never the thread."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_guest_posts_edits_cancels_an_edit_and_deletes(demo, page):
    page.goto(demo.host_page("own", "e2e-own"))
    widget = page.locator("#parley-comments")
    form = widget.locator(".parley-form-slot form.parley-form")
    form.get_by_role("textbox", name="Comment", exact=True).fill("My first thougt")
    form.get_by_role("textbox", name="Name", exact=True).fill("Own Reader")
    form.get_by_role("textbox", name="Email", exact=True).fill("own@example.org")
    form.get_by_role("button", name="Post Comment").click()
    posted = widget.locator(".parley-thread-slot article.parley-comment", has_text="My first thougt")
    expect(posted).to_be_visible()
    mine = widget.locator(f"#{posted.get_attribute('id')}")

    mine.get_by_role("button", name="Edit").click()
    editor = mine.locator("form.parley-edit-form textarea")
    expect(editor).to_have_value("My first thougt")
    editor.fill("My first thought, fixed")
    mine.get_by_role("button", name="Save").click()
    expect(mine.locator(".parley-body")).to_have_text("My first thought, fixed")
    expect(mine.locator(".parley-edited")).to_have_text("edited")
    expect(mine.locator(".parley-edited")).to_have_attribute("title", re.compile(r"^Edited "))

    mine.get_by_role("button", name="Edit").click()
    editor = mine.locator("form.parley-edit-form textarea")
    editor.fill("Something I'd rather not say")
    editor.press("Escape")
    expect(mine.locator("form.parley-edit-form")).to_have_count(0)
    expect(mine.locator(".parley-body")).to_be_visible()
    expect(mine.locator(".parley-body")).to_have_text("My first thought, fixed")

    count = widget.locator("section.parley-thread")
    shown = int(count.get_attribute("data-count"))
    mine.get_by_role("button", name="Delete").click()
    mine.get_by_role("button", name="Delete for good?").click()
    expect(widget.locator(".parley-thread-slot article.parley-comment", has_text="My first thought")).to_have_count(0)
    expect(count).to_have_attribute("data-count", str(shown - 1))

    page.reload()
    expect(widget.locator("section.parley-thread")).to_be_visible()
    expect(widget.get_by_text("My first thought")).to_have_count(0)
