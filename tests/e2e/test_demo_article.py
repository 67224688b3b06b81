"""What a reader sees and does on the demo article, in a real browser."""
import re
import secrets
from urllib.parse import urlencode

import pytest
import requests
from playwright.sync_api import expect

from widget.extensions import db
from widget.models import ReaderSession
from widget.tokens import digest

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


# The widget's text and accent colours, as its shadow root computes them.
THEMED_COLOURS = """() => {
  const root = document.querySelector("#parley-comments").shadowRoot;
  return [getComputedStyle(root.querySelector(".parley")).color,
          getComputedStyle(root.querySelector(".parley-submit")).backgroundColor];
}"""
LIGHT = ["rgb(31, 35, 40)", "rgb(11, 92, 173)"]  # --parley-text #1f2328, --parley-accent #0b5cad
DARK = ["rgb(230, 233, 237)", "rgb(106, 168, 255)"]  # #e6e9ed, #6aa8ff


def test_the_widget_follows_the_readers_dark_setting_unless_the_page_fixes_a_theme(demo, page):
    page.emulate_media(color_scheme="dark")
    page.goto(demo.article_url)
    expect(page.locator("#parley-comments").locator(".parley-submit")).to_be_visible()
    assert page.evaluate(THEMED_COLOURS) == DARK
    page.evaluate("document.querySelector('#parley-comments').dataset.theme = 'light'")
    assert page.evaluate(THEMED_COLOURS) == LIGHT
    page.emulate_media(color_scheme="light")
    page.evaluate("document.querySelector('#parley-comments').dataset.theme = 'dark'")
    assert page.evaluate(THEMED_COLOURS) == DARK
    page.evaluate("delete document.querySelector('#parley-comments').dataset.theme")
    assert page.evaluate(THEMED_COLOURS) == LIGHT
    # The host page's own colour for both schemes, as the README's Theming section says.
    page.evaluate("document.querySelector('#parley-comments').style"
                  ".setProperty('--parley-accent', 'light-dark(#aa0000, #ff8888)')")
    assert page.evaluate(THEMED_COLOURS)[1] == "rgb(170, 0, 0)"
    page.emulate_media(color_scheme="dark")
    assert page.evaluate(THEMED_COLOURS)[1] == "rgb(255, 136, 136)"


def test_a_typing_error_keeps_every_word(demo, page):
    page.goto(demo.article_url)
    widget = page.locator("#parley-comments")
    widget.get_by_role("textbox", name="Comment", exact=True).fill("A long and careful thought about the EU.")
    widget.get_by_role("textbox", name="Name", exact=True).fill("Careful Reader")
    widget.get_by_role("textbox", name="Email", exact=True).fill("not an address")
    widget.get_by_role("button", name="Post Comment").click()
    expect(widget.locator('.parley-error[data-field="email"]')).to_contain_text("doesn't look like an email")
    expect(widget.get_by_role("textbox", name="Comment", exact=True)).to_have_value("A long and careful thought about the EU.")
    expect(widget.get_by_role("textbox", name="Name", exact=True)).to_have_value("Careful Reader")
    expect(widget.get_by_role("textbox", name="Email", exact=True)).to_be_focused()


def test_replying_opens_a_form_under_the_comment_and_nests_the_reply(demo, page):
    parent = demo.write("e2e-replies", "Where is the money coming from?", name="Aset")
    page.goto(demo.host_page("replies", "e2e-replies"))
    widget = page.locator("#parley-comments")
    comment = widget.locator(f"#parley-c{parent}")
    comment.get_by_role("link", name="Reply").click()
    reply_form = comment.locator(".parley-compose")
    expect(reply_form).to_contain_text("Replying to Aset")
    expect(reply_form.get_by_role("textbox", name="Comment", exact=True)).to_be_focused()
    reply_form.get_by_role("textbox", name="Comment", exact=True).fill("From the state budget.")
    reply_form.get_by_role("textbox", name="Name", exact=True).fill("Bota")
    reply_form.get_by_role("textbox", name="Email", exact=True).fill("bota@example.org")
    reply_form.get_by_role("button", name="Post Comment").click()
    expect(comment.locator(".parley-replies article.parley-comment")).to_contain_text("From the state budget.")
    expect(comment.locator(".parley-compose")).to_have_count(0)
    expect(widget.locator(".parley-count")).to_have_text("2 comments")


