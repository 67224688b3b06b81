"""The thread moves while a reader reads: the widget notices, and brings the change in on request.

Each page's clock is Playwright's, so the widget's 30-second checks run at once
when the test moves time on; the requests themselves are real.
"""
import re

import pytest
from playwright.sync_api import expect

from widget.extensions import db
from widget.models import Comment, Moderator
from widget.moderation import apply

pytestmark = pytest.mark.browser

# Counts the widget's thread requests as it makes them, and the server's answers to them.
COUNT_THREAD_FETCHES = """
window.threadFetches = 0;
const originalFetch = window.fetch;
window.fetch = function (url, options) {
  if (String(url).includes("/thread?")) window.threadFetches += 1;
  return originalFetch.apply(this, arguments);
};
"""
SET_VISIBILITY = """state => {
  Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}"""
LONG_BODY = "A paragraph long enough to take some room on the screen. " * 12


def open_live(page, url):
    """`url` with the fetch counter and a clock the test moves; returns the widget once its thread shows."""
    page.add_init_script(COUNT_THREAD_FETCHES)
    page.clock.install()
    page.goto(url)
    widget = page.locator("#parley-comments")
    expect(widget.locator("section.parley-thread")).to_be_visible()
    return widget


def thread_fetches(page):
    return page.evaluate("window.threadFetches")


def check_after(page, milliseconds):
    """Move the page's clock on by `milliseconds` and wait for the check that was due to be answered."""
    with page.expect_response(lambda response: "/thread?" in response.url) as answer:
        page.clock.fast_forward(milliseconds)
    return answer.value


def server_answers(caplog, thread):
    """The statuses the Parley server answered `thread`'s fragment requests with, from its request log."""
    answer = re.compile(r"/thread\?thread=" + re.escape(thread) + r'[ &][^"]*" (\d{3})')
    return [int(found[1]) for record in caplog.records if (found := answer.search(record.getMessage()))]


def top_of(locator):
    return locator.evaluate("element => element.getBoundingClientRect().top")


def fill_guest_form(form, body):
    form.get_by_role("textbox", name="Comment", exact=True).fill(body)
    form.get_by_role("textbox", name="Name", exact=True).fill("Live Reader")
    form.get_by_role("textbox", name="Email", exact=True).fill("live@example.org")


def test_a_second_reader_sees_a_new_comment_and_brings_it_in_keeping_text_and_place(demo, page, browser):
    ids = [demo.write("e2e-live", f"Comment {n}. {LONG_BODY}", name=f"Reader {n}") for n in range(8)]
    url = demo.host_page("live", "e2e-live")
    widget = open_live(page, url)
    widget.locator(".parley-form-slot textarea").fill("My half-written thought")
    widget.locator(f"#parley-c{ids[1]}").get_by_role("link", name="Reply").click()
    reply = widget.locator(f"#parley-c{ids[1]} .parley-compose textarea")
    reply.fill("A half-written reply")
    reading = widget.locator(f"#parley-c{ids[4]}")
    reading.evaluate("element => window.scrollBy(0, element.getBoundingClientRect().top - 150)")
    place = top_of(reading)

    # Another reader answers the first comment, above the one being read; their own reply doesn't
    # come back to them as news.
    writer = browser.new_context().new_page()
    try:
        written = open_live(writer, url)
        written.locator(f"#parley-c{ids[0]}").get_by_role("link", name="Reply").click()
        replying = written.locator(f"#parley-c{ids[0]} .parley-compose")
        fill_guest_form(replying, "Fresh news from the other reader")
        with writer.expect_response(lambda response: "/thread?" in response.url):  # the check after posting
            replying.get_by_role("button", name="Post Comment").click()
        expect(written.locator(f"#parley-c{ids[0]} .parley-replies article.parley-comment")).to_be_visible()
        check_after(writer, 30_000)
        writer.wait_for_timeout(300)  # time for a wrong button to appear
        expect(written.locator(".parley-new-comments")).to_have_count(0)
    finally:
        writer.context.close()

    # Nothing changes before the first check is due; then the button says what changed.
    page.clock.fast_forward(20_000)
    assert thread_fetches(page) == 1
    check_after(page, 10_000)
    button = widget.get_by_role("button", name="1 new comment — show")
    expect(button).to_be_visible()
    expect(widget.locator(".parley-live[aria-live=polite] .parley-new-comments")).to_have_count(1)
    assert top_of(reading) == place  # the button takes no room from the thread

    button.click()
    fresh = widget.locator(f"#parley-c{ids[0]} .parley-replies article.parley-comment")
    expect(fresh).to_have_text(re.compile("Fresh news from the other reader"))
    expect(fresh).to_have_class(re.compile(r"\bparley-new\b"))
    expect(fresh).to_be_focused()
    expect(widget.locator(".parley-new-comments")).to_have_count(0)
    expect(widget.locator(".parley-count")).to_have_text("9 comments")
    expect(widget.locator(".parley-form-slot textarea")).to_have_value("My half-written thought")
    expect(reply).to_have_value("A half-written reply")
    assert abs(top_of(reading) - place) < 1


