"""`make bench`: Parley's fragment, write and POST paths under load, against Flask's hello world and Isso.

    .venv/bin/python bench/parley_bench.py [--rounds 3] [--seconds 6] [--connections 4] [--loadgen auto|wrk|python]

What it does, all on 127.0.0.1 and in one run:

1. Seeds Parley twice, on a SQLite file in a temporary directory and on a PostgreSQL database
   `parley_bench` (created, and dropped at the end), through Parley's own code
   (bench/seeding.py): one site, a 50-comment thread (10 top-level comments with 4 replies
   each, all on its first page), a 10,000-comment thread of the same shape (2,000 x 5, so its
   first page holds 20 top-level comments and their 80 replies) and a thread for POSTs.
2. Seeds Isso 0.14 (its own venv, bench/.isso-venv) with the same 50 comments through its API.
3. Serves Parley on SQLite, Parley on PostgreSQL, Flask's hello world (bench/hello_app.py) and
   Isso, each with `gunicorn --workers 2 --worker-class sync`.
4. In each round (at least three; the order of the servers rotates from round to round),
   measures with wrk (or, without wrk, the Python generator in bench/loadgen.py), after a
   one-second warm-up each:
   - hello world `GET /`; Isso `GET /?uri=/news/article` (the same 50 comments);
   - on each Parley: the anonymous 50-comment fragment (`GET /embed/<site>/thread`) with no
     writes ("cached"); the same "just after a write", while the thread's version is bumped in
     the database BUMPS_PER_SECOND times a second (what every comment write does to it), so
     nearly every read finds its ETag changed and renders; the same while a writer POSTs
     WRITES_PER_SECOND real comments a second to that thread (each held for shouting, so the
     page stays the same 50 comments); the first page of the 10,000-comment thread; a
     conditional GET (If-None-Match of the 50-comment fragment's current ETag); and a guest
     comment POST through the whole pipeline (published, 201).
   Every request carries the site's Origin, as the widget's do.
5. Prints and writes to bench/results/latest.md: medians over the rounds of requests/s and
   p50/p99 latency, the ratios Parley / hello world and Parley / Isso, the targets and where each
   stands, embed.js and embed.css gzipped (gzip -9), and the peak RSS of each gunicorn worker.

Rate limits are set to 1,000,000 per second for the benchmark (PARLEY_LIMIT_*), so it measures
the pipeline and not 429s; the limiter itself still runs on every request. The site's policy has
min_submit_seconds = 0, word lists of 500 banned and 200 suspect entries and 100 blocked domains.

Servers are stopped, and the temporary directory and the PostgreSQL database removed, on any exit.
"""
import argparse
import atexit
import gzip
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import seeding  # noqa: E402
from loadgen import LoadGenerator, PacedWriter  # noqa: E402

HOST = "127.0.0.1"
WRITES_PER_SECOND = 20  # comment POSTs a second in the "writes interleaved" scenario
LIKES_PER_SECOND = 50  # like POSTs a second in the "likes storm" scenario
LIKERS = 3  # the storm's guest keys, taking turns: no more than one IP may hold on one comment
BUMPS_PER_SECOND = 500  # thread-version bumps a second in the "just after a write" one
ISSO_URI = "/news/article"
GENEROUS_LIMIT = "1000000 per second"
LIMITS = ("PARLEY_LIMIT_COMMENT", "PARLEY_LIMIT_COMMENT_IP", "PARLEY_LIMIT_READ", "PARLEY_LIMIT_REACT",
          "PARLEY_LIMIT_SIGNIN", "PARLEY_LIMIT_MODERATOR_LOGIN")
