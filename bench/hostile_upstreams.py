"""One user's gadgets stuck on a hostile upstream must not slow anyone else down (issue 13).

    .venv/bin/python bench/hostile_upstreams.py [--loads 40] [--kind hang|trickle|endless|all] [--server cheroot]

One user ("bench") has 40 credentialed gadgets whose upstream hangs (or trickles a byte every 2 s, or sends without
end). All 40 frames are loaded at once, as a browser would, and kept loading again as each answers; meanwhile another
logged-in user asks for /api/me over and over. Printed: that user's p50 and p90 while nothing else happens (the
baseline, measured in the same run) and while the 40 loads are in flight, and their ratio (target <= 2x); and what the
40 loads got: a "busy, try again" at once (beyond dashboard.fetch_per_user) or the fetch's error at its deadline.
"""
import argparse
import http.client
import re
import statistics
import threading
import time
from urllib.parse import urlsplit

from brokerbench import UpstreamProcess, start
from processes import add_server_option


class Http:
    """One keep-alive connection with a cookie jar of one cookie."""

    def __init__(self, base):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.cookie = ""

    def request(self, method, path, body=None, headers=None):
        headers = {**(headers or {}), **({"Cookie": self.cookie} if self.cookie else {})}
        self.conn.request(method, path, body=body, headers=headers)
        res = self.conn.getresponse()
        data = res.read().decode()
        cookie = res.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return res.status, data


def log_in(base, name, password):
    http = Http(base)
    _, page = http.request("GET", "/login")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    from urllib.parse import urlencode

    status, _ = http.request("POST", "/login", urlencode({"name": name, "password": password, "csrf_token": csrf}),
                             {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 303, status
    return http


def me_latencies(http, seconds):
    times, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        status, _ = http.request("GET", "/api/me")
        assert status == 200, status
        times.append(time.perf_counter() - t0)
    return times


def loads_in_flight(frames, stop, outcomes):
    def load(url):
        parts = urlsplit(url)
        while not stop.is_set():
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            t0 = time.perf_counter()
            try:
                conn.request("GET", f"{parts.path}?{parts.query}")
                res = conn.getresponse()
                body = res.read().decode()
                kind = "busy" if res.status == 503 else "deadline" if "within" in body else f"HTTP {res.status}"
                outcomes.append((kind, time.perf_counter() - t0))
            except OSError as exc:
                outcomes.append((type(exc).__name__, time.perf_counter() - t0))
            finally:
                conn.close()
            if outcomes[-1][0] == "busy":
                stop.wait(0.5)  # a browser frame waits Retry-After; ask again sooner, to keep the pressure on

    threads = [threading.Thread(target=load, args=(f,), daemon=True) for f in frames]
    for t in threads:
        t.start()
    return threads


def measure(kind, loads=40, threads=32, server="cheroot", seconds=5.0, idle=True):
    """Another user's /api/me latencies while nothing else happens (when ``idle``) and while ``loads`` frames of one
    user are stuck on an upstream of ``kind``; and what those loads got: (idle, loaded, [(outcome, seconds)])."""
    upstream = UpstreamProcess("hostile", kind)
    process, frames, _ = start(upstream, gadgets=loads, threads=threads, server=server, others=("other",))
    try:
        other = log_in(process.url, "other", "benchmark password")
        me_latencies(other, 1)  # warm up
        before = me_latencies(other, seconds) if idle else []
        stop, outcomes = threading.Event(), []
        running = loads_in_flight(frames, stop, outcomes)
        time.sleep(1)  # every load has started
        loaded = me_latencies(other, seconds)
        stop.set()
        for t in running:
            t.join(timeout=30)
    finally:
        process.stop()
        upstream.close()
    return before, loaded, outcomes


def run(kind, args):
    idle, loaded, outcomes = measure(kind, args.loads, args.threads, args.server, args.seconds)
    p50_idle, p50_loaded = statistics.median(idle), statistics.median(loaded)
    p90 = lambda xs: statistics.quantiles(xs, n=10)[-1]  # noqa: E731
    counts = {k: sum(1 for o, _ in outcomes if o == k) for k in sorted({o for o, _ in outcomes})}
    slowest = max((t for _, t in outcomes), default=0)
    print(f"== upstream that {'hangs' if kind == 'hang' else 'trickles a byte every 2 s' if kind == 'trickle' else 'sends without end'}: "
          f"{args.loads} loads of one user in flight, {args.server} with {args.threads} threads")
    print(f"another user's /api/me  idle: p50 {p50_idle * 1000:6.2f} ms  p90 {p90(idle) * 1000:6.2f} ms  "
          f"({len(idle)} requests)")
    print(f"                     loaded: p50 {p50_loaded * 1000:6.2f} ms  p90 {p90(loaded) * 1000:6.2f} ms  "
          f"({len(loaded)} requests)")
    print(f"ratio loaded/idle (p50): {p50_loaded / p50_idle:5.2f}x   (target <= 2x)")
    print(f"the loads got: {counts}; the slowest answer took {slowest:.1f} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=40)
    parser.add_argument("--kind", choices=("hang", "trickle", "endless", "all"), default="all")
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each measurement runs")
    add_server_option(parser)
    args = parser.parse_args()
    for kind in ("hang", "trickle", "endless") if args.kind == "all" else (args.kind,):
        run(kind, args)


if __name__ == "__main__":
    main()
