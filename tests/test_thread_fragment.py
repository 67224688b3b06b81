"""The public thread fragment: reads that store nothing, CORS, caching, order, nesting, paging."""
import re
from datetime import datetime, timedelta

import pytest
from support import OTHER_ORIGIN, SITE_ORIGIN

from widget.extensions import db
from widget.models import Thread, utcnow
from widget.threads import PAGE_SIZE


def comment_ids(html):
    return [int(i) for i in re.findall(r'data-comment-id="(\d+)"', html)]


def test_a_view_of_a_thread_without_comments_shows_it_empty_and_stores_nothing(reader, site):
    response = reader.thread("kz-policy", title="Foreign policy", url=f"{SITE_ORIGIN}/kz-policy")
    assert response.status_code == 200
    assert 'class="parley-thread" data-thread="kz-policy" data-count="0"' in response.text
    reader.origin = None
    assert reader.thread("direct-visit").status_code == 200
    reader.origin = OTHER_ORIGIN
    assert reader.thread("foreign").status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Thread)) == 0


def test_a_thread_url_off_the_sites_origins_is_not_kept(reader):
    reader.client.post(f"/embed/{reader.site.key}/comments",
                       query_string={"thread": "t", "url": "https://evil.example.net/phish"},
                       data={"name": "Madi Asanov", "email": "madi@example.org", "body": "Hi."}, headers=reader.headers())
    assert db.session.execute(db.select(Thread.url).filter_by(key="t")).scalar_one() == ""


