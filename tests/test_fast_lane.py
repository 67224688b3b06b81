"""The fast lane (widget/embed/lane.py) answers unchanged threads' anonymous reads before Flask:
exactly as the view and its hooks would, counting each read once, and stepping aside otherwise."""
import pytest
from flask import Flask, request
from support import OTHER_ORIGIN, SITE_ORIGIN
from werkzeug.test import Client
from werkzeug.wrappers import Response

from widget.embed import lane


def the_long_way(app):
    """A client of the Flask app alone, without the fast lane (or any other WSGI layer) in front."""
    return Client(lambda environ, start_response: Flask.wsgi_app(app, environ, start_response), Response)


def answer_of(response):
    return response.status_code, response.get_data(as_text=True), sorted(response.headers.items())


@pytest.mark.parametrize("origin", [SITE_ORIGIN, OTHER_ORIGIN, None], ids=["site", "foreign", "none"])
def test_its_answers_are_the_views_to_the_byte(app, client, site, write, origin, monkeypatch):
    write(body="Once rendered, then from the cache")
    headers = {"Origin": origin} if origin else {}
    url = f"/embed/{site.key}/thread?thread=article-1"
    client.get(url, headers={"Origin": SITE_ORIGIN})  # rendered and cached
    answered = []
    monkeypatch.setattr(lane, "unchanged_thread", lambda *a, real=lane.unchanged_thread: answered.append(1) or real(*a))
    from_lane = client.get(url, headers=headers)
    from_view = the_long_way(app).get(url, headers=headers)
    assert answered and answer_of(from_lane) == answer_of(from_view) and from_lane.status_code == 200
    etag = from_view.headers["ETag"]
    not_modified = client.get(url, headers={**headers, "If-None-Match": etag})
    assert answer_of(not_modified) == answer_of(the_long_way(app).get(url, headers={**headers, "If-None-Match": etag}))
    assert not_modified.status_code == 304


def test_a_read_handed_on_to_the_view_is_counted_once(app, client, site, write, monkeypatch):
    write()
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_READ", "2 per minute")
    url = f"/embed/{site.key}/thread?thread=article-1"
    first = client.get(url, headers={"Origin": SITE_ORIGIN})  # not cached yet: the lane hands it on
    second = client.get(url, headers={"Origin": SITE_ORIGIN})  # from the lane
    third = client.get(url, headers={"Origin": SITE_ORIGIN})
    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    assert int(third.headers["Retry-After"]) > 0 and 'data-kind="rate-limited"' in third.text


def test_it_steps_aside_for_readers_with_a_token_or_key_and_for_anything_else(app, client, site, write, monkeypatch):
    write()
    url = f"/embed/{site.key}/thread?thread=article-1"
    client.get(url, headers={"Origin": SITE_ORIGIN})
    answered = []
    monkeypatch.setattr(lane, "unchanged_thread", lambda *a: answered.append(1))
    client.get(url, headers={"Origin": SITE_ORIGIN, "Authorization": "Bearer nope"})
    client.get(url, headers={"Origin": SITE_ORIGIN, "X-Parley-Guest": "a-key"})
    client.post(url, headers={"Origin": SITE_ORIGIN})
    client.get(f"/embed/{site.key}/form?thread=article-1", headers={"Origin": SITE_ORIGIN})
    assert answered == []


def test_a_database_failure_in_the_lane_goes_the_long_way(app, client, site, write, monkeypatch):
    from sqlalchemy.exc import OperationalError

    write(body="Still served")
    url = f"/embed/{site.key}/thread?thread=article-1"
    client.get(url, headers={"Origin": SITE_ORIGIN})

    def fails(*args):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(lane.Versions, "of_keys", fails)
    answer = client.get(url, headers={"Origin": SITE_ORIGIN})
    assert answer.status_code == 200 and "Still served" in answer.text


def test_any_error_in_the_lane_is_logged_and_the_view_answers(app, client, site, write, monkeypatch, caplog):
    write(body="Still served")
    url = f"/embed/{site.key}/thread?thread=article-1"
    client.get(url, headers={"Origin": SITE_ORIGIN})
    # A shared helper that has come to read Flask's request, which the lane runs without.
    monkeypatch.setattr(lane, "fragment_base", lambda _: request.root_url)
    answer = client.get(url, headers={"Origin": SITE_ORIGIN})
    assert answer.status_code == 200 and "Still served" in answer.text
    assert "fast lane" in caplog.text and "outside of request context" in caplog.text