POSTGRES_ADMIN_URL = os.environ.get("PARLEY_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
POSTGRES_DATABASE = "parley_bench"
ISSO_PYTHON = ROOT / "bench" / ".isso-venv" / "bin" / "python"
RESULTS = ROOT / "bench" / "results" / "latest.md"

TARGETS = {
    "hello_cached": 0.60,  # cached 50-comment fragment, share of hello world's requests/s
    "hello_after_write": 0.25,
    "isso": 30.0,  # cached 50-comment fragment, times Isso's requests/s
    "big_latency": 1.5,  # first page of 10,000 comments, p50 latency over the 50-comment thread's
    "static_gzip_bytes": 6 * 1024,
    "likes_storm": 0.80,  # cached 50-comment fragment under a storm of likes, share of its figure without
}


# --- processes -----------------------------------------------------------------------------

class Cleanup:
    """Everything to undo on exit, last first; runs once, on normal exit, errors and signals."""

    def __init__(self):
        self.actions = []
        atexit.register(self.run)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self.on_signal)

    def add(self, action):
        self.actions.append(action)

    def on_signal(self, signum, frame):
        print(f"\nInterrupted (signal {signum}): stopping the servers.", file=sys.stderr, flush=True)
        self.run()
        os._exit(128 + signum)

    def run(self):
        while self.actions:
            action = self.actions.pop()
            try:
                action()
            except Exception as error:  # noqa: BLE001 -- keep undoing the rest
                print(f"cleanup: {error}", file=sys.stderr)


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    command: list
    env: dict
    ready_path: str
    log: Path
    cwd: Path = ROOT
    database_url: str | None = None  # Parley's
    port: int = field(default_factory=free_port)
    process: subprocess.Popen = None

    def start(self, cleanup):
        command = [*self.command[:1], "--workers", "2", "--worker-class", "sync", "--bind", f"{HOST}:{self.port}",
                   "--log-level", "warning", "--error-logfile", str(self.log), *self.command[1:]]
        self.process = subprocess.Popen(command, cwd=self.cwd, env=self.env, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        cleanup.add(self.stop)

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log}:\n"
                                   + self.log.read_text()[-3000:])
            try:
                status, _, _ = fetch(self.port, self.ready_path)
                if status == 200 and len(self.worker_pids()) == 2:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer on port {self.port} within {timeout} s")

    def worker_pids(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def peak_rss_kb(self):
        """VmHWM of each worker: the most resident memory it ever had."""
        peaks = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if match:
                peaks.append(int(match.group(1)))
        return peaks

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def fetch(port, path, method="GET", headers=None, body=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    finally:
        conn.close()


# --- setup ---------------------------------------------------------------------------------

def postgres_database(cleanup):
    """A fresh `parley_bench` database, dropped at exit; None when PostgreSQL is unreachable."""
    import psycopg

    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        print(f"PostgreSQL is unreachable at {POSTGRES_ADMIN_URL} ({error}); its rows are left out.", file=sys.stderr)
        return None
    admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_DATABASE}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{POSTGRES_DATABASE}"')

    def drop():
        admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_DATABASE}" WITH (FORCE)')
        admin.close()

    cleanup.add(drop)
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + POSTGRES_DATABASE


def seed_isso(workdir, small_conversation):
    """Isso's config and database with the same 50 comments; returns the config's path."""
    config = workdir / "isso.cfg"
    config.write_text(f"""[general]
dbpath = {workdir / "isso.db"}
host = {seeding.ORIGIN}
notify = stdout
gravatar = false
[moderation]
enabled = false
[guard]
enabled = false
[server]
listen = http://{HOST}:8080
""")
    comments = [{"author": name, "email": f"{name.split()[0].lower()}@example.org", "text": body, "parent": parent}
                for name, parent, body in small_conversation]
    comments_file = workdir / "isso-comments.json"
    comments_file.write_text(json.dumps(comments))
    seeded = subprocess.run([str(ISSO_PYTHON), str(ROOT / "bench" / "isso_seed.py"), str(config), ISSO_URI,
                             seeding.ARTICLE_TITLE, str(comments_file)],
                            capture_output=True, text=True, timeout=120, check=False)
    if seeded.returncode != 0:
        raise RuntimeError(f"seeding Isso failed:\n{seeded.stdout}\n{seeded.stderr}")
    shown = int(seeded.stdout.strip().splitlines()[-1])
    if shown != len(comments):
        raise RuntimeError(f"Isso shows {shown} comments, not {len(comments)}")
    return config


@dataclass
class Scenario:
    server: Server
    name: str
    path: str
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    body: str | None = None
    expect: str = "200"
    writer: dict | None = None  # PacedWriter's path, headers and body
    bumper: tuple | None = None  # VersionBumper's site key and thread key
    results: list = field(default_factory=list)

    def __post_init__(self):
        self.headers = dict(self.headers)  # its own: the conditional GET's gets an If-None-Match

    @property
    def label(self):
        return f"{self.server.name}: {self.name}"


