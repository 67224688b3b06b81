"""Settings: the environment names, their defaults, and what the app refuses to start with."""
import subprocess
import sys

import pytest
from flask import request
from support import SECRET_KEY

from widget import PROJECT_ROOT, create_app, database_url
from widget.config import ConfigError, load_settings, secret_key_problem


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


@pytest.mark.parametrize("key", ["x", "test-secret", "k" * 10 + "0123456789" + "abcdefghijk"])
def test_a_short_secret_key_stops_the_app_saying_so(key):
    with pytest.raises(ConfigError, match="PARLEY_SECRET_KEY is too short") as refused:
        create_app({"PARLEY_SECRET_KEY": key})
    assert "at least 32" in str(refused.value) and "secrets.token_urlsafe(48)" in str(refused.value)


@pytest.mark.parametrize("key", ["a" * 40, "0123456789" * 4, "abcdefgh" * 5, "changeme" * 4, "ab" * 20 + "c"])
def test_a_guessable_secret_key_of_any_length_is_refused(key):
    with pytest.raises(ConfigError, match="PARLEY_SECRET_KEY is guessable"):
        create_app({"PARLEY_SECRET_KEY": key})


@pytest.mark.parametrize("key", [
    "3f9a1c07d2e84b6f5a0c9e1d7b3f2a68",  # 16 random bytes in hex: `openssl rand -hex 16`
    "Zk3_vQ9xLm2pR7tW0yB5nH8cJ4dF6gS1aE-uK",  # `secrets.token_urlsafe(28)`
])
def test_a_random_secret_key_of_32_characters_or_more_is_accepted(key):
    assert secret_key_problem(key) is None
    assert create_app({"PARLEY_SECRET_KEY": key}).config["SECRET_KEY"] == key


def test_wsgi_with_a_short_secret_key_exits_with_the_message():
    env = {"PATH": "/usr/bin:/bin", "PARLEY_SECRET_KEY": "x", "PARLEY_PUBLIC_URL": "https://comments.example.org"}
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], check=False, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "PARLEY_SECRET_KEY is too short" in result.stderr


def test_the_secret_command_prints_a_new_key_the_check_accepts(app):
    runner = app.test_cli_runner()
    first, second = runner.invoke(args=["secret"]), runner.invoke(args=["secret"])
    assert first.exit_code == 0 and second.exit_code == 0
    key = first.output.strip()
    assert len(key) >= 32 and secret_key_problem(key) is None
    assert key != second.output.strip()
    assert create_app({"PARLEY_SECRET_KEY": key}).config["SECRET_KEY"] == key
    assert "PARLEY_SECRET_KEY" in runner.invoke(args=["secret", "--help"]).output


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
    monkeypatch.setenv("PARLEY_SECRET_KEY", SECRET_KEY)
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
    app = create_app({"PARLEY_SECRET_KEY": SECRET_KEY, "PARLEY_TRUSTED_PROXIES": proxies})
    app.add_url_rule("/ip", "ip", lambda: request.remote_addr)
    return app.test_client()


def test_x_forwarded_for_is_trusted_only_for_configured_hops():
    spoofed = {"X-Forwarded-For": "6.6.6.6, 198.51.100.7"}
    assert client_ip_app(0).get("/ip", headers=spoofed).text == "127.0.0.1"
    assert client_ip_app(1).get("/ip", headers=spoofed).text == "198.51.100.7"
    assert client_ip_app(2).get("/ip", headers=spoofed).text == "6.6.6.6"
