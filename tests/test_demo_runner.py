"""`make run`'s runner: migrate, seed, serve both sites, print both URLs, stop on Ctrl-C."""
import os
import signal
import subprocess
import sys
import urllib.request

from support import SECRET_KEY, free_port

from widget import PROJECT_ROOT
from widget.config import secret_key_problem


def test_demo_serves_both_sites_and_stops_on_ctrl_c(tmp_path):
    parley_port, site_port, id_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "PARLEY_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "PARLEY_SECRET_KEY": SECRET_KEY,
    }
    demo = subprocess.Popen(
        [sys.executable, "-m", "demo", "--parley-port", str(parley_port), "--site-port", str(site_port),
         "--id-port", str(id_port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        printed = [demo.stdout.readline() for _ in range(6)]
        assert f"Parley is serving on   http://127.0.0.1:{parley_port}\n" in printed
        article = next(line.split()[-1] for line in printed if "demo article" in line)
        assert article == f"http://localhost:{site_port}/2026/11/kazakhstan-foreign-policy"
        with urllib.request.urlopen(article, timeout=10) as response:
            page = response.read().decode()
        assert f'<script src="http://127.0.0.1:{parley_port}/static/js/embed.js" async></script>' in page
        assert "The foreign policy of Kazakhstan to remain largely unchanged" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{parley_port}/readyz", timeout=10) as ready:
            assert ready.status == 200
        assert f"Demo ID, the demo's sign-in provider, is at http://127.0.0.1:{id_port}\n" in printed
        moderate = next(line for line in printed if line.startswith("Moderate at"))
        assert f"http://127.0.0.1:{parley_port}/moderate/ as moderator@demo.example, password " in moderate
        discovery = f"http://127.0.0.1:{id_port}/.well-known/openid-configuration"
        with urllib.request.urlopen(discovery, timeout=10) as provider:
            assert provider.status == 200
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=15) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        demo.stdout.close()


def test_the_demo_writes_a_secret_key_parley_accepts_and_keeps_it(tmp_path, monkeypatch):
    from demo import __main__ as runner

    monkeypatch.setattr(runner, "INSTANCE", str(tmp_path))
    # A key an older demo wrote, before keys needed 32 characters: replaced.
    (tmp_path / "demo-secret-key").write_text("8Hq2Ue0sXf3m9LtV1wKpAa7Y")
    key = runner.demo_secret_key()
    assert secret_key_problem(key) is None
    assert runner.demo_secret_key() == key == (tmp_path / "demo-secret-key").read_text()