def parley_scenarios(server, site_key):
    origin = {"Origin": seeding.ORIGIN}
    thread = f"/embed/{site_key}/thread?thread="
    small, big = thread + seeding.SMALL_THREAD, thread + seeding.BIG_THREAD
    status, headers, page = fetch(server.port, small, headers=origin)
    shown = page.count('class="parley-comment"')
    if status != 200 or shown != 50:
        raise RuntimeError(f"{server.name}: the 50-comment fragment answered {status} with {shown} comments")
    status, _, big_page = fetch(server.port, big, headers=origin)
    if status != 200 or big_page.count('class="parley-comment"') != 100 or 'data-count="10000"' not in big_page:
        raise RuntimeError(f"{server.name}: the 10,000-comment thread's first page is not 20 + 80 comments")
    status, _, form = fetch(server.port, f"/embed/{site_key}/form?thread={seeding.POST_THREAD}", headers=origin)
    stamp = re.search(r'name="shown" value="([^"]+)"', form)
    if status != 200 or not stamp:
        raise RuntimeError(f"{server.name}: no form stamp in the form fragment ({status})")
    form_headers = {**origin, "Content-Type": "application/x-www-form-urlencoded"}

    def post_body(name, email, body):
        # "{n}" survives urlencode as %7Bn%7D: put it back for the load generator to fill in.
        fields = {"name": name, "email": email, "website": "", "body": body, "parent": "",
                  "shown": stamp.group(1), "homepage": ""}
        return urlencode(fields).replace("%7Bn%7D", "{n}")

    post = post_body("Bench Reader", "reader-{n}@example.org",
                     "Comment {n}: the *Middle Corridor* matters more than the article says, "
                     "see https://example.org/corridor for the figures.")
    held = post_body("Bench Writer", "writer-{n}@example.org",
                     "PLEASE HOLD THIS BENCHMARK COMMENT {n} FOR THE MODERATORS OF THE SITE")
    status, _, answer = fetch(server.port, f"/embed/{site_key}/comments?thread={seeding.POST_THREAD}", "POST",
                              form_headers, post.replace("{n}", "check").encode())
    if status != 201:
        raise RuntimeError(f"{server.name}: the comment POST answered {status}:\n{answer[:2000]}")
    writer = {"path": f"/embed/{site_key}/comments?thread={seeding.SMALL_THREAD}", "headers": form_headers,
              "body": held}
    liker = likes_storm(server, site_key, page)
    return [
        Scenario(server, "50-comment fragment, cached", small, headers=origin),
        # Before the writes: a POST still queued in gunicorn's backlog when a writer stops would
        # change the ETag under the measurement. Its If-None-Match is set just before it runs.
        Scenario(server, "conditional GET (If-None-Match)", small, headers=origin, expect="304"),
        Scenario(server, "50-comment fragment, just after a write", small, headers=origin,
                 bumper=(site_key, seeding.SMALL_THREAD)),
        Scenario(server, f"50-comment fragment, {WRITES_PER_SECOND} comment POSTs/s interleaved", small,
                 headers=origin, writer=writer),
        Scenario(server, f"50-comment fragment, {LIKES_PER_SECOND} likes/s arriving", small, headers=origin,
                 writer=liker),
        Scenario(server, "10,000-comment thread, first page", big, headers=origin),
        Scenario(server, "comment POST (whole pipeline)", f"/embed/{site_key}/comments?thread={seeding.POST_THREAD}",
                 "POST", form_headers, post, expect="201"),
    ]


def likes_storm(server, site_key, page):
    """The liker of the "likes storm": POSTs toggling likes of one comment of the 50-comment thread
    from the guest keys of LIKERS, in turn, so each is a real like or unlike and the guests of one
    IP stay within the per-network cap (widget/likes.py GUEST_LIKES_PER_NETWORK)."""
    comment = re.search(r'data-comment-id="(\d+)"', page).group(1)
    path = f"/embed/{site_key}/comments/{comment}/like"
    keys = [f"bench-liker-{n}".ljust(43, "x") for n in range(LIKERS)]
    status, _, answer = fetch(server.port, path, "POST", {"Origin": seeding.ORIGIN, "X-Parley-Guest": keys[0]})
    if status != 200 or '"liked":true' not in answer.replace(" ", ""):
        raise RuntimeError(f"{server.name}: the like POST answered {status}: {answer[:500]}")
    fetch(server.port, path, "POST", {"Origin": seeding.ORIGIN, "X-Parley-Guest": keys[0]})  # and taken back
    return {"path": path, "headers": {"Origin": seeding.ORIGIN}, "body": "", "rate": LIKES_PER_SECOND,
            "expect": "200", "headers_for": lambda count: {"X-Parley-Guest": keys[count % LIKERS]}}


