"""Liveness and readiness."""
from widget import create_app


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["database"] == "ok"


def test_readyz_is_503_when_the_database_is_down():
    app = create_app(
        {
            "PARLEY_SECRET_KEY": "x",
            "PARLEY_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert app.test_client().get("/healthz").status_code == 200
