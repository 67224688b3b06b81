"""`make soak`: Parley under sustained load while its backends fail, then the database checked.

    .venv/bin/python bench/soak.py [--seconds 60] [--readers 100] [--posters 20] [--results PATH]

Everything runs on 127.0.0.1, on servers of the soak's own (the machine's PostgreSQL and Redis
serve the test suite and are never touched):

- a PostgreSQL cluster (initdb into a temporary directory, trust auth, a free port, its unix
  socket in that directory; as the `postgres` user when run as root), with a fresh database
  migrated by Flask-Migrate and one site whose policy has min_submit_seconds 0;
- a redis-server on a free port (no persistence) holding the rate limits;
- gunicorn with 4 sync workers serving wsgi:app.

For `--seconds`, `--readers` threads GET thread fragments (sometimes with If-None-Match),
`--posters` threads POST guest comments (each with a unique body: published, held for links,
replies, and some that must be refused: no name → 422, a foreign Origin → 403), and a few
"limit probe" threads hammer the per-identity comment limit with one shared identity at a
time. Meanwhile the faults come on a schedule (fractions of the run):

  20%  Redis stopped               the service must stay up (limits fall back to process memory)
  35%  Redis started again
  50%  PostgreSQL restarted        (pg_ctl restart -m fast) requests in flight may get a 503 with
                                   the "Comments are unavailable" notice and Retry-After; the
                                   service must recover on its own
  75%  SIGTERM to gunicorn         graceful stop; it is started again and the load goes on

Rate limits. Every client is 127.0.0.1, so the per-IP limits (PARLEY_LIMIT_COMMENT_IP,
PARLEY_LIMIT_READ) are set out of reach: otherwise the soak would measure 429s, not the
service (the limiter still runs, and talks to Redis, on every request). The per-identity limit
PARLEY_LIMIT_COMMENT (--limit, "5 per minute") is the one checked: an ordinary poster uses a
new guest email for each comment, so it never meets it, while the probe threads share one
identity at a time and post as fast as they can. A probe identity is used for less than the
limit's window, so the window never slides during its life, and is used only while every
worker counts in Redis: before Redis is stopped, and after gunicorn is restarted (fresh
workers; the ones that saw Redis fail count in their own memory until their 30-second
re-check, so that stretch is left out of the check, by design). Then, whatever the
concurrency and whichever workers answer, exactly N of its comments (N = the limit) must be
accepted (201/202) and every other attempt answered 429 with Retry-After; the gunicorn access
log shows how many workers answered them.

After the run: every comment answered 201 is stored exactly once as published, every 202
exactly once as pending, none answered 4xx is stored, those answered 503 or cut off are stored
at most once (the table says how many were); every thread's comment_count equals its
published comments, every comment's reply_count its published replies. The summary table is
printed and written to bench/results/soak-latest.md; the exit status is 1 if any check failed.

tests/test_soak.py runs the same code, shorter and with fewer clients, inside `make test`.
"""
import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
ORIGIN = "https://news.example.org"
FOREIGN_ORIGIN = "https://elsewhere.example.com"
PG_BIN = Path(os.environ.get("PARLEY_SOAK_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = os.environ.get("PARLEY_SOAK_REDIS_SERVER", "redis-server")
DATABASE = "parley_soak"
RESULTS = ROOT / "bench" / "results" / "soak-latest.md"
OUT_OF_REACH = "1000000 per minute"
THREADS = [f"soak-{n}" for n in range(1, 6)]
PROBE_THREAD = "soak-limits"
CLIENT_TIMEOUT = 30  # seconds; a request that takes longer counts as a timeout (a failure)
RECOVERY_LIMIT = 10  # seconds after a backend is back within which the service must answer again
GRACEFUL_TIMEOUT = 30
# The load goes on at least this long after the new gunicorn is ready, however short the run:
# the recovery and the limit check after the restart need it.
TAIL_SECONDS = 5
UNAVAILABLE_TEXT = "Comments are unavailable"
SCHEDULE = (("redis stop", 0.20), ("redis start", 0.35), ("postgresql restart", 0.50), ("gunicorn SIGTERM", 0.75))


@dataclass
class Options:
    seconds: float = 60
    readers: int = 100
    posters: int = 20
    workers: int = 4
    limit: str = "5 per minute"
    probes: int = 4
    results: Path = RESULTS
    log: object = print


def missing_binaries():
    """What the soak needs from the machine and doesn't find."""
    missing = [str(PG_BIN / name) for name in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / name).exists()]
    if not shutil.which(REDIS_SERVER):
        missing.append(REDIS_SERVER)
    return missing


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} within {timeout} s")