def test_load_more_sorting_and_links_to_a_comment_on_a_later_page(demo, page):
    ids = [demo.write("e2e-paging", f"Comment number {n}") for n in range(25)]
    url = demo.host_page("paging", "e2e-paging", loading="defer")
    page.goto(url)
    widget = page.locator("#parley-comments")
    top_level = widget.locator(".parley-list > article.parley-comment")
    expect(top_level).to_have_count(20)
    widget.get_by_role("link", name="Load more comments").click()
    expect(top_level).to_have_count(25)
    expect(widget.locator("a.parley-more")).to_have_count(0)

    widget.get_by_role("link", name="Newest").click()
    expect(top_level.first).to_contain_text("Comment number 24")

    page.goto(f"{url}#parley-c{ids[22]}")
    page.reload()
    linked = widget.locator(f"#parley-c{ids[22]}")
    expect(linked).to_be_in_viewport()
    expect(linked).to_have_class("parley-comment parley-linked")
    expect(widget.locator(f"#parley-c{ids[0]}")).to_have_count(0)


def test_hostile_comments_run_nothing(demo, page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    demo.write("e2e-hostile", '<img src=x onerror="alert(1)"> [x](javascript:alert(2)) <script>alert(3)</script>',
               name='"><svg onload=alert(4)>')
    page.goto(demo.host_page("hostile", "e2e-hostile"))
    widget = page.locator("#parley-comments")
    expect(widget.locator(".parley-body")).to_contain_text("<script>alert(3)</script>")
    expect(widget.locator(".parley-author")).to_have_text('"><svg onload=alert(4)>')
    assert widget.locator("img, svg, script").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def fill_guest_form(form, body, name="E2E Reader"):
    form.get_by_role("textbox", name="Comment", exact=True).fill(body)
    form.get_by_role("textbox", name="Name", exact=True).fill(name)
    form.get_by_role("textbox", name="Email", exact=True).fill("e2e@example.org")
    form.get_by_role("button", name="Post Comment").click()


def test_a_new_comment_is_not_shown_twice_after_load_more(demo, page):
    for n in range(21):
        demo.write("e2e-post-then-more", f"Older comment {n}")
    page.goto(demo.host_page("post-then-more", "e2e-post-then-more"))
    widget = page.locator("#parley-comments")
    fill_guest_form(widget.locator(".parley-form-slot"), "My brand new comment")
    mine = widget.locator("article.parley-comment", has_text="My brand new comment")
    expect(mine).to_have_count(1)
    widget.get_by_role("link", name="Load more comments").click()
    expect(widget.locator(".parley-list > article.parley-comment")).to_have_count(22)
    expect(mine).to_have_count(1)
    # and it sits last, after the older comments of page two
    expect(widget.locator(".parley-list > article.parley-comment").last).to_contain_text("My brand new comment")


def test_opening_another_reply_form_keeps_a_started_reply(demo, page):
    first = demo.write("e2e-two-replies", "First comment")
    second = demo.write("e2e-two-replies", "Second comment")
    page.goto(demo.host_page("two-replies", "e2e-two-replies"))
    widget = page.locator("#parley-comments")
    widget.locator(f"#parley-c{first}").get_by_role("link", name="Reply").click()
    started = widget.locator(f"#parley-c{first} .parley-compose textarea")
    started.fill("Half a thought")
    widget.locator(f"#parley-c{second}").get_by_role("link", name="Reply").click()
    expect(widget.locator(f"#parley-c{second} .parley-compose")).to_be_visible()
    expect(started).to_have_value("Half a thought")
    # an empty reply form closes when another opens
    widget.locator(f"#parley-c{first}").get_by_role("button", name="Cancel").click()
    widget.locator(f"#parley-c{first}").get_by_role("link", name="Reply").click()
    expect(widget.locator(f"#parley-c{second} .parley-compose")).to_have_count(0)


def test_a_held_comment_is_announced_and_shown_to_its_author_only(demo, page, browser):
    with demo.policy(premoderate_all=True):
        url = demo.host_page("held", "e2e-held")
        page.goto(url)
        widget = page.locator("#parley-comments")
        fill_guest_form(widget.locator(".parley-form-slot"), "Please approve me")
        held = widget.locator('.parley-notice[data-kind="held"]')
        expect(held).to_contain_text("awaiting moderation")
        expect(held).to_contain_text("Every comment here waits for a moderator.")
        expect(held).to_be_focused()
        expect(widget.get_by_role("textbox", name="Comment", exact=True)).to_have_value("")
        # the author sees it, marked; after a reload too, through the key the widget keeps
        mine = widget.locator('article.parley-comment[data-status="pending"]', has_text="Please approve me")
        expect(mine).to_contain_text("Awaiting moderation")
        page.reload()
        expect(mine).to_be_visible()
        # another reader doesn't
        other = browser.new_context().new_page()
        other.goto(url)
        expect(other.locator("#parley-comments section.parley-thread")).to_be_visible()
        expect(other.locator("#parley-comments article.parley-comment")).to_have_count(0)
        other.context.close()


def test_sign_in_with_demo_id_post_under_that_name_and_sign_out(demo, page):
    page.goto(demo.article_url)
    widget = page.locator("#parley-comments")
    login = widget.locator('a.parley-login[data-provider="demo"]')
    expect(login).to_have_text("Connect via Demo ID")
    widget.get_by_role("textbox", name="Comment", exact=True).fill("Written before signing in")

    with page.expect_popup() as popup_info:
        login.click()
    popup = popup_info.value
    popup.get_by_role("button", name="aigerim").click()
    popup.wait_for_event("close")

    expect(widget.locator(".parley-signed-in")).to_contain_text("Signed in as Aigerim (Demo ID)")
    expect(widget.get_by_role("textbox", name="Name", exact=True)).to_have_count(0)
    expect(widget.get_by_role("textbox", name="Comment", exact=True)).to_have_value("Written before signing in")
    widget.get_by_role("textbox", name="Comment", exact=True).fill("Signed-in thoughts on the multi-vector policy")
    widget.get_by_role("button", name="Post Comment").click()
    posted = widget.locator("article.parley-comment", has_text="Signed-in thoughts")
    expect(posted.locator(".parley-author")).to_have_text("Aigerim (Demo ID)")

    # the sign-in survives a reload: the token lives in this page's own storage
    page.reload()
    expect(widget.locator(".parley-signed-in")).to_contain_text("Aigerim (Demo ID)")
    widget.get_by_role("button", name="Sign out").click()
    expect(widget.get_by_role("textbox", name="Name", exact=True)).to_be_visible()
    expect(widget.locator(".parley-signed-in")).to_have_count(0)
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('parley-token:'))") == []


