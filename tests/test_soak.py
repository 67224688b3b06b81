"""The soak, short: bench/soak.py's own code (4 gunicorn workers, a PostgreSQL and a Redis of its
own, readers, posters and limit probes through a Redis stop, a PostgreSQL restart and a SIGTERM
to gunicorn), with 20 s of load and fewer clients. `make soak` is the full-length run.

Also here: the bug the soak found, pinned down without it.
"""
import importlib.util
import os
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from support import SECRET_KEY

from widget import create_app
from widget.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def load_soak():
    spec = importlib.util.spec_from_file_location("parley_soak", ROOT / "bench" / "soak.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_short_soak_through_every_fault_passes_every_check(tmp_path):
    soak = load_soak()
    missing = soak.missing_binaries()
    if missing:
        message = f"the soak needs {', '.join(missing)} (PostgreSQL 15's binaries and redis-server)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true: the soak must run", pytrace=False)
        pytest.skip(f"SKIPPING THE SOAK: {message}")
    report = soak.run(soak.Options(seconds=20, readers=20, posters=5, results=tmp_path / "soak.md"))
    print(report.table)
    failed = [f"{check.name}: {check.detail}" for check in report.checks if not check.passed]
    assert not failed, f"servers' logs in {tmp_path / 'soak-logs'}\n" + report.table


# SQLite has no connection to lose: this one is PostgreSQL's alone.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_lost_after_the_answer_is_made_does_not_turn_it_into_a_500(database_url):
    """A database restart between a view's last query and the end of the request: the answer
    (a 201 for a comment already committed, say) stands; the dead connection is dropped."""
    app = create_app({"PARLEY_SECRET_KEY": SECRET_KEY, "PARLEY_DATABASE_URL": database_url, "TESTING": True})

    @app.get("/test-lose-connection")
    def answer_then_lose_the_connection():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()  # leaves a transaction open
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return "answered"

    try:
        answer = app.test_client().get("/test-lose-connection")
        assert answer.status_code == 200 and answer.text == "answered"
        assert app.test_client().get("/readyz").status_code == 200  # on a live connection again
    finally:
        app.extensions["parley_limits"].close()
        with app.app_context():
            db.engine.dispose()
