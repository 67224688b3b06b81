"""Comment markdown: the subset that renders, the links it makes, and what it never lets through."""
import re

import pytest
from support import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, HOSTILE, REL, SAFE_SCHEMES, href_scheme, links, parse, tag_names

from widget.render import USER_LINK_REL, read_html, render_markdown, urls_in, visible_text

# --- the markdown subset -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, expected",
    [
        ("Hello", "<p>Hello</p>"),
        ("one\n\ntwo", "<p>one</p>\n<p>two</p>"),
        ("one\ntwo", "<p>one<br>\ntwo</p>"),
        ("*em* and _em_", "<p><em>em</em> and <em>em</em></p>"),
        ("**strong** and __strong__", "<p><strong>strong</strong> and <strong>strong</strong></p>"),
        ("~~gone~~", "<p><s>gone</s></p>"),
        ("use `x < y` here", "<p>use <code>x &lt; y</code> here</p>"),
        ("```\nif a < b:\n    pass\n```", "<pre><code>if a &lt; b:\n    pass\n</code></pre>"),
        ("```python\nx = 1\n```", "<pre><code>x = 1\n</code></pre>"),
        ("    indented\n    code", "<pre><code>indented\ncode\n</code></pre>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"),
        ("3. c\n4. d", '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>'),
        ("[a link](https://example.org/x)", f'<p><a href="https://example.org/x" rel="{REL}">a link</a></p>'),
        (
            "see https://example.org/page now",
            f'<p>see <a href="https://example.org/page" rel="{REL}">https://example.org/page</a> now</p>',
        ),
    ],
)
def test_markdown_subset_renders(source, expected):
    assert render_markdown(source) == expected


def test_raw_html_is_shown_as_text():
    assert render_markdown("<b>hi</b> & <i>there</i>") == "<p>&lt;b&gt;hi&lt;/b&gt; &amp; &lt;i&gt;there&lt;/i&gt;</p>"


def test_www_and_email_are_linkified():
    assert [link["href"] for link in links(render_markdown("www.example.org or madi@example.org"))] == [
        "http://www.example.org",
        "mailto:madi@example.org",
    ]


@pytest.mark.parametrize("source", ["# Big news", "## Smaller", "###### Tiny", "Title\n===", "Title\n---"])
def test_headings_stay_text(source):
    rendered = render_markdown(source)
    assert not {"h1", "h2", "h3", "h4", "h5", "h6"} & set(tag_names(rendered))
    assert source.split("\n")[0] in rendered


@pytest.mark.parametrize("source", ["---", "***", "___"])
def test_horizontal_rules_stay_text(source):
    assert render_markdown(source) == f"<p>{source}</p>"


@pytest.mark.parametrize("source", ["- - -", "* * *", "text\n\n---\n\nmore"])
def test_horizontal_rules_never_render_as_hr(source):
    assert "hr" not in tag_names(render_markdown(source))


def test_image_becomes_plain_link():
    rendered = render_markdown("![a cat](https://example.org/cat.png)")
    assert "img" not in tag_names(rendered)
    assert rendered == f'<p>!<a href="https://example.org/cat.png" rel="{REL}">a cat</a></p>'


def test_reference_definitions_are_not_used():
    rendered = render_markdown("[home]: https://example.org\n\nGo [home] now")
    # The definition stays as text (its bare URL linkified); the reference is not a link.
    assert "[home]: " in rendered
    assert "Go [home] now" in rendered
    assert [(link["href"]) for link in links(rendered)] == ["https://example.org"]


def test_link_titles_are_dropped():
    # Only href (and the added rel) survive on a link; a markdown title is not an allowed attribute.
    assert render_markdown('[x](https://example.org "a title")') == f'<p><a href="https://example.org" rel="{REL}">x</a></p>'


def test_output_is_stripped():
    assert render_markdown("\n\n  hi  \n\n") == "<p>hi</p>"


# --- links -----------------------------------------------------------------------------------------


def test_user_link_rel_constant():
    assert USER_LINK_REL == REL


@pytest.mark.parametrize(
    "source",
    [
        "[x](https://example.org)",
        "[x](http://example.org)",
        "<https://example.org>",
        "https://example.org",
        "www.example.org",
        "madi@example.org",
        "<mailto:madi@example.org>",
        "[x](mailto:madi@example.org)",
        '[x](https://example.org "a title")',
        "![x](https://example.org/i.png)",
        "> [quoted](https://example.org)",
        "- [listed](https://example.org)\n1. https://example.org/2",
        "**[bold](https://example.org)**",
    ],
)
def test_every_link_carries_user_rel(source):
    found = links(render_markdown(source))
    assert found, "expected at least one link"
    for link in found:
        assert link.get("rel") == REL


