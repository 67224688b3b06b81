"""Settings: the environment names, their defaults, and what the app refuses to start with."""
import subprocess
import sys

import pytest
from flask import request

from widget import PROJECT_ROOT, create_app, database_url
from widget.config import ConfigError, load_settings


def test_defaults():
    settings = load_settings({})
    assert settings["PARLEY_RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["PARLEY_TRUSTED_PROXIES"] == 0
    assert settings["PARLEY_DATABASE_URL"] is None


def test_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigError, match="PARLEY_SECRET_KEY is not set"):
        create_app({"PARLEY_SECRET_KEY": None})


def test_wsgi_without_a_secret_key_exits_with_the_message():
    env = {"PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], check=False, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "PARLEY_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"PARLEY_TRUSTED_PROXIES": "one"}, "PARLEY_TRUSTED_PROXIES"),
        ({"PARLEY_TRUSTED_PROXIES": "-1"}, "PARLEY_TRUSTED_PROXIES"),
        ({"PARLEY_PUBLIC_URL": "comments.example.org"}, "PARLEY_PUBLIC_URL"),
        ({"PARLEY_IP_RETENTION_DAYS": "0"}, "PARLEY_IP_RETENTION_DAYS"),
    ],
)
def test_malformed_settings_are_refused_by_name(monkeypatch, environ, message):
    monkeypatch.setenv("PARLEY_SECRET_KEY", "x")
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_database_urls():
    assert database_url(None, "/srv/instance") == "sqlite:////srv/instance/parley.db"
    assert database_url("postgresql://u@h/db", "/i") == "postgresql+psycopg://u@h/db"
    assert database_url("postgres://u@h/db", "/i") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql+psycopg://u@h/db", "/i") == "postgresql+psycopg://u@h/db"


def client_ip_app(proxies):
    app = create_app({"PARLEY_SECRET_KEY": "x", "PARLEY_TRUSTED_PROXIES": proxies})
    app.add_url_rule("/ip", "ip", lambda: request.remote_addr)
    return app.test_client()


def test_x_forwarded_for_is_trusted_only_for_configured_hops():
    spoofed = {"X-Forwarded-For": "6.6.6.6, 198.51.100.7"}
    assert client_ip_app(0).get("/ip", headers=spoofed).text == "127.0.0.1"
    assert client_ip_app(1).get("/ip", headers=spoofed).text == "198.51.100.7"
    assert client_ip_app(2).get("/ip", headers=spoofed).text == "6.6.6.6"
