"""A corpus of public XSS payloads (tests/xss_payloads.txt), posted as bodies, names and websites
through the HTTP API, then shown by the widget in Chromium: nothing runs, nothing escapes.

Nothing runs: no dialog opens (every payload that could run calls alert() or sets window.__xss)
and window.__xss stays unset. Nothing escapes: inside the widget's shadow root no element carries
an event handler or a script URL, every comment's body holds only the sanitizer's allow-list, and
authors' names are text and their links http(s).
"""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

pytestmark = pytest.mark.browser

PAYLOADS = [
    line for line in (Path(__file__).parent.parent / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("# ")
]
# The same tricks with a real NUL byte in them: refused as control characters (422), never stored.
NUL_PAYLOADS = [
    "<scr\x00ipt>alert(1)</scr\x00ipt>", "<img src=x onerror\x00=alert(1)>", "[x](java\x00script:alert(1))",
    "<a href=\"java\x00script:alert(1)\">x</a>", "\x00<script>alert(1)</script>",
]
PER_THREAD = 20  # one page of top-level comments
# A client address of the corpus's own, so its comments count against no other test's limits.
CORPUS_IP = "198.51.100.201"

# Walks the widget's shadow root; returns what it finds wrong, and each comment's author text.
INSPECT = """({bodyTags, bodyAttributes, parleyUrl}) => {
  const root = document.querySelector("#parley-comments").shadowRoot;
  const problems = [];
  const where = (el) => {
    const comment = el.closest("article.parley-comment");
    return `<${el.localName}> in ${comment ? "#" + comment.id : "the widget"}`;
  };
  const scheme = (value) => { try { return new URL(value, location.href).protocol; } catch { return "bad:"; } };
  const FORBIDDEN = new Set(["script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
    "svg", "math", "template", "meta", "base", "video", "audio", "source", "noscript", "xmp", "marquee", "isindex"]);
  for (const el of root.querySelectorAll("*")) {
    if (FORBIDDEN.has(el.localName)) problems.push(`${where(el)} is forbidden`);
    if (el.localName === "link" && !(el.rel === "stylesheet" && el.getAttribute("href").startsWith(parleyUrl)))
      problems.push(`${where(el)}: a link that isn't the widget's stylesheet`);
    if (el.localName === "img" && !el.classList.contains("parley-avatar")) problems.push(`${where(el)}: an image`);
    // The widget's own buttons, never inside a comment's text: Like, and the author's Edit and Delete.
    const widgetsButton = el.localName === "button" && !el.closest(".parley-body")
      && (el.matches(".parley-like") || el.parentElement.matches(".parley-own-controls"));
    if (["form", "input", "textarea", "select", "button"].includes(el.localName) && !widgetsButton
        && !el.closest(".parley-compose, details.parley-report"))
      problems.push(`${where(el)} outside the widget's forms`);
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) problems.push(`${where(el)} has ${name}`);
      if (["style", "srcdoc", "formaction", "xlink:href", "background", "data"].includes(name))
        problems.push(`${where(el)} has ${name}`);
      if (["href", "src", "action"].includes(name) && !["http:", "https:", "mailto:"].includes(scheme(attr.value)))
        problems.push(`${where(el)} has ${name}=${attr.value}`);
    }
  }
  const authors = {};
  for (const comment of root.querySelectorAll("article.parley-comment")) {
    const bodies = [...comment.children].filter((el) => el.classList.contains("parley-body"));
    if (bodies.length !== 1) problems.push(`#${comment.id} has ${bodies.length} bodies of its own`);
    for (const body of bodies) {
      for (const el of body.querySelectorAll("*")) {
        if (!bodyTags.includes(el.localName)) problems.push(`${where(el)}'s body`);
        for (const attr of el.attributes)
          if (!(bodyAttributes[el.localName] || []).includes(attr.name))
            problems.push(`${where(el)}'s body has ${attr.name}`);
        // (a link whose href the sanitizer took away is plain text in an <a>)
        if (el.localName === "a" && el.hasAttribute("href") && !["http:", "https:", "mailto:"].includes(el.protocol))
          problems.push(`${where(el)}'s body links to ${el.outerHTML}`);
      }
    }
    const author = comment.querySelector(":scope > header .parley-author");
    if (author.children.length) problems.push(`#${comment.id}: markup in the author's name`);
    if (author.localName === "a" && !["http:", "https:"].includes(author.protocol))
      problems.push(`#${comment.id}: the author links to ${author.href}`);
    authors[comment.dataset.commentId] = author.textContent;
  }
  return {problems, authors, xss: window.__xss === undefined ? null : String(window.__xss)};
}"""


@pytest.fixture
def corpus_client(demo, monkeypatch):
    """Requests from the corpus's own address, under generous limits, with an allowed Origin."""
    monkeypatch.setitem(demo.parley.config, "PARLEY_LIMIT_COMMENT_IP", "100000 per hour")
    monkeypatch.setitem(demo.parley.config, "PARLEY_LIMIT_COMMENT", "100000 per hour")
    client = demo.parley.test_client()
    client.environ_base["REMOTE_ADDR"] = CORPUS_IP
    return client


def post(client, demo, thread, **fields):
    data = {"name": "XSS Tester", "email": "xss@example.org", "website": "", "body": "A test comment.", **fields}
    return client.post(f"/embed/{demo.site_key}/comments", query_string={"thread": thread}, data=data,
                       headers={"Origin": demo.pages_url})


def comment_id(response):
    return re.search(r'data-comment-id="(\d+)"', response.text).group(1)


def test_xss_corpus_posted_in_every_field_runs_nothing_and_escapes_nothing(demo, page, corpus_client):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    policy = {"max_links": 1000, "shouting": "off", "duplicate_window_hours": 0, "min_length": 1, "max_length": 20000}
    with demo.policy(**policy):
        for start in range(0, len(PAYLOADS), PER_THREAD):
            thread = f"e2e-xss-{start // PER_THREAD}"
            names, published = {}, 0
            for payload in PAYLOADS[start:start + PER_THREAD]:
                # As a comment's body: always published (the policy here holds nothing back).
                root = post(corpus_client, demo, thread, body=payload)
                assert root.status_code == 201, (payload, root.status_code, root.text)
                parent, published = comment_id(root), published + 1
                # As a name (published unless too long or staff-like) and a website (unless it isn't a URL).
                as_name = post(corpus_client, demo, thread, name=payload, body="name test", parent=parent)
                assert as_name.status_code in (201, 422), (payload, as_name.status_code)
                if as_name.status_code == 201:
                    names[comment_id(as_name)] = " ".join(payload.split())
                for website in (payload, "https://example.org/" + payload, "example.org/" + payload):
                    as_site = post(corpus_client, demo, thread, website=website, body="website test", parent=parent)
                    assert as_site.status_code in (201, 422), (website, as_site.status_code)
                    published += as_site.status_code == 201
                published += as_name.status_code == 201

            page.goto(demo.host_page(f"xss-{start // PER_THREAD}", thread))
            widget = page.locator("#parley-comments")
            expect(widget.locator("section.parley-thread")).to_have_attribute("data-count", str(published))
            expect(widget.locator("article.parley-comment")).to_have_count(published)
            expect(widget.locator("form.parley-form")).to_have_count(1)
            # Handlers fire late (an image's error, a details' toggle, autofocus): give them time.
            page.wait_for_timeout(300)
            found = page.evaluate(INSPECT, {
                "bodyTags": sorted(ALLOWED_TAGS),
                "bodyAttributes": {tag: sorted(attributes) for tag, attributes in ALLOWED_ATTRIBUTES.items()},
                "parleyUrl": demo.parley_url,
            })
            assert found["problems"] == [], "\n".join(found["problems"])
            assert found["xss"] is None, f"a payload ran: window.__xss = {found['xss']}"
            assert dialogs == [], f"a payload opened a dialog: {dialogs}"
            # Names that were published are shown as typed, as text.
            assert {key: found["authors"][key] for key in names} == names

        for payload in NUL_PAYLOADS:
            for field in ("body", "name", "website"):
                refused = post(corpus_client, demo, "e2e-xss-nul", **{field: payload})
                assert refused.status_code == 422, (field, payload)
                assert 'class="parley-error" data-field="' + field + '"' in refused.text
        page.goto(demo.host_page("xss-nul", "e2e-xss-nul"))
        expect(page.locator("#parley-comments section.parley-thread")).to_have_attribute("data-count", "0")
    assert dialogs == []