def test_several_links_all_carry_rel():
    found = links(render_markdown("[a](https://a.org) https://b.org <https://c.org> d@e.org"))
    assert [link["href"] for link in found] == ["https://a.org", "https://b.org", "https://c.org", "mailto:d@e.org"]
    assert all(link["rel"] == REL for link in found)


# --- hostile input ---------------------------------------------------------------------------------

# In the spirit of OWASP's XSS filter evasion cheat sheet.


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_input_is_neutralised(payload):
    rendered = render_markdown(payload)
    parsed = parse(rendered)

    for tag, attrs in parsed.tags:
        assert tag in ALLOWED_TAGS, f"disallowed <{tag}> in {rendered!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler {name} in {rendered!r}"
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()), f"attribute {name} on <{tag}> in {rendered!r}"
        if tag == "a":
            attributes = dict(attrs)
            assert attributes.get("rel") == REL
            # Relative links are dropped whole; any href left must have a safe scheme.
            if "href" in attributes:
                scheme = href_scheme(attributes["href"])
                assert scheme in SAFE_SCHEMES, f"href scheme {scheme!r} in {rendered!r}"

    # Nothing left open or closed out of turn, so the body can't swallow or break the markup around it.
    assert parsed.open == []
    assert parsed.stray_end_tags == []
    assert not re.search(r"<\s*/?\s*script", rendered, re.IGNORECASE)


def test_hostile_corpus_is_large_enough():
    assert len(HOSTILE) >= 30
    assert len(set(HOSTILE)) == len(HOSTILE)


@pytest.mark.parametrize(
    "payload",
    ["[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](vbscript:msgbox(1))", "<javascript:alert(1)>",
     "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "[x](&#106;avascript:alert(1))"],
)
def test_dangerous_links_make_no_link_at_all(payload):
    assert links(render_markdown(payload)) == []


def test_scheme_helper_sees_through_obfuscation():
    # The helper itself must not be the weak point of the corpus test.
    assert href_scheme("JaVaScRiPt:alert(1)") == "javascript"
    assert href_scheme(" \x01java\tscr\nipt:alert(1)") == "javascript"
    assert href_scheme("https://example.org") == "https"
    assert href_scheme("/relative:path") is None
    assert href_scheme("java%09script:alert(1)") is None


def test_collector_sees_tags_and_attributes():
    parsed = parse('<p><a href="x" onclick="y">z</a><br></p></div>')
    assert parsed.tags == [("p", []), ("a", [("href", "x"), ("onclick", "y")]), ("br", [])]
    assert parsed.stray_end_tags == ["div"]


# --- reading the rendered HTML back as a reader gets it ----------------------------------------------


@pytest.mark.parametrize(
    "source, shown",
    [
        ("you id&#105;ot", "you idiot"),
        ("you &#x69;&#x64;&#x69;&#x6f;&#x74;", "you idiot"),
        ("you &amp;#105;diot", "you &#105;diot"),  # decoded once: the reader sees the reference
        ("a &lt;b&gt; &amp; c", "a <b> & c"),
        ("<b>x</b>", "<b>x</b>"),
        ("id*io*t and [a link](https://example.org)", "idiot and a link"),
        ("`code` ~~gone~~", "code gone"),
    ],
)
def test_visible_text_is_what_the_reader_sees(source, shown):
    assert visible_text(render_markdown(source)).strip() == shown


def test_visible_text_keeps_lines_and_blocks_apart():
    assert visible_text(render_markdown("one\ntwo\n\n- three\n- four")).split() == ["one", "two", "three", "four"]
    assert visible_text("<p>id</p><p>iot</p>") != "idiot"


def test_read_html_gives_links_as_the_browser_opens_them_and_the_text_outside_them():
    source = "[x](https://a.example/?p=1&q=2) and `https://b.example` [y](https://c.example)"
    reading = read_html(render_markdown(source))
    assert reading.hrefs == ("https://a.example/?p=1&q=2", "https://c.example")
    assert "https://b.example" in reading.unlinked_text and "x" not in reading.unlinked_text.split()
    assert reading.link_text.split() == ["x", "y"]


def test_urls_in_finds_what_linkify_would_link_and_scheme_addresses_it_wouldnt():
    assert sorted(urls_in("see evil.com, https://%65vil.example/ and www.c.org; mailto:x@y.example")) == [
        "http://evil.com", "http://www.c.org", "https://%65vil.example/"]
    assert urls_in("https://a.example/x") == ["https://a.example/x"]  # found by both, listed once
    assert urls_in("no addresses here") == []