# --- measuring -----------------------------------------------------------------------------

def measure(scenario, loadgen, connections, seconds):
    server = scenario.server
    if scenario.expect == "304":
        plain = {name: value for name, value in scenario.headers.items() if name != "If-None-Match"}
        scenario.headers["If-None-Match"] = fetch(server.port, scenario.path, headers=plain)[1]["ETag"]
    run = (HOST, server.port, scenario.method, scenario.path, scenario.headers, scenario.body, connections)
    if scenario.writer:
        writer = PacedWriter(HOST, server.port, scenario.writer["path"], scenario.writer["headers"],
                             scenario.writer["body"], scenario.writer.get("rate", WRITES_PER_SECOND),
                             scenario.writer.get("headers_for"))
        with writer:
            loadgen.run(*run, 1)
            result = loadgen.run(*run, seconds)
        result["writes"] = writer.statuses
    elif scenario.bumper:
        loadgen.run(*run, 1)
        with seeding.VersionBumper(server.database_url, *scenario.bumper, BUMPS_PER_SECOND) as bumper:
            result = loadgen.run(*run, seconds)
        result["bumps"], result["bumper_cpu"] = bumper.bumps, bumper.cpu_seconds
    else:
        loadgen.run(*run, 1)
        result = loadgen.run(*run, seconds)
    result["rps"] = result["requests"] / result["seconds"]
    scenario.results.append(result)
    unexpected = {status: n for status, n in result["statuses"].items() if status != scenario.expect}
    problems = []
    if unexpected:
        problems.append(f"statuses {unexpected}")
    if result["socket_errors"] or result["timeouts"]:
        problems.append(f"{result['socket_errors']} socket errors, {result['timeouts']} timeouts")
    if scenario.writer and set(result["writes"]) - {scenario.writer.get("expect", "202")}:
        problems.append(f"writes {result['writes']}")
    note = f"  (!) {'; '.join(problems)}" if problems else ""
    print(f"  {scenario.label:<58} {result['rps']:>8.1f} req/s  p50 {result['p50_ms']:>7.2f} ms  "
          f"p99 {result['p99_ms']:>7.2f} ms{note}", flush=True)


def median(scenario, key):
    return statistics.median(result[key] for result in scenario.results)


def total_statuses(scenario):
    totals = {}
    for result in scenario.results:
        for status, count in result["statuses"].items():
            totals[status] = totals.get(status, 0) + count
    return totals


def gzipped_size(path):
    data = path.read_bytes()
    if shutil.which("gzip"):
        return len(subprocess.run(["gzip", "-9", "-n", "-c"], input=data, capture_output=True, check=True).stdout)
    return len(gzip.compress(data, 9, mtime=0))


# --- the report ----------------------------------------------------------------------------

def code_state():
    """The commit measured, and whether the tree had changes outside bench/ (they were measured too)."""
    def git(*command):
        done = subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = [line for line in git("status", "--porcelain").splitlines() if not line[3:].startswith("bench/")]
    return f"commit {commit}" + (f" plus uncommitted changes to {len(changed)} paths" if changed else "")


def verdict(ok):
    return "met" if ok else "NOT met"


