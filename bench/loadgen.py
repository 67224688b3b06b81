"""Load generation for bench/parley_bench.py: wrk when it is installed, else a bounded Python one.

Both answer with the same dict: requests, seconds, p50_ms, p99_ms, mean_ms, socket_errors,
timeouts and statuses ({"200": n, ...}). A request is (method, path, headers, body), where
every "{n}" in the body becomes a token unique to that request, so each POSTed comment differs.

PacedWriter posts at a fixed rate from its own thread while a load generator reads: the
"just after a write" scenario.
"""
import http.client
import itertools
import json
import os
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "scenario.lua"
# The Python generator stops a connection after this many requests, whatever the duration.
MAX_REQUESTS_PER_CONNECTION = 200_000
TIMEOUT_SECONDS = 5


def wrk_path():
    return shutil.which("wrk")


def run_wrk(host, port, method, path, headers, body, connections, seconds, nonce):
    env = {
        **os.environ,
        "BENCH_METHOD": method,
        "BENCH_HEADERS": "\n".join(f"{name}: {value}" for name, value in headers.items()),
        "BENCH_NONCE": str(nonce),
    }
    if body is not None:
        env["BENCH_BODY"] = body
    else:
        env.pop("BENCH_BODY", None)
    command = [
        wrk_path(), "--threads", "1", "--connections", str(connections), "--duration", f"{seconds}s",
        "--timeout", f"{TIMEOUT_SECONDS}s", "--script", str(WRK_SCRIPT), f"http://{host}:{port}{path}",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 30, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            result = json.loads(line[len("BENCH-RESULT "):])
            result["statuses"] = {str(k): v for k, v in result["statuses"].items()}
            return result
    raise RuntimeError(f"wrk gave no result (exit {done.returncode}): {done.stdout}\n{done.stderr}")


def percentile(sorted_values, share):
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(share * len(sorted_values)) - 1))
    return sorted_values[index]


def run_python(host, port, method, path, headers, body, connections, seconds, nonce):
    """`connections` threads, each sending requests back to back for `seconds` (bounded)."""
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    latencies, statuses, errors = [], {}, {"socket": 0, "timeout": 0}

    def connection(number):
        conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)
        mine, my_statuses = [], {}
        for count in range(1, MAX_REQUESTS_PER_CONNECTION + 1):
            if time.perf_counter() >= deadline:
                break
            data = None if body is None else body.replace("{n}", f"{nonce}x{number}x{count}").encode()
            start = time.perf_counter()
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                response.read()
            except TimeoutError:
                errors["timeout"] += 1
                conn.close()
                continue
            except OSError:
                errors["socket"] += 1
                conn.close()
                continue
            mine.append(time.perf_counter() - start)
            my_statuses[str(response.status)] = my_statuses.get(str(response.status), 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for status, n in my_statuses.items():
                statuses[status] = statuses.get(status, 0) + n

    started = time.perf_counter()
    workers = [threading.Thread(target=connection, args=(n,)) for n in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies), "seconds": elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1e3, "p99_ms": percentile(latencies, 0.99) * 1e3,
        "mean_ms": statistics.fmean(latencies) * 1e3 if latencies else 0.0,
        "socket_errors": errors["socket"], "timeouts": errors["timeout"], "statuses": statuses,
    }


class LoadGenerator:
    """wrk if present (or asked for), else the Python generator."""

    def __init__(self, choice="auto"):
        if choice == "wrk" and not wrk_path():
            raise SystemExit("--loadgen wrk: wrk is not installed (apt-get install wrk)")
        self.name = "wrk" if choice in ("auto", "wrk") and wrk_path() else "python"
        self.nonces = itertools.count(int(time.time()))

    def describe(self):
        if self.name == "wrk":
            version = subprocess.run([wrk_path(), "--version"], capture_output=True, text=True, check=False)
            return (version.stdout or version.stderr).strip().splitlines()[0]
        return "the Python load generator in bench/loadgen.py (threads, http.client)"

    def run(self, host, port, method, path, headers, body, connections, seconds):
        runner = run_wrk if self.name == "wrk" else run_python
        return runner(host, port, method, path, headers, body, connections, seconds, next(self.nonces))


class PacedWriter:
    """POSTs `body` (with "{n}" made unique) to `path` `rate` times a second until stopped;
    `headers_for(count)`, if given, adds headers of each request's own (a liker's key, say)."""

    def __init__(self, host, port, path, headers, body, rate, headers_for=None):
        self.host, self.port, self.path, self.headers, self.body = host, port, path, headers, body
        self.headers_for = headers_for
        self.interval = 1 / rate
        self.stop_event = threading.Event()
        self.statuses = {}
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.nonce = int(time.time() * 1000)

    def loop(self):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_SECONDS)
        next_at = time.perf_counter()
        for count in itertools.count(1):
            if self.stop_event.wait(max(0.0, next_at - time.perf_counter())):
                break
            next_at += self.interval
            data = self.body.replace("{n}", f"w{self.nonce}x{count}").encode()
            try:
                headers = {**self.headers, **self.headers_for(count)} if self.headers_for else self.headers
                conn.request("POST", self.path, body=data, headers=headers)
                response = conn.getresponse()
                response.read()
                status = str(response.status)
            except OSError:
                conn.close()
                status = "error"
            self.statuses[status] = self.statuses.get(status, 0) + 1
        conn.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(TIMEOUT_SECONDS + 1)
