"""Hostile names, websites and bodies posted through the form never become markup in a fragment."""
import pytest
from support import HOSTILE, SAFE_SCHEMES, href_scheme, parse

# Every tag the thread template itself writes, plus what comment bodies may hold.
THREAD_TAGS = {
    "section", "header", "h2", "nav", "div", "article", "span", "time", "footer", "details", "summary",
    "form", "button",  # each comment's Report choices
    "p", "br", "em", "strong", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a",
}
# The form fragment's own elements: one form with its six inputs (parent, stamp, honeypot, guest
# fields), five labels, comment box and button.
FORM_TAGS = {"form": 1, "label": 5, "input": 6, "textarea": 1, "button": 1}


def assert_inert(html):
    parsed = parse(html)
    tags = [tag for tag, _ in parsed.tags]
    if "textarea" in tags:  # the comment form, whose own elements are counted
        assert {tag: tags.count(tag) for tag in FORM_TAGS} == FORM_TAGS
    for tag, attributes in parsed.tags:
        assert tag in THREAD_TAGS or tag in FORM_TAGS, f"<{tag}> reached the fragment"
        for name, value in attributes:
            assert not name.startswith("on"), f"{name} on <{tag}>"
            if name == "href":
                assert href_scheme(value) in SAFE_SCHEMES, value


@pytest.mark.parametrize("payload", HOSTILE[::4])
def test_hostile_input_in_any_field_is_inert_in_the_thread(reader, payload):
    answers = [
        reader.post(body=payload),
        reader.post(name=payload[:80], body="name test"),
        reader.post(website="https://x.org/" + payload, body="website test"),
    ]
    # Accepted, or refused as invalid (a website with spaces, a name that is only markup).
    assert {answer.status_code for answer in answers} <= {201, 422}
    assert answers[0].status_code == 201
    for answer in answers:
        assert_inert(answer.text)
    html = reader.thread().text
    assert html.count('class="parley-comment"') == sum(a.status_code == 201 for a in answers)
    assert_inert(html)
