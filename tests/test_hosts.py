"""PARLEY_ALLOWED_HOSTS: no request's Host header chooses the links of a public fragment.

Served by gunicorn (wsgi.py outside the flask command), Parley refuses to start unless
PARLEY_PUBLIC_URL or PARLEY_ALLOWED_HOSTS is set; with the list, another Host gets a 400
from every route, the fast lane's included, but the health probes.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import SECRET_KEY, SITE_ORIGIN, free_port

from widget import PROJECT_ROOT, behind_proxies, create_app
from widget.config import ConfigError, load_settings
from widget.embed import lane

SERVED = "comments.example.org"


@pytest.fixture
def allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "PARLEY_ALLOWED_HOSTS", (SERVED, "127.0.0.1:5000"))


def thread_url(site):
    return f"/embed/{site.key}/thread?thread=article-1"


def lane_answers(monkeypatch):
    """A list that records each request the fast lane itself answered."""
    answered = []

    def spy(*args, real=lane.unchanged_thread):
        response = real(*args)
        if response is not None:
            answered.append(response.status_code)
        return response

    monkeypatch.setattr(lane, "unchanged_thread", spy)
    return answered


def test_a_listed_host_is_served_and_its_links_use_it(allowed, client, site, write):
    write()
    answer = client.get(thread_url(site), headers={"Origin": SITE_ORIGIN, "Host": SERVED})
    assert answer.status_code == 200
    assert f"http://{SERVED}/embed/" in answer.text
    assert client.get(thread_url(site), headers={"Host": "127.0.0.1:5000"}).status_code == 200
    # Host names are case-insensitive.
    assert client.get(thread_url(site), headers={"Host": "Comments.Example.ORG"}).status_code == 200


def test_another_host_is_refused_on_a_public_fragment_and_the_dashboard(allowed, client, site, write):
    write()
    for host in ("evil.example", f"{SERVED}:8080", f"{SERVED}.", f"www.{SERVED}", "127.0.0.1"):
        fragment = client.get(thread_url(site), headers={"Origin": SITE_ORIGIN, "Host": host})
        assert fragment.status_code == 400, host
        # No shared cache keeps the refusal for the URL's real readers.
        assert fragment.headers["Cache-Control"] == "no-store"
        assert "evil" not in fragment.text
    assert client.get(f"/embed/{site.key}/counts?thread=article-1", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/moderate/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/moderate/login", headers={"Host": SERVED}).status_code == 200


def test_the_fast_lane_refuses_another_host_too(app, client, site, write, monkeypatch):
    write(body="Cached under both hosts")
    url = thread_url(site)
    # Rendered and cached under a forged Host while no list was set: the lane could answer it.
    client.get(url, headers={"Origin": SITE_ORIGIN, "Host": "evil.example"})
    client.get(url, headers={"Origin": SITE_ORIGIN, "Host": SERVED})
    forged = client.get(url, headers={"Host": "evil.example"})
    etag = forged.headers["ETag"]
    monkeypatch.setitem(app.config, "PARLEY_ALLOWED_HOSTS", (SERVED,))
    answered = lane_answers(monkeypatch)
    assert client.get(url, headers={"Host": "evil.example"}).status_code == 400
    assert client.get(url, headers={"Host": "evil.example", "If-None-Match": etag}).status_code == 400
    assert answered == []
    honest = client.get(url, headers={"Host": SERVED})
    assert honest.status_code == 200 and answered == [200]
    assert f"http://{SERVED}/embed/" in honest.text and "evil.example" not in honest.text


def test_health_probes_answer_any_host(allowed, client):
    # A load balancer probes a backend by its own address.
    assert client.get("/healthz", headers={"Host": "10.0.0.7:5000"}).status_code == 200
    assert client.get("/readyz", headers={"Host": "10.0.0.7:5000"}).status_code == 200


def test_the_default_port_of_the_scheme_is_the_host_without_a_port(allowed, client):
    assert client.get("/moderate/login", base_url=f"https://{SERVED}", headers={"Host": f"{SERVED}:443"}).status_code == 200
    assert client.get("/moderate/login", base_url=f"http://{SERVED}", headers={"Host": f"{SERVED}:443"}).status_code == 400


def test_without_the_list_links_come_from_the_public_url_whatever_the_host(app, reader, write, monkeypatch):
    write()
    monkeypatch.setitem(app.config, "PARLEY_PUBLIC_URL", "https://comments.example.org")
    answer = reader.thread(headers={"Host": "evil.example"})
    assert answer.status_code == 200
    assert "https://comments.example.org/embed/" in answer.text and "evil.example" not in answer.text


def test_with_both_settings_the_public_urls_host_is_served_too(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PARLEY_PUBLIC_URL", "https://comments.example.org:8443/")
    monkeypatch.setitem(app.config, "PARLEY_ALLOWED_HOSTS", ("10.0.0.7:5000",))
    assert client.get("/moderate/login", headers={"Host": "comments.example.org:8443"}).status_code == 200
    assert client.get("/moderate/login", headers={"Host": "10.0.0.7:5000"}).status_code == 200
    assert client.get("/moderate/login", headers={"Host": "comments.example.org"}).status_code == 400


def test_behind_a_proxy_the_checked_host_is_the_one_links_use(allowed, app, reader, write, monkeypatch):
    """X-Forwarded-Host is never trusted (links ignore it), so it neither admits nor refuses a request."""
    write()
    monkeypatch.setattr(app, "wsgi_app", behind_proxies(app.wsgi_app, 1))
    honest = reader.thread(headers={"Host": SERVED, "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert honest.status_code == 200
    assert f"https://{SERVED}/embed/" in honest.text and "evil.example" not in honest.text
    assert reader.thread(headers={"Host": "evil.example", "X-Forwarded-Host": SERVED}).status_code == 400


def test_the_list_is_comma_separated_hosts_with_optional_ports():
    settings = load_settings({"PARLEY_ALLOWED_HOSTS": " Comments.Example.org, 127.0.0.1:5000 ,[::1]:8080,"})
    assert settings["PARLEY_ALLOWED_HOSTS"] == ("comments.example.org", "127.0.0.1:5000", "[::1]:8080")
    assert load_settings({})["PARLEY_ALLOWED_HOSTS"] == ()


@pytest.mark.parametrize("entry", ["https://comments.example.org", "comments.example.org/path", "*.example.org",
                                   "comments.example.org:99999", "user@comments.example.org", "comments_example"])
def test_a_malformed_host_is_refused_at_start(entry):
    with pytest.raises(ConfigError, match="PARLEY_ALLOWED_HOSTS"):
        create_app({"PARLEY_SECRET_KEY": SECRET_KEY, "PARLEY_ALLOWED_HOSTS": (entry,)})


def started(command, extra_env):
    env = {"PATH": "/usr/bin:/bin", "PARLEY_SECRET_KEY": SECRET_KEY, **extra_env}
    return subprocess.run(command, check=False, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("extra_env, starts", [
    ({}, False),
    ({"PARLEY_ALLOWED_HOSTS": SERVED}, True),
    ({"PARLEY_PUBLIC_URL": f"https://{SERVED}"}, True),
    # The flask command: site owners' commands run without either setting.
    ({"FLASK_RUN_FROM_CLI": "true"}, True),
], ids=["neither", "allowed-hosts", "public-url", "flask-command"])
def test_wsgi_refuses_to_serve_without_a_public_url_or_allowed_hosts(extra_env, starts):
    result = started([sys.executable, "-c", "import wsgi"], extra_env)
    assert (result.returncode == 0) == starts, result.stderr
    assert ("Neither PARLEY_PUBLIC_URL nor PARLEY_ALLOWED_HOSTS is set" in result.stderr) != starts


def test_the_flask_command_runs_without_either_setting():
    result = started([sys.executable, "-m", "flask", "--app", "wsgi", "secret"], {})
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip()) >= 32


def test_gunicorn_does_not_boot_without_either_setting():
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    result = started([gunicorn, "--workers", "1", "--bind", f"127.0.0.1:{free_port()}", "wsgi:app"],
                     {"PYTHONPATH": os.fspath(PROJECT_ROOT)})
    assert result.returncode != 0
    assert "Neither PARLEY_PUBLIC_URL nor PARLEY_ALLOWED_HOSTS is set" in result.stderr