def test_a_revoked_token_is_forgotten_and_the_guest_form_returns(demo, page):
    page.goto(demo.article_url)
    page.evaluate(f"localStorage.setItem('parley-token:{demo.site_key}', 'not-a-real-token')")
    page.reload()
    widget = page.locator("#parley-comments")
    expect(widget.get_by_role("textbox", name="Name", exact=True)).to_be_visible()
    page.wait_for_function(f"localStorage.getItem('parley-token:{demo.site_key}') === null")


def test_a_popup_cut_off_by_the_provider_hands_the_sign_in_over_once_confirmed(demo, page):
    page.goto(demo.article_url)
    widget = page.locator("#parley-comments")
    with page.expect_popup() as popup_info:
        widget.locator('a.parley-login[data-provider="severing"]').click()
    popup = popup_info.value
    popup.get_by_role("button", name="daniyar").click()
    finish = popup.get_by_role("button", name=re.compile("Finish signing in on"))
    expect(finish).to_be_visible()
    expect(widget.locator(".parley-signed-in")).to_have_count(0)
    finish.click()
    expect(popup.get_by_text("Go back to the article")).to_be_visible()
    expect(widget.locator(".parley-signed-in")).to_contain_text("Signed in as Daniyar (Demo ID)", timeout=10000)


def test_a_hostile_opener_elsewhere_never_gets_the_sign_in_whatever_the_reader_clicks(demo, page):
    def live_sessions():
        with demo.parley.app_context():
            return db.session.scalar(db.select(db.func.count()).select_from(ReaderSession)
                                     .where(ReaderSession.revoked.is_(None)))

    before = live_sessions()
    article = page.context.new_page()
    article.goto(demo.article_url)
    widget = article.locator("#parley-comments")
    expect(widget.get_by_role("textbox", name="Name", exact=True)).to_be_visible()
    # A page on another site opens the sign-in naming the news site's origin and article, with a
    # hand-off secret of its own.
    attacker_secret = secrets.token_urlsafe(32)
    demo.pages["hostile"] = "<!doctype html><title>Win a prize</title><h1>Win a prize</h1>"
    page.goto(f"{demo.elsewhere_url}/hostile")
    login = f"{demo.parley_url}/auth/demo/login?" + urlencode({
        "site": demo.site_key, "origin": demo.news_url, "handoff": digest(attacker_secret), "page": demo.article_url})
    with page.expect_popup() as popup_info:
        page.evaluate("url => { window.open(url, 'parley-login', 'popup'); }", login)
    popup = popup_info.value
    popup.get_by_role("button", name="aigerim").click()
    # The reader signs in and presses "Finish": the popup goes to the article, which didn't start it.
    popup.get_by_role("button", name=re.compile("Finish signing in on")).click()
    expect(popup.get_by_text("This sign-in didn't start on this page")).to_be_visible()
    assert "parley-signin" not in popup.url
    tokens = "Object.keys(localStorage).filter(k => k.startsWith('parley-token:'))"
    assert popup.evaluate(tokens) == [] and article.evaluate(tokens) == []
    # The hostile page's server, claiming the news site's Origin, holds its secret but no code.
    stolen = requests.post(f"{demo.parley_url}/auth/handoff", data={"site": demo.site_key, "secret": attacker_secret},
                           headers={"Origin": demo.news_url}, timeout=10)
    assert stolen.status_code in (400, 403) and "token" not in stolen.json()
    expect(widget.locator(".parley-signed-in")).to_have_count(0)
    assert live_sessions() == before
    article.close()


