"""The suite's own promise: with CI=true, a missing PostgreSQL fails the run instead of skipping."""
import os
import subprocess
import sys

from widget import PROJECT_ROOT


def run_health_tests(ci):
    env = {**os.environ, "PARLEY_TEST_POSTGRES_URL": "postgresql://postgres@127.0.0.1:1/postgres", "CI": ci}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_health.py::test_healthz_and_readyz"],
        check=False, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_unreachable_postgres_fails_under_ci_and_skips_loudly_otherwise():
    under_ci = run_health_tests("true")
    assert under_ci.returncode != 0
    assert "CI=true: the PostgreSQL tests must run" in under_ci.stdout
    local = run_health_tests("")
    assert local.returncode == 0
    assert "1 passed, 1 skipped" in local.stdout
    assert "SKIPPING EVERY POSTGRESQL TEST" in local.stdout