def test_cors_grant_only_for_the_sites_origins(reader):
    response = reader.thread()
    assert response.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "X-Parley-Token" in response.headers["Access-Control-Expose-Headers"]
    # The widget's polling compares ETags to tell that the thread moved.
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    reader.origin = OTHER_ORIGIN
    response = reader.thread()
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_preflight_allows_the_authorization_header(client, site):
    response = client.options(
        f"/embed/{site.key}/comments?thread=a",
        headers={
            "Origin": SITE_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    foreign = client.options(
        f"/embed/{site.key}/comments?thread=a",
        headers={"Origin": OTHER_ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_unknown_site_is_404_and_bad_thread_keys_400(client, reader):
    response = client.get("/embed/NoSuchSite123/thread?thread=a")
    assert response.status_code == 404
    assert 'class="parley-notice"' in response.text
    for key in ["", "has space", "x" * 256, "tab\there", "nul\x00"]:
        assert reader.thread(key).status_code == 400, key
    assert reader.thread("https://news.example.org/2026/11/kazakh-policy?x=1").status_code == 200
    assert reader.thread("статья-42").status_code == 200


def test_bad_sort_cursor_or_anchor_is_400(reader, write):
    write()
    assert reader.thread(sort="best").status_code == 400
    assert reader.thread(after="abc").status_code == 400
    assert reader.thread(sort="top", after="5").status_code == 400
    assert reader.thread(around="x").status_code == 400


def test_fragment_shows_comments_with_the_contract_markup(reader, write, site):
    comment = write(body="Hello **there**", name="Madi Asanov")
    html = reader.thread().text
    assert f'<article class="parley-comment" id="parley-c{comment.id}" data-comment-id="{comment.id}" data-status="published"' in html
    assert '<span class="parley-author">Madi Asanov</span>' in html
    assert '<div class="parley-body"><p>Hello <strong>there</strong></p></div>' in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">\d+ \w+ \d{4}, \d\d:\d\d UTC</time>', html)
    assert '<span class="parley-avatar parley-avatar-' in html and ">MA</span>" in html
    assert f'href="{SITE_ORIGIN}/article-1#parley-c{comment.id}"' in html
    assert 'data-count="1"' in html and "1 comment<" in html
    assert "guest@example.org" not in html and "203.0.113.9" not in html


def test_every_url_in_a_fragment_is_absolute(reader, write, app, monkeypatch):
    write()
    for html in (reader.thread().text, reader.form().text):
        for url in re.findall(r'(?:href|action)="([^"]+)"', html):
            assert url.startswith(("http://", "https://")), url
    monkeypatch.setitem(app.config, "PARLEY_PUBLIC_URL", "https://comments.example.org")
    html = reader.thread().text
    assert 'href="https://comments.example.org/embed/' in html
    assert "http://localhost" not in html


def test_website_links_carry_nofollow_ugc(reader, site):
    reader.post(website="https://madi.example.kz")
    html = reader.thread().text
    assert '<a class="parley-author" href="https://madi.example.kz" rel="nofollow ugc noopener noreferrer">' in html


def test_oldest_first_by_default_then_newest_and_top(reader, write):
    first, second, third = write(body="one"), write(body="two"), write(body="three")
    write(body="reply", parent=second)
    write(body="reply 2", parent=second)
    write(body="reply 3", parent=third)
    roots = [first.id, second.id, third.id]

    def order(sort=None):
        html = reader.thread(**({"sort": sort} if sort else {})).text
        return [i for i in comment_ids(html) if i in roots]

    assert order() == roots
    assert order("oldest") == roots
    assert order("newest") == roots[::-1]
    assert order("top") == [second.id, third.id, first.id]


def test_replies_nest_three_levels_and_deeper_ones_attach_at_the_third(reader, write):
    top = write(body="level 1")
    second = write(body="level 2", parent=top)
    third = write(body="level 3", parent=second)
    fourth = write(body="level 4", parent=third)
    assert (second.depth, third.depth, fourth.depth) == (1, 2, 2)
    assert fourth.parent_id == second.id
    html = reader.thread().text
    # level 3 and the deeper reply are siblings inside level 2's replies
    second_block = html[html.index(f'id="parley-c{second.id}"'):]
    replies = second_block[second_block.index('class="parley-replies"'):]
    assert replies.index(f'id="parley-c{third.id}"') < replies.index(f'id="parley-c{fourth.id}"')
    assert f'data-parent="{second.id}"' in html


def test_more_than_five_replies_fold_behind_show_more(reader, write):
    top = write(body="popular")
    replies = [write(body=f"reply {n}", parent=top) for n in range(8)]
    html = reader.thread().text
    assert "Show 3 more replies</summary>" in html
    folded = html[html.index('<details class="parley-hidden-replies">'):]
    assert [i for i in comment_ids(folded)] == [r.id for r in replies[5:]]

    other = write(body="six replies")
    for n in range(6):
        write(body=f"other reply {n}", parent=other)
    assert "Show 1 more reply</summary>" in reader.thread().text


def test_twenty_top_level_comments_per_page_with_a_keyset_cursor(reader, write):
    roots = [write(body=f"comment {n}") for n in range(PAGE_SIZE * 2 + 3)]
    write(body="a reply on page two", parent=roots[PAGE_SIZE + 1])
    seen = []
    params = {}
    for _ in range(3):
        html = reader.thread(**params).text
        ids = [i for i in comment_ids(html) if i in {r.id for r in roots}]
        seen.extend(ids)
        more = re.search(r'<a class="parley-more" href="([^"]+)"', html)
        if not more:
            break
        assert more.group(1).startswith("http")
        params = {"after": re.search(r"after=([\d.]+)", more.group(1)).group(1)}
    assert seen == [r.id for r in roots]
    assert "a reply on page two" in reader.thread(after=str(roots[PAGE_SIZE - 1].id)).text


def test_top_sort_pages_by_replies_then_age(reader, write):
    roots = [write(body=f"c{n}") for n in range(PAGE_SIZE + 5)]
    for n in range(3):
        write(body="r", parent=roots[-1])
    html = reader.thread(sort="top").text
    ids = comment_ids(html)
    assert ids[0] == roots[-1].id
    cursor = re.search(r"after=([\d.]+)", html).group(1)
    rest = [i for i in comment_ids(reader.thread(sort="top", after=cursor).text)]
    shown = [i for i in ids if i in {r.id for r in roots}] + rest
    assert sorted(shown) == sorted(r.id for r in roots) and len(set(shown)) == len(roots)


def test_around_opens_the_page_that_holds_the_comment(reader, write):
    roots = [write(body=f"comment {n}") for n in range(PAGE_SIZE * 2 + 1)]
    target = write(body="a deep reply", parent=roots[PAGE_SIZE + 4])
    html = reader.thread(around=str(target.id)).text
    assert f'id="parley-c{target.id}"' in html
    assert f'id="parley-c{roots[PAGE_SIZE].id}"' in html
    assert f'id="parley-c{roots[0].id}"' not in html
    assert 'class="parley-first"' in html and 'class="parley-more"' in html
    # a comment on the first page, or one that doesn't exist, opens the first page
    assert f'id="parley-c{roots[0].id}"' in reader.thread(around=str(roots[3].id)).text
    assert f'id="parley-c{roots[0].id}"' in reader.thread(around="999999").text
    newest = reader.thread(sort="newest", around=str(roots[0].id)).text
    assert f'id="parley-c{roots[0].id}"' in newest and f'id="parley-c{roots[-1].id}"' not in newest


def test_held_and_rejected_comments_are_not_public(reader, write):
    write(body="visible")
    write(body="waiting", status="pending")
    write(body="refused", status="rejected")
    html = reader.thread().text
    assert "visible" in html and "waiting" not in html and "refused" not in html
    assert 'data-count="1"' in html


def test_etag_answers_304_until_the_thread_changes(reader, write):
    write()
    first = reader.thread()
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public")
    again = reader.thread(headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    write(body="new")
    changed = reader.thread(headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert reader.thread(sort="newest").headers["ETag"] != changed.headers["ETag"]


def test_site_changes_invalidate_every_fragment(reader, write, site):
    from widget.sites import update_site

    write()
    etag = reader.thread().headers["ETag"]
    update_site(site, name="Renamed")
    assert reader.thread(headers={"If-None-Match": etag}).status_code == 200


def test_no_cap_on_new_threads_keeps_a_real_first_comment_out(reader):
    # Threads come only from comments now, which their own limits bound (PARLEY_NEW_THREADS_PER_HOUR is gone).
    for n in range(300):
        assert reader.thread(f"made-up-{n}").status_code == 200
    response = reader.post("made-up-9")
    assert response.status_code == 201
    assert db.session.scalar(db.select(db.func.count()).select_from(Thread)) == 1


def test_counts(reader, write, site):
    write("a")
    write("a", body="second")
    write("a", body="held", status="pending")
    write("b", parent=write("b"))
    response = reader.counts("a", "b", "never-seen")
    assert response.status_code == 200
    assert response.get_json() == {"a": 2, "b": 2, "never-seen": 0}
    assert response.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert reader.counts().status_code == 400
    assert reader.counts(*[f"t{n}" for n in range(101)]).status_code == 400
    assert reader.counts("bad key").get_json()["error"]


def test_form_fragment_is_personal_and_never_cached(reader, write):
    response = reader.form()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.text
    assert html.index("Post a Comment") < html.index('class="parley-policy"') < html.index("<form")
    assert '<form class="parley-form" method="post"' in html
    assert "* denotes required field" in html
    for name in ("name", "email", "body"):
        assert re.search(rf'name="{name}"[^>]* required', html), name
    assert not re.search(r'name="website"[^>]* required', html)
    assert html.count('class="parley-required"') == 3
    assert 'name="parent" value=""' in html
    assert "never shown" in html and "30 days" in html


def test_reply_form_names_the_parent(reader, write):
    parent = write(name="Aigerim")
    html = reader.form(parent=str(parent.id)).text
    assert f'name="parent" value="{parent.id}"' in html
    assert "Replying to <strong>Aigerim</strong>" in html
    assert reader.form(parent="424242").status_code == 404
    assert reader.form("other-thread", parent=str(parent.id)).status_code == 404


def test_policy_page_placeholder(client, site):
    response = client.get(f"/embed/{site.key}/policy")
    assert response.status_code == 200
    assert "Comment Policy" in response.text and "Central Asia News" in response.text
    assert "5,000" in response.text


def test_titles_and_urls_with_control_characters_are_cleaned(site):
    from widget.threads import get_or_create_thread

    thread = get_or_create_thread(site, "ctl", title="Bad\x00title\x07\n here", url=f"{SITE_ORIGIN}/a\x00b")
    assert (thread.title, thread.url) == ("Bad title here", "")


@pytest.mark.parametrize("bad_id", ["²", "0", "2147483648", "99999999999999999999"])
def test_ids_that_name_no_row_are_refused_not_500(reader, write, bad_id):
    # "²" passes str.isdigit; 2**31 overflows PostgreSQL's integer ids.
    write()
    assert reader.thread(after=bad_id).status_code == 400
    assert reader.thread(sort="top", after=f"0.1.{bad_id}.1").status_code == 400
    assert reader.thread(around=bad_id).status_code == 400
    assert reader.form(parent=bad_id).status_code == 404
    assert reader.post(parent=bad_id).status_code == 422


def test_the_top_cursor_takes_like_and_reply_counts_of_zero(reader, write):
    first = write()
    # likes, replies, id, the first page's time (microseconds since 1970)
    cursor = f"0.0.{first.id}.{(utcnow() - datetime(1970, 1, 1)) // timedelta(microseconds=1)}"
    assert f'id="parley-c{first.id}"' not in reader.thread(sort="top", after=cursor).text
    assert reader.thread(sort="top", after=cursor).status_code == 200
    assert reader.thread(sort="top", after=f"0.{first.id}").status_code == 400  # the cursor before likes


def test_preflight_for_the_thread_with_a_token(client, site):
    response = client.options(
        f"/embed/{site.key}/thread?thread=a",
        headers={"Origin": SITE_ORIGIN, "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"},
    )
    assert response.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def test_links_follow_the_public_url_and_a_forged_host_changes_the_etag(reader, write, app, monkeypatch):
    write()
    honest = reader.thread()
    forged = reader.thread(headers={"Host": "evil.example"})
    assert "http://evil.example/embed/" in forged.text
    # a shared cache can't hand the forged copy to others as the same resource
    assert forged.headers["ETag"] != honest.headers["ETag"]
    monkeypatch.setitem(app.config, "PARLEY_PUBLIC_URL", "https://comments.example.org")
    pinned = reader.thread(headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    assert "evil.example" not in pinned.text


def test_fragments_and_the_policy_page_are_locked_down(reader, client, site):
    for response in (reader.thread(), reader.form(), reader.post(), reader.counts("a")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    page = client.get(f"/embed/{site.key}/policy")
    assert "style-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_policy_page_shows_the_owners_text_and_the_guest_rule(client, site):
    from widget.sites import set_policy

    set_policy(site, {"text": "Be **kind**. <script>alert(1)</script>", "guests": "deny"})
    page = client.get(f"/embed/{site.key}/policy").text
    assert "Be <strong>kind</strong>." in page and "<script>alert" not in page
    assert "You need to sign in to comment." in page
