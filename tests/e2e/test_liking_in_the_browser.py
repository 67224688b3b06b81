"""Likes in the browser: a reader likes another's comment, sees it at once, finds it pressed after a
reload (the pressed state comes with the personal form, never the public thread), and takes it back."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_reader_likes_a_comment_finds_it_liked_after_a_reload_and_unlikes_it(demo, page):
    comment = demo.write("e2e-likes", "A comment worth liking", name="Someone Else")
    page.goto(demo.host_page("likes", "e2e-likes"))
    widget = page.locator("#parley-comments")
    article = widget.locator(f"#parley-c{comment}")
    button = article.locator("button.parley-like")
    count = article.locator(".parley-likes")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(count).to_have_attribute("data-count", "0")

    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(count).to_have_text("1")

    page.reload()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(count).to_have_attribute("data-count", "1")

    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(count).to_have_text("0")