def load_average():
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def report(scenarios, servers, args, loadgen, started, extra_notes):
    by_label = {scenario.label: scenario for scenario in scenarios}
    hello = by_label["hello world: GET /"]
    isso = by_label[f"Isso 0.14: GET /?uri={ISSO_URI}"]
    hello_rps, isso_rps = median(hello, "rps"), median(isso, "rps")
    lines = [
        "# Parley benchmark",
        "",
        f"Generated by `make bench` (bench/parley_bench.py) on {started:%Y-%m-%d %H:%M} UTC, "
        f"in {(datetime.now(timezone.utc) - started).total_seconds() / 60:.1f} minutes. "
        f"Code: {code_state()}. Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}.",
        "",
        f"Load generator: {loadgen.describe()}, 1 thread, {args.connections} connections, "
        f"{args.seconds} s per measurement after a 1 s warm-up; {args.rounds} rounds, the servers' order rotating "
        "each round; every figure is the median over the rounds. Every server: gunicorn, 2 sync workers, "
        "on 127.0.0.1, load generator on the same machine. Load average (1 / 5 / 15 min) before the run: "
        f"{args.load_before}; after: {load_average()} (the benchmark itself keeps about 2 busy).",
        "",
        "| server | request | req/s | p50 ms | p99 ms | / hello world | / Isso | statuses (all rounds) "
        "| req/s by round |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for scenario in scenarios:
        rps = median(scenario, "rps")
        rounds = ", ".join(f"{result['rps']:.0f}" for result in scenario.results)
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(total_statuses(scenario).items()))
        lines.append(f"| {scenario.server.name} | {scenario.name} | {rps:,.1f} | {median(scenario, 'p50_ms'):.2f} | "
                     f"{median(scenario, 'p99_ms'):.2f} | {rps / hello_rps:.2f} | {rps / isso_rps:.1f} | "
                     f"{statuses} | {rounds} |")
    lines += ["", "How the writes are made:", "",
              f"- \"Just after a write\": while the load generator reads the 50-comment fragment, a thread of the "
              f"benchmark bumps that thread's version in the database up to {BUMPS_PER_SECOND} times a second, on its "
              "own connection (what every comment write does to it, in widget.comments.save_comment), so nearly "
              "every read comes after a write: its ETag, and any cache keyed on it, have changed and it is rendered "
              "afresh. The page stays the same 50 comments."]
    for scenario in (scenario for scenario in scenarios if scenario.bumper):
        bumps = sum(result["bumps"] for result in scenario.results)
        reads = sum(result["requests"] for result in scenario.results)
        cpu = sum(result["bumper_cpu"] for result in scenario.results)
        seconds = sum(result["seconds"] for result in scenario.results)
        lines.append(f"  - {scenario.server.name}: {bumps:,} version bumps against {reads:,} reads "
                     f"({reads / max(bumps, 1):.2f} reads a bump); the bumper's own CPU: {cpu / seconds:.0%} "
                     "of a core.")
    lines.append(f"- \"{WRITES_PER_SECOND} comment POSTs/s interleaved\": while the load generator reads the "
                 f"50-comment fragment, a writer POSTs {WRITES_PER_SECOND} comments a second to the same thread "
                 "through the whole pipeline, on one connection; each is held (shouting), so the page stays the "
                 "same 50 comments while every write bumps the thread's version. The reads share the workers with "
                 "the writes.")
    lines.append(f"- \"{LIKES_PER_SECOND} likes/s arriving\": while the load generator reads the 50-comment "
                 f"fragment, a liker POSTs {LIKES_PER_SECOND} likes a second, on one connection, to one of its "
                 f"comments, from {LIKERS} guest keys in turn (each a like or an unlike, within the per-network "
                 "cap). Each moves the comment's count; the thread's version moves at most every "
                 "widget.likes.BUMP_SECONDS, so the cached fragment is rendered again that often, not per like.")
    for scenario in (scenario for scenario in scenarios if scenario.writer and "likes" in scenario.name):
        done = sum(result["writes"].get("200", 0) for result in scenario.results)
        reads = sum(result["requests"] for result in scenario.results)
        lines.append(f"  - {scenario.server.name}: {done:,} likes and unlikes (200) against {reads:,} reads.")
    for scenario in (scenario for scenario in scenarios if scenario.writer and "likes" not in scenario.name):
        done = sum(result["writes"].get("202", 0) for result in scenario.results)
        reads = sum(result["requests"] for result in scenario.results)
        lines.append(f"  - {scenario.server.name}: {done:,} writes (202) against {reads:,} reads, one write every "
                     f"{reads / max(done, 1):.0f} reads.")

    js, css = ROOT / "static" / "js" / "embed.js", ROOT / "static" / "css" / "embed.css"
    js_gz, css_gz = gzipped_size(js), gzipped_size(css)
    lines += ["", "## Targets", "", "| target | measured | |", "|---|---|---|"]
    for scenario in scenarios:
        if scenario.server.name.startswith("Parley") and scenario.name.startswith("50-comment fragment") \
                and not scenario.writer:
            rps = median(scenario, "rps")
            after = "after a write" in scenario.name
            goal = TARGETS["hello_after_write" if after else "hello_cached"]
            what = "just after a write" if after else "cached"
            lines.append(f"| {scenario.server.name}, 50-comment fragment {what} >= {goal:.0%} of hello world | "
                         f"{rps / hello_rps:.1%} ({rps:,.0f} vs {hello_rps:,.0f} req/s) | "
                         f"{verdict(rps / hello_rps >= goal)} |")
            if not after:
                lines.append(f"| {scenario.server.name}, 50-comment fragment cached >= {TARGETS['isso']:.0f}x Isso | "
                             f"{rps / isso_rps:.1f}x ({rps:,.0f} vs {isso_rps:,.1f} req/s) | "
                             f"{verdict(rps / isso_rps >= TARGETS['isso'])} |")
    for server in sorted({scenario.server.name for scenario in scenarios if scenario.server.name.startswith("Parley")}):
        small = by_label[f"{server}: 50-comment fragment, cached"]
        big = by_label[f"{server}: 10,000-comment thread, first page"]
        ratio = median(big, "p50_ms") / median(small, "p50_ms")
        lines.append(f"| {server}, first page of 10,000 comments within {TARGETS['big_latency']}x the 50-comment "
                     f"thread's latency (p50) | {ratio:.2f}x ({median(big, 'p50_ms'):.2f} vs "
                     f"{median(small, 'p50_ms'):.2f} ms; its page shows 100 comments, the other 50) | "
                     f"{verdict(ratio <= TARGETS['big_latency'])} |")
        stormed = median(by_label[f"{server}: 50-comment fragment, {LIKES_PER_SECOND} likes/s arriving"], "rps")
        calm = median(small, "rps")
        lines.append(f"| {server}, 50-comment fragment cached with {LIKES_PER_SECOND} likes/s arriving >= "
                     f"{TARGETS['likes_storm']:.0%} of the no-likes figure | {stormed / calm:.1%} ({stormed:,.0f} vs "
                     f"{calm:,.0f} req/s) | {verdict(stormed / calm >= TARGETS['likes_storm'])} |")
        conditional = total_statuses(by_label[f"{server}: conditional GET (If-None-Match)"])
        all_304 = set(conditional) == {"304"}
        lines.append(f"| {server}, unchanged threads answer 304 | {conditional} | {verdict(all_304)} |")
    lines.append(f"| embed.js + embed.css <= 6 KB gzipped | {js_gz + css_gz:,} bytes ({js_gz:,} + {css_gz:,}; "
                 f"{js.stat().st_size:,} + {css.stat().st_size:,} raw) | "
                 f"{verdict(js_gz + css_gz <= TARGETS['static_gzip_bytes'])} |")

    lines += ["", "## Peak RSS per worker (VmHWM, after the run)", "", "| server | workers |", "|---|---|"]
    for server in servers:
        peaks = server.peak_rss_kb()
        lines.append(f"| {server.name} | {', '.join(f'{kb / 1024:.1f} MiB' for kb in peaks) or 'unknown'} |")

    lines += ["", "## Set-up", "",
              "- Parley's data: bench/seeding.py, through Parley's own code (migrations, widget.sites, "
              "widget.comments.save_comment for the 50 comments, the ORM in bulk with the same counters for the "
              "10,000). The 50-comment thread: 10 top-level comments with 4 replies each (depths 0 to 2). The "
              "10,000-comment thread: 2,000 top-level comments of the same shape, so its first page holds 20 "
              "top-level comments and their 80 replies.",
              f"- Rate limits: every PARLEY_LIMIT_* is \"{GENEROUS_LIMIT}\" (storage memory://), so the benchmark "
              "measures the pipeline, not 429s; the limiter still counts every request.",
              "- The site's policy: min_submit_seconds = 0 (so the POSTs need not wait), 500 banned words, 200 "
              "suspect words, 100 blocked domains; the rest the defaults. Each POST is a different guest comment "
              "with a link and emphasis, sent with the form's hidden inputs and the site's Origin.",
              "- Isso 0.14.0 (bench/requirements-isso.txt, venv bench/.isso-venv): guard and moderation off, the "
              "same 50 comments posted through its API (POST /new), `GET /?uri=` measured.",
              "- Hello world: bench/hello_app.py, Flask returning \"Hello, World!\".",
              *extra_notes]
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print("\n" + text)
    print(f"Written to {RESULTS.relative_to(ROOT)}")


