"""Where a cached 50-comment fragment's time goes: cProfile over in-process GETs (no gunicorn, no network).

    .venv/bin/python bench/profile_fragment.py [--requests 500] [--sort tottime|cumulative] [--thread 50|10000]
                                               [--after-write]

Seeds the benchmark's data (bench/seeding.py) on a SQLite file in a temporary directory, then
GETs the anonymous thread fragment with the site's Origin through Flask's test client, as
the benchmark's readers do, and prints the 30 costliest functions. With --after-write, the
thread's version is bumped in the database before each GET (outside the profile), as a comment
write does, so every GET renders the fragment afresh.
"""
import argparse
import cProfile
import pstats
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import seeding  # noqa: E402
from widget import create_app  # noqa: E402
from widget.config import new_secret_key  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--sort", choices=("tottime", "cumulative"), default="tottime")
    parser.add_argument("--lines", type=int, default=30, help="functions to print")
    parser.add_argument("--thread", choices=("50", "10000"), default="50")
    parser.add_argument("--after-write", action="store_true", help="bump the thread's version before each GET")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parley-profile-") as workdir:
        url = f"sqlite:///{workdir}/parley.db"
        secret_key = new_secret_key()
        config = {"PARLEY_DATABASE_URL": url, "PARLEY_SECRET_KEY": secret_key, "PARLEY_LIMIT_READ": "1000000 per second"}
        site_key = seeding.seed_parley(url, secret_key, seeding.conversation(10, random.Random(50)))
        client = create_app(config).test_client()
        thread = seeding.SMALL_THREAD if args.thread == "50" else seeding.BIG_THREAD
        path = f"/embed/{site_key}/thread?thread={thread}"
        headers = {"Origin": seeding.ORIGIN}
        for _ in range(20):
            assert client.get(path, headers=headers).status_code == 200
        database = sqlite3.connect(f"{workdir}/parley.db", isolation_level=None)
        profiler = cProfile.Profile()
        elapsed = 0.0
        for _ in range(args.requests):
            if args.after_write:
                database.execute("UPDATE threads SET version = version + 1 WHERE key = ?", (thread,))
            started = time.perf_counter()
            profiler.enable()
            client.get(path, headers=headers)
            profiler.disable()
            elapsed += time.perf_counter() - started
        database.close()
        print(f"{args.requests} GETs of {path}: {elapsed / args.requests * 1e3:.2f} ms each under the profiler")
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)


if __name__ == "__main__":
    main()
