"""Rate limits: what counts toward which limit, the 429s, shared counts in Redis, and Redis failing.

The Redis tests use their own database number on the machine's Redis, and one
test runs a Redis server of its own so it can stop it mid-test.
"""
import subprocess
import time

import pytest
import redis
from support import REDIS_URL, SECRET_KEY, SITE_ORIGIN, discard, empty_tables, free_port, redis_app, redis_or_skip

from widget import create_app, limits
from widget.extensions import db
from widget.models import Comment
from widget.sites import create_site, set_policy

def stored():
    return db.session.scalars(db.select(Comment)).all()


def test_every_comment_attempt_from_an_ip_counts_and_the_429_keeps_the_text(reader, app, monkeypatch):
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_COMMENT_IP", "3 per minute")
    assert reader.post(body="").status_code == 422  # refused attempts count too
    assert reader.client.post("/embed/NoSuchSite123/comments?thread=a").status_code == 404
    assert reader.post(body="Second try").status_code == 201
    limited = reader.post(body="One too many")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Retry-After" in limited.headers["Access-Control-Expose-Headers"]
    assert 'class="parley-notice" data-kind="rate-limited"' in limited.text
    assert "commenting too fast — try again in" in limited.text
    assert "One too many</textarea>" in limited.text
    assert len(stored()) == 1


def test_only_comments_that_passed_validation_count_against_their_author(reader, app, monkeypatch):
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_COMMENT", "2 per minute")
    for _ in range(3):
        assert reader.post(body="").status_code == 422
    assert reader.post(body="One").status_code == 201
    assert reader.post(body="Two").status_code == 201
    limited = reader.post(body="Three")
    assert limited.status_code == 429 and "Three</textarea>" in limited.text
    # another guest on the same network is another identity
    assert reader.post(email="aset@example.org", body="Mine").status_code == 201


def test_refused_comments_count_against_their_author_too(reader, app, site, monkeypatch):
    set_policy(site, {"min_submit_seconds": 0, "banned_words": ["spam"]})
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_COMMENT", "2 per minute")
    assert reader.post(body="spam spam").status_code == 403
    assert reader.post(body="more spam").status_code == 403
    assert reader.post(body="clean now").status_code == 429


def test_reads_are_limited_per_ip(reader, app, monkeypatch):
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_READ", "3 per minute")
    assert reader.thread().status_code == 200
    assert reader.form().status_code == 200
    assert reader.counts("a").status_code == 200
    thread = reader.thread()
    assert thread.status_code == 429 and 'data-kind="rate-limited"' in thread.text
    counts = reader.counts("a")
    assert counts.status_code == 429 and "try again" in counts.get_json()["error"]


def test_a_forged_x_forwarded_for_neither_escapes_a_limit_nor_dodges_a_ban(reader, app, site, monkeypatch):
    from widget.bans import add_ban

    monkeypatch.setitem(app.config, "PARLEY_LIMIT_COMMENT_IP", "2 per minute")
    for n in range(2):
        assert reader.client.post(
            f"/embed/{site.key}/comments?thread=a", data={"name": "M", "email": "m@x.org", "body": f"c{n}"},
            headers={"Origin": SITE_ORIGIN, "X-Forwarded-For": f"203.0.113.{n}"},
        ).status_code == 201
    assert reader.client.post(
        f"/embed/{site.key}/comments?thread=a", data={"name": "M", "email": "m@x.org", "body": "c3"},
        headers={"Origin": SITE_ORIGIN, "X-Forwarded-For": "198.51.100.99"},
    ).status_code == 429
    monkeypatch.setitem(app.config, "PARLEY_LIMIT_COMMENT_IP", "100 per minute")
    add_ban(site, "ip", "127.0.0.1")
    db.session.commit()
    assert reader.client.post(
        f"/embed/{site.key}/comments?thread=a", data={"name": "M", "email": "n@x.org", "body": "banned"},
        headers={"Origin": SITE_ORIGIN, "X-Forwarded-For": "198.51.100.7"},
    ).status_code == 403


