"""Liveness and readiness."""
from support import REDIS_URL, SECRET_KEY, discard, free_port, redis_app, redis_or_skip

from widget import create_app
from widget.moderate.views import SESSION_TOKEN


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["database"] == "ok"


def test_readyz_is_503_when_the_database_is_down():
    app = create_app(
        {
            "PARLEY_SECRET_KEY": SECRET_KEY,
            "PARLEY_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_checks_redis_where_limits_are_kept_there(database_url):
    redis_or_skip(REDIS_URL).close()
    live = redis_app(database_url, REDIS_URL)
    assert live.test_client().get("/readyz").get_json() == {"status": "ok", "database": "ok", "redis": "ok"}
    discard(live)
    dead = redis_app(database_url, f"redis://127.0.0.1:{free_port()}/0")
    answer = dead.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json() == {"status": "unavailable", "database": "ok", "redis": "unreachable"}
    discard(dead)


DOWN_URL = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
SITE = "AbCdEfGh12345678"


def test_with_the_database_down_readers_get_a_clear_503_they_can_read():
    app = create_app({"PARLEY_SECRET_KEY": SECRET_KEY, "PARLEY_DATABASE_URL": DOWN_URL})
    client = app.test_client()
    origin = {"Origin": "https://news.example.org"}
    for answer in (client.get(f"/embed/{SITE}/thread?thread=a", headers=origin),
                   client.get(f"/embed/{SITE}/form?thread=a", headers=origin),
                   client.post(f"/embed/{SITE}/comments?thread=a", data={"body": "Kept"}, headers=origin)):
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
        assert '<p class="parley-notice" data-kind="error" role="alert">Comments are unavailable' in answer.text
        assert answer.headers["Access-Control-Allow-Origin"] == "https://news.example.org"
        assert answer.headers["Cache-Control"] == "no-store"
    counts = client.get(f"/embed/{SITE}/counts?thread=a", headers=origin)
    assert counts.status_code == 503 and "unavailable" in counts.get_json()["error"]
    with client.session_transaction() as session:
        session[SESSION_TOKEN] = "a token the database would have to look up"
    assert client.get("/moderate/").status_code == 503
