"""What a reader sees and does on the demo article, in a real browser."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_reader_sees_the_thread_fixes_the_empty_form_and_posts(demo, page):
    page.goto(demo.article_url)
    widget = page.locator("#parley-comments")
    expect(widget.locator("section.parley-thread")).to_be_visible()
    expect(widget.locator("article.parley-comment .parley-author").first).to_have_text("Aigerim K.")
    expect(page.locator(".byline [data-parley-count]")).to_have_text("3 comments")
    expect(widget.locator(".parley-compose-title")).to_contain_text("Post a Comment")
    expect(widget.locator("a.parley-policy")).to_be_visible()
    expect(widget.get_by_text("* denotes required field")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    widget.get_by_role("button", name="Post Comment").click()
    for field in ("body", "name", "email"):
        expect(widget.locator(f'.parley-error[data-field="{field}"]')).to_be_visible()
    expect(widget.locator('.parley-error[data-field="website"]')).to_have_count(0)

    widget.get_by_role("textbox", name="Comment", exact=True).fill("Balance among **three** forces is the whole story.")
    widget.get_by_role("textbox", name="Name", exact=True).fill("Reader One")
    widget.get_by_role("textbox", name="Email", exact=True).fill("reader.one@example.org")
    widget.get_by_role("button", name="Post Comment").click()

    posted = widget.locator("article.parley-comment", has_text="Balance among three forces")
    expect(posted).to_be_visible()
    expect(posted.locator(".parley-author")).to_have_text("Reader One")
    expect(posted.locator(".parley-body strong")).to_have_text("three")
    expect(widget.locator('.parley-error')).to_have_count(0)
    expect(widget.get_by_role("textbox", name="Comment", exact=True)).to_have_value("")
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator(".byline [data-parley-count]")).to_have_text("4 comments")