def test_sign_in_starts_are_limited_per_ip(signin_app, monkeypatch):
    site = create_site("Central Asia News", [SITE_ORIGIN])
    monkeypatch.setitem(signin_app.config, "PARLEY_LIMIT_SIGNIN", "2 per minute")
    popup = signin_app.test_client()
    start = f"/auth/demo/login?site={site.key}&origin={SITE_ORIGIN}"
    assert popup.get(start).status_code == 302
    assert popup.get(start).status_code == 302
    limited = popup.get(start)
    assert limited.status_code == 429 and "Location" not in limited.headers
    assert int(limited.headers["Retry-After"]) > 0 and 'class="parley-close"' in limited.text


def test_malformed_limit_settings_are_refused_by_name():
    from widget.config import ConfigError

    with pytest.raises(ConfigError, match="PARLEY_LIMIT_COMMENT="):
        create_app({"PARLEY_SECRET_KEY": SECRET_KEY, "PARLEY_LIMIT_COMMENT": "often"})


def post_from(app, site_key, body):
    return app.test_client().post(
        f"/embed/{site_key}/comments?thread=shared",
        data={"name": "Madi", "email": "madi@example.org", "body": body}, headers={"Origin": SITE_ORIGIN},
    )


def test_two_apps_on_one_redis_share_the_counts_exactly(migrated_app, database_url):
    client = redis_or_skip(REDIS_URL)
    client.flushdb()
    first = redis_app(database_url, REDIS_URL, PARLEY_LIMIT_COMMENT="5 per minute")
    second = redis_app(database_url, REDIS_URL, PARLEY_LIMIT_COMMENT="5 per minute")
    with migrated_app.app_context():
        site = set_policy(create_site("Shared", [SITE_ORIGIN]), {"min_submit_seconds": 0, "duplicate_window_hours": 0})
        site_key = site.key
    try:
        answers = [post_from((first, second)[n % 2], site_key, f"comment {n}").status_code for n in range(12)]
        assert answers.count(201) == 5 and answers.count(429) == 7
        assert answers[:5] == [201] * 5
        with migrated_app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 5
    finally:
        client.flushdb()
        client.close()
        with migrated_app.app_context():
            empty_tables()
        for app in (first, second):
            discard(app)


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of this test's own, which it may stop and start again."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(tmp_path)]

    def start():
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with redis.Redis(port=port, socket_timeout=1) as client:
            for _ in range(100):
                try:
                    client.ping()
                    return process
                except redis.RedisError:
                    time.sleep(0.05)
        process.kill()
        pytest.fail("the test's own redis-server didn't start")

    servers = {"process": start()}

    def stop():
        servers["process"].terminate()
        servers["process"].wait(timeout=10)

    def restart():
        servers["process"] = start()

    yield f"redis://127.0.0.1:{port}/0", stop, restart
    if servers["process"].poll() is None:
        stop()


def test_when_redis_fails_the_same_limits_go_on_in_memory(migrated_app, database_url, own_redis, caplog, monkeypatch):
    url, stop, restart = own_redis
    app = redis_app(database_url, url, PARLEY_LIMIT_COMMENT="3 per minute")
    with migrated_app.app_context():
        site = set_policy(create_site("Failing", [SITE_ORIGIN]), {"min_submit_seconds": 0, "duplicate_window_hours": 0})
        site_key = site.key
    try:
        assert post_from(app, site_key, "before the failure").status_code == 201
        stop()
        answers = [post_from(app, site_key, f"during {n}").status_code for n in range(5)]
        # never a 500, never unlimited: the same 3 per minute, counted afresh in memory
        assert answers == [201, 201, 201, 429, 429]
        assert "rate-limit storage failed" in caplog.text
        with app.test_request_context():
            assert app.test_client().get("/healthz").status_code == 200
        restart()
        monkeypatch.setattr(limits, "RECHECK_SECONDS", 0)
        assert post_from(app, site_key, "after the restart").status_code == 201
        assert "rate-limit storage is back" in caplog.text
    finally:
        with migrated_app.app_context():
            empty_tables()
        discard(app)