# --- main ----------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds over every server (at least 3)")
    parser.add_argument("--seconds", type=int, default=6, help="seconds per measurement (default 6)")
    parser.add_argument("--connections", type=int, default=4, help="open connections (default 4)")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()
    if args.rounds < 3 or not 1 <= args.seconds <= 60 or not 1 <= args.connections <= 64:
        parser.error("--rounds at least 3, --seconds 1 to 60, --connections 1 to 64")
    if not ISSO_PYTHON.exists():
        raise SystemExit(f"{ISSO_PYTHON} is missing: `make bench` makes Isso's venv (bench/requirements-isso.txt)")
    started = datetime.now(timezone.utc)
    args.load_before = load_average()
    cleanup = Cleanup()
    loadgen = LoadGenerator(args.loadgen)
    workdir = Path(tempfile.mkdtemp(prefix="parley-bench-"))
    cleanup.add(lambda: shutil.rmtree(workdir, ignore_errors=True))
    print(f"Load generator: {loadgen.describe()}; working in {workdir}", flush=True)

    secret = secrets.token_urlsafe(32)
    small_conversation = seeding.conversation(10, random.Random(50))
    databases = {"Parley (SQLite)": "sqlite:///" + str(workdir / "parley.db")}
    postgres = postgres_database(cleanup)
    extra_notes = []
    if postgres:
        databases["Parley (PostgreSQL)"] = postgres
    else:
        extra_notes.append(f"- PostgreSQL was unreachable at {POSTGRES_ADMIN_URL}: no PostgreSQL rows.")
    site_keys = {}
    for name, url in databases.items():
        begun = time.monotonic()
        site_keys[name] = seeding.seed_parley(url, secret, small_conversation)
        print(f"Seeded {name} in {time.monotonic() - begun:.1f} s", flush=True)
    isso_config = seed_isso(workdir, small_conversation)
    print("Seeded Isso", flush=True)

    venv_bin = Path(sys.executable).parent
    base_env = {key: value for key, value in os.environ.items() if not key.startswith(("PARLEY_", "ISSO_"))}
    servers = [
        Server("hello world", [str(venv_bin / "gunicorn"), "--pythonpath", str(ROOT / "bench"), "hello_app:app"],
               base_env, "/", workdir / "hello.log"),
        Server("Isso 0.14", [str(ISSO_PYTHON.parent / "gunicorn"), "isso.run:application"],
               {**base_env, "ISSO_SETTINGS": str(isso_config)}, f"/?uri={ISSO_URI}", workdir / "isso.log",
               cwd=workdir),
    ]
    for name, url in databases.items():
        port = free_port()
        # gunicorn serves wsgi:app as in production: it answers only the Host the load generator sends.
        env = {**base_env, "PARLEY_SECRET_KEY": secret, "PARLEY_DATABASE_URL": url,
               "PARLEY_ALLOWED_HOSTS": f"{HOST}:{port}",
               "PARLEY_RATELIMIT_STORAGE_URI": "memory://", **{limit: GENEROUS_LIMIT for limit in LIMITS}}
        servers.append(Server(name, [str(venv_bin / "gunicorn"), "wsgi:app"], env, "/healthz",
                              workdir / f"{name.split()[1].strip('()').lower()}.log", database_url=url, port=port))
    for server in servers:
        server.start(cleanup)
    for server in servers:
        server.wait_ready()
    print("Serving: " + ", ".join(f"{server.name} on :{server.port}" for server in servers), flush=True)

    groups = {
        "hello world": [Scenario(servers[0], "GET /", "/")],
        "Isso 0.14": [Scenario(servers[1], f"GET /?uri={ISSO_URI}", f"/?uri={ISSO_URI}",
                               headers={"Origin": seeding.ORIGIN})],
    }
    for server in servers[2:]:
        groups[server.name] = parley_scenarios(server, site_keys[server.name])
    order = list(groups)
    for number in range(args.rounds):
        rotation = order[number % len(order):] + order[:number % len(order)]
        print(f"Round {number + 1} of {args.rounds}: {', '.join(rotation)}", flush=True)
        for name in rotation:
            for scenario in groups[name]:
                measure(scenario, loadgen, args.connections, args.seconds)
    scenarios = [scenario for name in order for scenario in groups[name]]
    report(scenarios, servers, args, loadgen, started, extra_notes)
    for server in servers:
        log = server.log.read_text() if server.log.exists() else ""
        if "Traceback" in log or "ERROR" in log:
            print(f"\n{server.name} logged errors ({server.log}):\n{log[-3000:]}", file=sys.stderr)
    cleanup.run()


if __name__ == "__main__":
    main()
