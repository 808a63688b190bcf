"""Throughput of a dashboard page with 12 gadgets vs a bare Pyramid view from the same server.

    .venv/bin/python bench/dashboard_page.py [--seconds 5] [--clients 4] [--server waitress|cheroot]

Starts a real pserve process on a temporary FileStorage, logs in, and drives both URLs alternately in rounds
with keep-alive HTTP clients, so machine noise hits both alike. Prints requests/second and the ratio
(target: dashboard page >= 0.5x the bare view), first as served (an unchanged page is kept and only its frame links
are made again: docs/admin.md, "Kept dashboard pages"), then from a server that keeps no page, as for a page that
changes between every two loads.
"""
import argparse
import http.client
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])

from livehelpers import HttpUser  # noqa: E402
from processes import Pserve, add_server_option, add_user, write_ini  # noqa: E402

GADGETS = ["clock", "notes", "welcome", "feed-reader"] * 3  # 12


def drive(port, path, cookie, seconds, clients):
    counts = [0] * clients
    deadline = time.perf_counter() + seconds

    def client(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline:
            conn.request("GET", path, headers={"Cookie": cookie})
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status == 200, (resp.status, body[:200])
            counts[n] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - start)


def measure(tmp, args, cache_size, prepare):
    """(bare view rates, dashboard page rates) of ``args.rounds`` rounds from a server keeping ``cache_size`` pages."""
    ini, port = write_ini(tmp, f"file://{tmp}/Data.fs", server=args.server, plugins_extra="bare_plugin",
                          app_settings={"dashboard.page_cache_size": cache_size})
    if prepare:
        add_user(ini, "bench", "benchmark password")
    server = Pserve(ini, port)
    try:
        user = HttpUser(server.url, "bench", "benchmark password")
        did = user.call("GET", "/api/dashboards").json()["dashboards"][0]["id"]
        if prepare:
            user.call("PATCH", f"/api/dashboards/{did}", {"layout": "AAA"})
            for n, gadget in enumerate(GADGETS):
                assert user.call("POST", f"/api/dashboards/{did}/gadgets", {"gadget": gadget, "column": n % 3}).ok
        cookie = "; ".join(f"{c.name}={c.value}" for c in user.http.cookies)
        page = user.http.get(server.url + f"/d/{did}").text
        assert len(re.findall("<iframe", page)) == 12
        drive(port, f"/d/{did}", cookie, 1, args.clients)  # warm up
        bare, dash = [], []
        for _ in range(args.rounds):
            bare.append(drive(port, "/p/bare_plugin/bare", cookie, args.seconds, args.clients))
            dash.append(drive(port, f"/d/{did}", cookie, args.seconds, args.clients))
        return bare, dash
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measuring round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    add_server_option(parser)
    args = parser.parse_args()
    print(f"server: {args.server}, {args.clients} concurrent clients")
    with tempfile.TemporaryDirectory() as tmp:
        # as served (pages kept while unchanged), then with every page rendered (a page that changes on each load)
        for cache_size, what in ((256, "as served"), (0, "rendered on every load")):
            bare, dash = measure(tmp, args, cache_size, prepare=cache_size)
            b, d = statistics.median(bare), statistics.median(dash)
            print(f"{what}:")
            print(f"  bare Pyramid view:          {b:8.1f} req/s (rounds: {', '.join(f'{x:.0f}' for x in bare)})")
            print(f"  dashboard page, 12 gadgets: {d:8.1f} req/s (rounds: {', '.join(f'{x:.0f}' for x in dash)})")
            print(f"  ratio dashboard/bare:       {d / b:8.2f}x" + ("   (target >= 0.50x)" if cache_size else ""))


if __name__ == "__main__":
    main()