def test_a_reader_on_a_later_page_keeps_their_place_and_the_replies_they_opened(demo, page):
    ids = [demo.write("e2e-live-pages", f"Root {n}. {LONG_BODY}") for n in range(25)]
    replies = [demo.write("e2e-live-pages", f"Reply {n}", parent=ids[22]) for n in range(6)]
    widget = open_live(page, demo.host_page("live-pages", "e2e-live-pages"))
    widget.locator("a.parley-more").click()
    widget.locator(f"#parley-c{ids[22]}").get_by_text("Show 1 more reply").click()
    reading = widget.locator(f"#parley-c{replies[5]}")
    reading.evaluate("element => window.scrollBy(0, element.getBoundingClientRect().top - 150)")
    place = top_of(reading)
    demo.write("e2e-live-pages", "Fresh at the end")
    check_after(page, 30_000)
    widget.get_by_role("button", name="1 new comment — show").click()
    # The first page doesn't hold the comment being read: the page around it comes instead.
    expect(widget.locator("a.parley-first")).to_be_visible()
    expect(widget.get_by_text("Fresh at the end")).to_be_visible()
    expect(reading).to_be_visible()
    assert abs(top_of(reading) - place) < 1


def test_signing_in_is_not_news(demo, page):
    demo.write("e2e-live-signin", "Read anonymously, then signed in")
    widget = open_live(page, demo.host_page("live-signin", "e2e-live-signin"))
    with page.expect_popup() as popup:
        widget.locator('a.parley-login[data-provider="demo"]').click()
    popup.value.get_by_role("button", name="aigerim").click()
    expect(widget.locator(".parley-signed-in")).to_contain_text("Aigerim")
    check_after(page, 30_000)
    page.wait_for_timeout(300)  # time for a wrong button to appear
    expect(widget.locator(".parley-new-comments")).to_have_count(0)


def test_checks_back_off_while_nothing_changes_and_name_a_change_without_new_comments(demo, page, caplog):
    demo.write("e2e-live-backoff", "The first comment")
    removed = demo.write("e2e-live-backoff", "A comment a moderator will remove")
    widget = open_live(page, demo.host_page("live-backoff", "e2e-live-backoff"))
    widget.locator(f"#parley-c{removed}").get_by_role("link", name="Reply").click()
    widget.locator(f"#parley-c{removed} .parley-compose textarea").fill("A reply to a vanishing comment")
    check_after(page, 30_000)
    page.clock.fast_forward(30_000)
    assert thread_fetches(page) == 2  # the next check waits 60 s
    check_after(page, 30_000)
    page.clock.fast_forward(60_000)
    assert thread_fetches(page) == 3  # then 120 s
    # A change that adds no comment (here one removed) is still news.
    with demo.parley.app_context():
        apply(db.session.get(Comment, removed), "delete", db.session.scalars(db.select(Moderator)).first())
    check_after(page, 60_000)
    button = widget.get_by_role("button", name="New comments — show")
    expect(button).to_be_visible()
    # after a change, checks are 30 s apart again
    check_after(page, 30_000)
    # The browser revalidated its copy each time: the server answered 304 unless the thread had changed.
    assert server_answers(caplog, "e2e-live-backoff") == [200, 304, 304, 200, 304]
    # The reply form outlives its comment, text and all.
    button.click()
    expect(widget.locator(f"#parley-c{removed}")).to_have_count(0)
    expect(widget.locator(".parley-list > .parley-compose textarea")).to_have_value("A reply to a vanishing comment")


def test_a_hidden_page_makes_no_checks_and_checks_again_when_shown(demo, page):
    widget = open_live(page, demo.host_page("live-hidden", "e2e-live-hidden"))
    page.evaluate(SET_VISIBILITY, "hidden")
    page.clock.fast_forward(600_000)
    assert thread_fetches(page) == 1
    demo.write("e2e-live-hidden", "Written while the reader was away")
    with page.expect_response(lambda response: "/thread?" in response.url):
        page.evaluate(SET_VISIBILITY, "visible")
        page.clock.fast_forward(1)
    expect(widget.get_by_role("button", name="1 new comment — show")).to_be_visible()


def test_data_live_false_makes_no_checks(demo, page):
    demo.write("e2e-live-off", "A quiet thread")
    open_live(page, demo.host_page("live-off", "e2e-live-off", attributes='data-live="false"'))
    page.clock.fast_forward(600_000)
    page.evaluate(SET_VISIBILITY, "visible")
    page.clock.fast_forward(600_000)
    assert thread_fetches(page) == 1