# --- the servers -----------------------------------------------------------------------------

class PrivatePostgres:
    """A throwaway cluster in `directory`: trust auth, 127.0.0.1 on a free port, its socket beside it."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.data = self.directory / "data"
        self.socket_dir = self.directory / "socket"
        self.log = self.directory / "postgresql.log"
        self.port = free_port()
        self.started = False

    def run(self, *command, timeout=120):
        # PostgreSQL refuses to run as root: as root, run it as the postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}\n"
                               + (self.log.read_text()[-2000:] if self.log.exists() else ""))
        return done

    def init(self):
        self.socket_dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        self.run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--locale=C", "--no-sync")
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '{HOST}'\n"
                       f"unix_socket_directories = '{self.socket_dir}'\nmax_connections = 200\n")

    def pg_ctl(self, *args):
        return self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", *args)

    def start(self):
        self.pg_ctl("start")
        self.started = True

    def restart(self):
        self.pg_ctl("restart", "-m", "fast")

    def stop(self):
        if not self.started:
            return
        try:
            self.pg_ctl("stop", "-m", "fast")
        except (RuntimeError, subprocess.TimeoutExpired):
            self.pg_ctl("stop", "-m", "immediate")
        self.started = False

    def url(self, database, driver="postgresql+psycopg"):
        return f"{driver}://postgres@{HOST}:{self.port}/{database}"


class PrivateRedis:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.port = free_port()
        self.process = None

    def start(self):
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
                   "--dir", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.answers, 10, "redis-server did not answer")

    def answers(self):
        try:
            with socket.create_connection((HOST, self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


class Gunicorn:
    """gunicorn wsgi:app with `workers` sync workers; the access log names the worker (pid) of each request."""

    def __init__(self, directory, env, workers):
        self.env, self.workers = env, workers
        self.port = free_port()
        self.access_log = Path(directory) / "access.log"
        self.error_log = Path(directory) / "gunicorn.log"
        self.process = None

    def start(self):
        command = [
            sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--worker-class", "sync",
            "--bind", f"{HOST}:{self.port}", "--graceful-timeout", str(GRACEFUL_TIMEOUT), "--timeout", "30",
            "--access-logfile", str(self.access_log), "--access-logformat", '%(p)s %(s)s "%(r)s"',
            "--error-logfile", str(self.error_log), "--log-level", "warning", "wsgi:app",
        ]
        # wsgi:app as in production: it answers only the Host the soak's clients send.
        env = {**self.env, "PARLEY_ALLOWED_HOSTS": f"{HOST}:{self.port}"}
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def worker_pids(self):
        pid = self.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def ready(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.error_tail()}")
        try:
            status, _, _ = fetch(self.port, "GET", "/healthz", timeout=2)
        except (OSError, http.client.HTTPException):
            return False
        return status == 200 and len(self.worker_pids()) == self.workers

    def wait_ready(self, timeout=60):
        wait_for(self.ready, timeout, f"gunicorn did not answer on port {self.port} with {self.workers} workers")

    def terminate(self):
        """SIGTERM to the master, as an orchestrator stops it; its exit code once it has stopped."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(GRACEFUL_TIMEOUT + 10)

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(GRACEFUL_TIMEOUT + 5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None

    def error_tail(self):
        return self.error_log.read_text(errors="replace")[-3000:] if self.error_log.exists() else ""


def fetch(port, method, path, headers=None, body=None, timeout=CLIENT_TIMEOUT):
    """(status, headers, text) of one request on a connection of its own (sync workers close each one)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def prepare_database(postgres, secret_key):
    """Create and migrate the soak's database; create the site and its threads. Returns the site key."""
    import psycopg
    from flask_migrate import upgrade

    from widget import create_app
    from widget.extensions import db
    from widget.policy import validate_policy
    from widget.sites import create_site, set_policy
    from widget.threads import get_or_create_thread

    with psycopg.connect(postgres.url("postgres", "postgresql"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    app = create_app({"PARLEY_SECRET_KEY": secret_key, "PARLEY_DATABASE_URL": postgres.url(DATABASE)})
    try:
        with app.app_context():
            upgrade()
            site = create_site("Central Asia News", [ORIGIN])
            set_policy(site, validate_policy({"min_submit_seconds": 0}))
            for key in (*THREADS, PROBE_THREAD):
                get_or_create_thread(site, key, f"Soak article {key}", f"{ORIGIN}/news/{key}")
            site_key = site.key
            db.session.remove()
            db.engine.dispose()
    finally:
        app.extensions["parley_limits"].close()
    return site_key


# --- the load --------------------------------------------------------------------------------

@dataclass(slots=True)
class Answer:
    kind: str  # read, post, probe, ready
    sent: float  # seconds since the run started
    done: float
    status: int = 0  # 0: no answer (see error)
    error: str = ""  # refused/reset, timeout
    expect: str = ""  # for posts: published, held, invalid, foreign
    body: str = ""
    identity: str = ""
    detail: str = ""  # what was wrong with the answer, if anything

    @property
    def failed(self):
        return self.status >= 500 or bool(self.error)


class Load:
    def __init__(self, options, port_of, site_key, t0):
        self.options, self.port_of, self.site_key, self.t0 = options, port_of, site_key, t0
        self.answers = []  # list.append is atomic: every thread appends here
        self.stop = threading.Event()
        self.probe_windows = []  # (start, end, hard end) in run seconds, set by the fault schedule
        self.end_at = options.seconds  # the schedule may lengthen the run (see TAIL_SECONDS)
        self.probe_lock = threading.Lock()
        from limits import parse

        self.limit = parse(options.limit)
        # A probe identity lives for less than the limit's window, so that window never slides.
        self.identity_lifetime = min(40.0, self.limit.get_expiry() * 0.66)

    def now(self):
        return time.monotonic() - self.t0

    def request(self, kind, method, path, headers, data=None, **fields):
        sent = self.now()
        try:
            status, answer_headers, text = fetch(self.port_of(), method, path, headers, data)
        except TimeoutError:
            answer = Answer(kind, sent, self.now(), error="timeout", **fields)
        except (OSError, http.client.HTTPException):
            answer = Answer(kind, sent, self.now(), error="refused/reset", **fields)
        else:
            answer = Answer(kind, sent, self.now(), status=status, **fields)
            if status == 503:
                answer.detail = unavailable_problem(answer_headers, text, kind)
            elif status >= 500:
                answer.detail = f"{status}: {text[:200]!r}"
            self.answers.append(answer)
            return answer, answer_headers, text
        self.answers.append(answer)
        time.sleep(0.1)  # the server is away: don't spin
        return answer, {}, ""

    def reader(self, number):
        rng = random.Random(number)
        etags = {}
        while not self.stop.is_set():
            thread = rng.choice(THREADS)
            headers = {"Origin": ORIGIN}
            if thread in etags and rng.random() < 0.3:
                headers["If-None-Match"] = etags[thread]
            answer, answer_headers, text = self.request(
                "read", "GET", f"/embed/{self.site_key}/thread?thread={thread}", headers)
            if answer.status == 200:
                if 'class="parley-thread"' not in text:
                    answer.detail = "200 without the thread section"
                etags[thread] = answer_headers.get("etag", "")

    def poster(self, number):
        rng = random.Random(1000 + number)
        published = defaultdict(list)  # thread -> ids of this poster's published comments
        while not self.stop.is_set():
            thread = rng.choice(THREADS)
            tag = uuid.uuid4().hex
            body = f"soak {tag}: a comment from poster {number}."
            fields = {"name": f"Poster {number}", "email": f"p{number}-{tag[:12]}@example.org", "website": "",
                      "body": body, "parent": ""}
            origin, expect, roll = ORIGIN, "published", rng.random()
            if roll < 0.08:
                expect = "held"  # more links than max_links (2)
                fields["body"] = body = f"soak {tag}: see https://a.example.org, https://b.example.org and https://c.example.org"
            elif roll < 0.14:
                expect, fields["name"] = "invalid", ""
            elif roll < 0.17:
                expect, origin = "foreign", FOREIGN_ORIGIN
            elif roll < 0.40 and published[thread]:
                fields["parent"] = str(rng.choice(published[thread]))
            answer, _, text = self.request(
                "post", "POST", f"/embed/{self.site_key}/comments?thread={thread}",
                {"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"},
                urlencode(fields).encode(), expect=expect, body=body)
            if answer.status == 201:
                match = re.search(r'data-comment-id="(\d+)"', text)
                if match:
                    published[thread].append(int(match.group(1)))
                else:
                    answer.detail = "201 without the comment"

    def current_identity(self):
        """The probe identity for now, or None outside the probe windows."""
        now = self.now()
        for number, (start, end, _) in enumerate(self.probe_windows):
            if start <= now < end:
                return f"probe{number}-{int((now - start) // self.identity_lifetime)}"
        return None

    def prober(self, number):
        while not self.stop.is_set():
            identity = self.current_identity()
            if identity is None:
                time.sleep(0.05)
                continue
            body = f"soak {uuid.uuid4().hex}: probing the limit as {identity}."
            fields = {"name": "Probe", "email": f"{identity}@example.org", "website": "", "body": body, "parent": ""}
            answer, headers, _ = self.request(
                "probe", "POST", f"/embed/{self.site_key}/comments?thread={PROBE_THREAD}&probe={identity}",
                {"Origin": ORIGIN, "Content-Type": "application/x-www-form-urlencoded"},
                urlencode(fields).encode(), expect="limited", body=body, identity=identity)
            if answer.status == 429 and not headers.get("retry-after", "").isdigit():
                answer.detail = "429 without Retry-After"
            time.sleep(0.02)

    def readiness(self):
        while not self.stop.is_set():
            answer, _, text = self.request("ready", "GET", "/readyz", {})
            answer.detail = text.strip()[:200] if answer.status else ""
            self.stop.wait(0.25)

    def threads(self):
        options = self.options
        plan = [("reader", self.reader, options.readers), ("poster", self.poster, options.posters),
                ("prober", self.prober, options.probes)]
        threads = [threading.Thread(target=target, args=(n,), daemon=True, name=f"soak-{name}-{n}")
                   for name, target, count in plan for n in range(count)]
        return threads + [threading.Thread(target=self.readiness, daemon=True, name="soak-readiness")]


def unavailable_problem(headers, text, kind):
    """What a 503 lacks of the clear answer it must be ('' when nothing)."""
    if kind == "ready":
        return ""
    problems = []
    if 'class="parley-notice"' not in text or UNAVAILABLE_TEXT not in text:
        problems.append("no .parley-notice 'Comments are unavailable'")
    if not headers.get("retry-after", "").isdigit():
        problems.append("no Retry-After")
    if headers.get("access-control-allow-origin") not in (ORIGIN, FOREIGN_ORIGIN):
        problems.append("no CORS grant (the widget couldn't read it)")
    return "; ".join(problems)


# --- the run ---------------------------------------------------------------------------------

@dataclass
class Fault:
    name: str
    start: float
    end: float = None  # when the backend was back (or the new gunicorn ready)
    note: str = ""
    exit_code: int = None  # gunicorn's, after its SIGTERM
    failures: Counter = field(default_factory=Counter)
    recovered: float = None  # seconds from the fault to the first success after its last failure


@dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class Report:
    options: Options
    answers: list
    faults: list
    checks: list = field(default_factory=list)
    stored: dict = field(default_factory=dict)
    duration: float = 0.0  # of the load, in seconds
    seconds: float = 0.0  # of the whole run, setup and checks included
    table: str = ""
    limit_lines: list = field(default_factory=list)

    @property
    def passed(self):
        return all(check.passed for check in self.checks)


def run_faults(load, options, postgres, redis, server, faults, errors):
    """The schedule, from its own thread; `server` is a one-item list (gunicorn is replaced)."""
    try:
        at = {name: share * options.seconds for name, share in SCHEDULE}
        margin = max(1.0, 0.03 * options.seconds)
        # Probes stop a margin before Redis does; each of their answers must still come before it.
        load.probe_windows.append((margin, at["redis stop"] - margin, at["redis stop"]))

        def until(moment):
            while load.now() < moment and not load.stop.is_set():
                time.sleep(0.02)
            return not load.stop.is_set()

        def begin(step, what):
            """The Fault `what`, started at the schedule's `step`; None if the load stopped first."""
            if not until(at[step]):
                return None
            fault = Fault(what, load.now())
            faults.append(fault)
            return fault

        if not (fault := begin("redis stop", "Redis stopped")):
            return
        redis.stop()
        if not until(at["redis start"]):
            return
        redis.start()
        fault.end = load.now()
        fault.note = f"down {fault.end - fault.start:.1f} s"

        if not (fault := begin("postgresql restart", "PostgreSQL restarted")):
            return
        postgres.restart()
        fault.end = load.now()
        fault.note = f"pg_ctl restart -m fast took {fault.end - fault.start:.1f} s"

        if not (fault := begin("gunicorn SIGTERM", "gunicorn SIGTERM")):
            return
        old = server[0]
        code = old.terminate()
        exited = load.now()
        fresh = Gunicorn(old.access_log.parent, old.env, old.workers)
        fresh.port = old.port
        fresh.start()
        server[0] = fresh
        fresh.wait_ready()
        fault.end = load.now()
        fault.note = f"exit code {code} after {exited - fault.start:.1f} s; new gunicorn ready after {fault.end - exited:.1f} s"
        fault.exit_code = code
        load.end_at = max(options.seconds, fault.end + TAIL_SECONDS)
        load.probe_windows.append((fault.end + 0.5, load.end_at - margin, load.end_at + CLIENT_TIMEOUT))
    except Exception as error:  # noqa: BLE001 -- reported as a failed check, then the run stops
        errors.append(f"{type(error).__name__}: {error}")
        load.stop.set()


def run(options):
    """The whole soak; always leaves nothing running and nothing on disk but the results file."""
    log = options.log
    missing = missing_binaries()
    if missing:
        raise RuntimeError(f"the soak needs {', '.join(missing)}")
    started = time.monotonic()
    directory = Path(tempfile.mkdtemp(prefix="parley-soak-"))
    os.chmod(directory, 0o755)  # the postgres user must reach its cluster inside
    postgres = PrivatePostgres(directory / "pg")
    redis = PrivateRedis(directory)
    server = [None]
    load = None
    workers = []
    report = None
    try:
        postgres.init()
        postgres.start()
        redis.start()
        secret_key = uuid.uuid4().hex
        site_key = prepare_database(postgres, secret_key)
        env = {name: value for name, value in os.environ.items() if not name.startswith("PARLEY_")}
        env.update({
            "PARLEY_SECRET_KEY": secret_key,
            "PARLEY_DATABASE_URL": postgres.url(DATABASE),
            "PARLEY_RATELIMIT_STORAGE_URI": f"redis://{HOST}:{redis.port}/0",
            "PARLEY_LIMIT_COMMENT": options.limit,
            "PARLEY_LIMIT_COMMENT_IP": OUT_OF_REACH,
            "PARLEY_LIMIT_READ": OUT_OF_REACH,
            "PYTHONUNBUFFERED": "1",
        })
        server[0] = Gunicorn(directory, env, options.workers)
        server[0].start()
        server[0].wait_ready()
        log(f"soak: {options.seconds:g} s, {options.readers} readers, {options.posters} posters, "
            f"{options.probes} limit probes; gunicorn {options.workers} sync workers on :{server[0].port}, "
            f"PostgreSQL on :{postgres.port}, Redis on :{redis.port}")

        load = Load(options, lambda: server[0].port, site_key, time.monotonic())
        faults, errors = [], []
        workers = load.threads()
        for worker in workers:
            worker.start()
        schedule = threading.Thread(target=run_faults, args=(load, options, postgres, redis, server, faults, errors),
                                    daemon=True)
        schedule.start()
        # Until the run's end, which the schedule may push back once gunicorn is up again.
        while (load.now() < load.end_at or schedule.is_alive()) and not load.stop.is_set():
            time.sleep(0.1)
        load.stop.set()
        schedule.join(GRACEFUL_TIMEOUT + 70)
        for worker in workers:
            worker.join(CLIENT_TIMEOUT + 5)
        report = Report(options, list(load.answers), faults, duration=load.now())
        report.checks.append(Check("fault schedule ran", not errors and len(faults) == 3 and all(f.end for f in faults),
                                   "; ".join(errors) or f"{len(faults)} faults"))
        check_answers(report, load)
        check_database(report, postgres)
        check_limits(report, load, server[0].access_log)
        report.seconds = time.monotonic() - started
        report.table = summary(report, load)
        return report
    finally:
        if load is not None:
            load.stop.set()
            for worker in workers:
                worker.join(CLIENT_TIMEOUT + 5)
        for action in ((lambda: server[0] and server[0].stop()), redis.stop, postgres.stop):
            try:
                action()
            except Exception as error:  # noqa: BLE001 -- stop the rest anyway
                log(f"soak cleanup: {error}")
        if report is None or not report.passed:
            keep_logs(directory, options.results.parent / "soak-logs", log)
        shutil.rmtree(directory, ignore_errors=True)


def keep_logs(directory, target, log):
    """The servers' logs of a failed run, kept beside the results."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("gunicorn.log", "access.log", "pg/postgresql.log"):
        source = directory / name
        if source.exists():
            shutil.copy(source, target / source.name)
    log(f"soak: the servers' logs are in {target}")


# --- the checks ------------------------------------------------------------------------------

def overlaps(answer, start, end):
    return answer.sent <= end and answer.done >= start


def fault_named(report, name):
    return next((fault for fault in report.faults if fault.name == name), None)


def check_answers(report, load):
    answers = [a for a in report.answers if a.kind != "ready"]
    pg = fault_named(report, "PostgreSQL restarted")
    term = fault_named(report, "gunicorn SIGTERM")
    pg_window = (pg.start, (pg.end or pg.start) + RECOVERY_LIMIT) if pg else None
    term_window = (term.start - 0.1, (term.end or term.start) + 1.0) if term else None

    def allowed_failure(answer):
        if answer.error == "refused/reset":
            return term_window is not None and overlaps(answer, *term_window)
        if answer.status == 503 and not answer.detail:
            return pg_window is not None and overlaps(answer, *pg_window)
        return False

    server_errors = [a for a in answers if a.status >= 500 and not allowed_failure(a)]
    report.checks.append(Check(
        "no 5xx (but a clear 503 while PostgreSQL restarts)", not server_errors,
        describe_answers(server_errors) or f"{sum(a.status == 503 for a in answers)} clear 503s, all in the restart"))
    cut = [a for a in answers if a.error and not allowed_failure(a)]
    report.checks.append(Check(
        "no refused/reset or timeout (but while gunicorn restarts)", not cut,
        describe_answers(cut) or f"{sum(bool(a.error) for a in answers)} refused/reset, all in the restart"))

    expected = {"read": {200, 304}, "published": {201}, "held": {202}, "invalid": {422}, "foreign": {403},
                "limited": {201, 202, 429}}
    wrong = [a for a in answers if a.status and a.status < 500
             and (a.status not in expected[a.expect or a.kind] or a.detail)]
    report.checks.append(Check("every answer as expected (reads 200/304; posts 201, 202, 403, 422; probes 201/429)",
                               not wrong, describe_answers(wrong)))
    ready = [a for a in report.answers if a.kind == "ready"]
    bad_ready = [a for a in ready if a.status not in (200, 503)
                 and not (a.error == "refused/reset" and term_window and overlaps(a, *term_window))]
    last = [a for a in ready if a.status]
    report.checks.append(Check("readiness answered 200 or 503, and 200 at the end",
                               not bad_ready and bool(last) and last[-1].status == 200,
                               describe_answers(bad_ready) or (f"last: {last[-1].status}" if last else "none")))

    for fault in report.faults:
        later = [f.start for f in report.faults if f.start > fault.start]
        window_end = min(later) if later else report.duration + CLIENT_TIMEOUT
        # A failure belongs to the last fault begun before it was answered.
        during = [a for a in answers if fault.start <= a.done < window_end]
        failures = [a for a in during if a.failed]
        fault.failures = Counter(a.error or str(a.status) for a in failures)
        if failures:
            last_failure = max(a.sent for a in failures)
            recovered = [a.done for a in answers if not a.failed and a.sent > last_failure]
            fault.recovered = (min(recovered) - fault.start) if recovered else None
        else:
            fault.recovered = 0.0
        if fault.name == "Redis stopped":
            report.checks.append(Check("Redis stopped and restarted: the service stayed up", not failures,
                                       describe_answers(failures) or "no failed request"))
        else:
            back = fault.end is not None and fault.recovered is not None \
                and fault.start + fault.recovered <= fault.end + RECOVERY_LIMIT
            name = ("PostgreSQL restarted: the service recovered on its own" if fault.name.startswith("PostgreSQL")
                    else "gunicorn SIGTERM: graceful exit, service back after the restart")
            ok = back and (fault.name.startswith("PostgreSQL") or fault.exit_code == 0)
            report.checks.append(Check(name, ok, f"answering again {fault.recovered:.2f} s after the fault"
                                       if fault.recovered is not None else "never answered again"))


def describe_answers(answers, limit=5):
    if not answers:
        return ""
    shown = "; ".join(f"{a.kind} at {a.sent:.2f}s: {a.status or a.error} {a.detail}".strip() for a in answers[:limit])
    return f"{len(answers)}: {shown}" + (" ..." if len(answers) > limit else "")


def check_database(report, postgres):
    import psycopg

    with psycopg.connect(postgres.url(DATABASE, "postgresql")) as conn:
        rows = conn.execute("SELECT body_source, status FROM comments").fetchall()
        threads = conn.execute(
            "SELECT t.key, t.comment_count, t.version, "
            "(SELECT count(*) FROM comments c WHERE c.thread_id = t.id AND c.status = 'published'), "
            "(SELECT count(*) FROM comments c WHERE c.thread_id = t.id) FROM threads t").fetchall()
        replies = conn.execute(
            "SELECT c.id, c.reply_count, (SELECT count(*) FROM comments r WHERE r.status = 'published' "
            "AND (r.parent_id = c.id OR r.root_id = c.id)) FROM comments c").fetchall()
    stored = defaultdict(list)
    for body, status in rows:
        stored[body].append(status)
    posts = [a for a in report.answers if a.kind in ("post", "probe")]
    sent = {a.body for a in posts}
    want = {201: "published", 202: "pending"}
    lost = [a for a in posts if a.status in want and stored.get(a.body, []) != [want[a.status]]]
    report.checks.append(Check("every comment answered 201/202 stored exactly once, as published/pending", not lost,
                               describe_answers(lost) or f"{sum(a.status in want for a in posts)} accepted, all stored"))
    refused = [a for a in posts if 400 <= a.status < 500 and stored.get(a.body)]
    report.checks.append(Check("no comment answered 4xx stored", not refused,
                               describe_answers(refused) or f"{sum(400 <= a.status < 500 for a in posts)} refused, none stored"))
    uncertain = [a for a in posts if a.failed]
    twice = [body for body, statuses in stored.items() if len(statuses) > 1]
    strangers = [body for body in stored if body not in sent]
    report.stored["uncertain"] = (len(uncertain), sum(bool(stored.get(a.body)) for a in uncertain))
    report.checks.append(Check("no comment stored twice, none stored that wasn't sent", not twice and not strangers,
                               f"twice: {len(twice)}, unknown: {len(strangers)}; of {len(uncertain)} posts answered "
                               f"503 or cut off, {report.stored['uncertain'][1]} stored"))
    bad_threads = [f"{key}: comment_count {count}, {published} published, version {version} for {total} rows"
                   for key, count, version, published, total in threads
                   if count != published or version < total + 1]
    bad_replies = [f"comment {cid}: reply_count {count}, {actual} published replies"
                   for cid, count, actual in replies if count != actual]
    report.checks.append(Check("thread counters and reply counts match the rows (nothing half-written)",
                               not bad_threads and not bad_replies,
                               "; ".join((bad_threads + bad_replies)[:5])
                               or f"{len(threads)} threads, {len(rows)} comments, "
                                  f"{sum(1 for _, count, _ in replies if count)} with replies"))
    report.stored["rows"] = len(rows)


def check_limits(report, load, access_log):
    """Each probe identity: exactly `limit` accepted, every other attempt 429, answered by several workers."""
    pids = defaultdict(set)
    if access_log.exists():
        for line in access_log.read_text(errors="replace").splitlines():
            match = re.match(r"<(\d+)> \d+ \"POST \S*&probe=([\w-]+) ", line)
            if match:
                pids[match.group(2)].add(match.group(1))
    limit = load.limit.amount
    hard_end = {f"probe{n}": window[2] for n, window in enumerate(load.probe_windows)}
    by_identity = defaultdict(list)
    for answer in report.answers:
        if answer.kind == "probe":
            by_identity[answer.identity].append(answer)
    problems, lines = [], []
    for identity, answers in sorted(by_identity.items()):
        accepted = sum(a.status in (201, 202) for a in answers)
        limited = sum(a.status == 429 for a in answers)
        other = len(answers) - accepted - limited
        lines.append(f"{identity}: {accepted} accepted, {limited} × 429 of {len(answers)}, "
                     f"{len(pids[identity])} workers")
        late = sum(a.done >= hard_end[identity.split("-")[0]] for a in answers)
        if late:
            problems.append(lines[-1] + f": {late} answered after Redis stopped, the check can't hold")
        elif accepted != limit or other or limited == 0:
            problems.append(lines[-1] + (f", {other} other" if other else ""))
        elif len(pids[identity]) < 2 and load.options.workers > 1:
            problems.append(lines[-1] + ": one worker only, nothing shared was shown")
    windows = len(load.probe_windows)
    report.limit_lines = lines
    report.checks.append(Check(
        f"per-identity limit exact across workers ({load.options.limit}; with Redis up: {windows} windows)",
        bool(by_identity) and windows == 2 and len({i.split('-')[0] for i in by_identity}) == 2 and not problems,
        "; ".join(problems) or ("; ".join(lines) if by_identity else "no probe ran")))


# --- the table -------------------------------------------------------------------------------

def summary(report, load):
    options = report.options
    answers = report.answers
    columns = ["200", "201", "202", "304", "403", "422", "429", "503", "other 5xx", "refused/reset", "timeout"]
    out = [f"# Parley soak, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
           "",
           f"{report.duration:.0f} s of load; {options.readers} readers, {options.posters} posters, {options.probes} limit "
           f"probes; gunicorn {options.workers} sync workers, PostgreSQL and Redis of its own; "
           f"PARLEY_LIMIT_COMMENT={options.limit}, per-IP limits {OUT_OF_REACH} (every client is 127.0.0.1). "
           f"Whole run, setup and checks included: {report.seconds:.0f} s.",
           "",
           "| requests | total | per s | p50 ms | p99 ms | " + " | ".join(columns) + " |",
           "|---" * (len(columns) + 5) + "|"]
    names = {"read": "reads (thread fragment)", "post": "comment POSTs", "probe": "limit probe POSTs",
             "ready": "/readyz monitor"}
    for kind in ("read", "post", "probe", "ready"):
        mine = [a for a in answers if a.kind == kind]
        counts = Counter()
        for a in mine:
            key = a.error or (str(a.status) if str(a.status) in columns else "other 5xx" if a.status >= 500 else "other")
            counts[key] += 1
        latencies = sorted((a.done - a.sent) * 1000 for a in mine if a.status)
        p50 = statistics.median(latencies) if latencies else 0
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0
        extra = f" (+{counts['other']} other)" if counts.get("other") else ""
        out.append(f"| {names[kind]}{extra} | {len(mine)} | {len(mine) / report.duration:.0f} | {p50:.0f} | {p99:.0f} | "
                   + " | ".join(str(counts.get(c, "")) for c in columns) + " |")
    out += ["", "| fault | at | backend back | failed requests | answering again after | note |", "|---|---|---|---|---|---|"]
    for fault in report.faults:
        failures = ", ".join(f"{n} × {k}" for k, n in sorted(fault.failures.items())) or "none"
        recovered = fault.recovered
        back = f"+{fault.end - fault.start:.1f} s" if fault.end is not None else "never"
        again = "no disruption" if recovered == 0 else (f"{recovered:.2f} s" if recovered is not None else "never")
        out.append(f"| {fault.name} | {fault.start:.1f} s | {back} | {failures} | {again} | {fault.note} |")
    ready = [a for a in answers if a.kind == "ready" and a.status == 503]
    if ready:
        said = Counter(re.sub(r"\s+", " ", a.detail) for a in ready)
        out += ["", "Readiness while a backend was down: "
                + "; ".join(f"{n} × `{text}`" for text, n in said.most_common(3))]
    uncertain, stored = report.stored.get("uncertain", (0, 0))
    out += ["", f"Comments stored: {report.stored.get('rows', 0)}. Posts answered 503 or cut off: {uncertain}, "
            f"of which stored (once): {stored}. The limit check leaves out the stretch from Redis stopping until "
            "gunicorn's restart, when workers count in their own memory (each re-checks Redis every 30 s).",
            "", "Limit probes: " + ("; ".join(report.limit_lines) or "none"),
            "", "| check | result | detail |", "|---|---|---|"]
    for check in report.checks:
        detail = check.detail.replace("|", "\\|")
        out.append(f"| {check.name} | {'PASS' if check.passed else 'FAIL'} | {detail} |")
    failed = sum(not c.passed for c in report.checks)
    out += ["", f"**{len(report.checks) - failed} of {len(report.checks)} checks passed.**"]
    return "\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=100)
    parser.add_argument("--posters", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--probes", type=int, default=4, help="threads sharing each limit-probe identity")
    parser.add_argument("--limit", default="5 per minute", help="PARLEY_LIMIT_COMMENT for the run")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    options = Options(seconds=args.seconds, readers=args.readers, posters=args.posters, workers=args.workers,
                      limit=args.limit, probes=args.probes, results=args.results,
                      log=lambda message: print(message, flush=True))
    report = run(options)
    print(report.table, flush=True)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(report.table, encoding="utf-8")
    print(f"written to {args.results}")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