def test_an_open_reply_form_follows_the_sign_in_and_keeps_its_text(demo, page):
    parent = demo.write("e2e-reply-signin", "Sign in and answer me")
    page.goto(demo.host_page("reply-signin", "e2e-reply-signin"))
    widget = page.locator("#parley-comments")
    comment = widget.locator(f"#parley-c{parent}")
    comment.get_by_role("link", name="Reply").click()
    reply = comment.locator(".parley-compose")
    reply.get_by_role("textbox", name="Comment", exact=True).fill("My half-written answer")
    with page.expect_popup() as popup_info:
        reply.locator('a.parley-login[data-provider="demo"]').click()
    popup_info.value.get_by_role("button", name="aigerim").click()
    expect(reply.locator(".parley-signed-in")).to_contain_text("Aigerim (Demo ID)")
    expect(reply.get_by_role("textbox", name="Name", exact=True)).to_have_count(0)
    expect(reply.get_by_role("textbox", name="Comment", exact=True)).to_have_value("My half-written answer")


def test_a_refused_comment_says_why_and_keeps_the_text_to_edit(demo, page):
    with demo.policy(banned_words=["idiot*"]):
        page.goto(demo.host_page("refused", "e2e-refused"))
        widget = page.locator("#parley-comments")
        fill_guest_form(widget.locator(".parley-form-slot"), "Only an IDIOT would say that")
        refused = widget.locator('.parley-notice[data-kind="rejected"]')
        expect(refused).to_contain_text("uses words this site doesn't allow")
        box = widget.get_by_role("textbox", name="Comment", exact=True)
        expect(box).to_have_value("Only an IDIOT would say that")
        box.fill("Only a careless reader would say that")
        widget.get_by_role("button", name="Post Comment").click()
        expect(widget.locator("article.parley-comment", has_text="careless reader")).to_be_visible()


def test_a_held_comment_approved_in_the_dashboard_shows_on_the_article(demo, page, browser):
    from demo.seed import MODERATOR_EMAIL

    with demo.policy(premoderate_all=True):
        page.goto(demo.article_url)
        widget = page.locator("#parley-comments")
        fill_guest_form(widget.locator(".parley-form-slot"), "Worth a moderator's yes")
        expect(widget.locator('.parley-notice[data-kind="held"]')).to_be_visible()

        moderator = browser.new_context().new_page()
        moderator.goto(demo.parley_url + "/moderate/")
        moderator.get_by_label("Email").fill(MODERATOR_EMAIL)
        moderator.get_by_label("Password").fill(demo.moderator_password)
        moderator.get_by_role("button", name="Sign in").click()
        item = moderator.locator("article.item", has_text="Worth a moderator's yes")
        expect(item).to_be_visible()
        item.get_by_role("button", name="Approve").click()
        expect(moderator.get_by_text("approved")).to_be_visible()
        moderator.context.close()

        reader = browser.new_context().new_page()
        reader.goto(demo.article_url)
        expect(reader.locator("#parley-comments article.parley-comment", has_text="Worth a moderator's yes")).to_be_visible()
        reader.context.close()


def test_a_reader_reports_a_comment_in_two_clicks(demo, page):
    comment = demo.write("e2e-report", "Buy cheap watches")
    page.goto(demo.host_page("report", "e2e-report"))
    article = page.locator(f"#parley-comments #parley-c{comment}")
    article.get_by_text("Report").click()
    article.get_by_role("button", name="Spam").click()
    expect(article.locator('.parley-notice[data-kind="reported"]')).to_contain_text("a moderator will take a look")
