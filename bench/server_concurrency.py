"""Why the ini files serve with cheroot: the same app and view (a bare Pyramid view of the bench plugin) under
waitress and under cheroot (dashboard/server.py), with 1, 2 and 4 keep-alive clients at once (separate processes).

    .venv/bin/python bench/server_concurrency.py [--requests 600]

Prints requests/s and latency percentiles for each, and the ratio cheroot/waitress at each concurrency.
"""
import argparse
import http.client
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))


def run(args):
    port, count = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        conn.request("GET", "/p/bare_plugin/bare")
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200, resp.status
        times.append(time.perf_counter() - t0)
    conn.close()
    return times


def measure(port, clients, count):
    with multiprocessing.Pool(clients) as pool:
        run((port, 50))  # warm up
        t0 = time.perf_counter()
        results = pool.map(run, [(port, count // clients)] * clients)
        elapsed = time.perf_counter() - t0
    times = sorted(t for r in results for t in r)
    pick = [times[int(len(times) * q)] * 1000 for q in (0.5, 0.9, 0.99)]
    return len(times) / elapsed, pick


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=600)
    args = parser.parse_args()
    import os

    from processes import Pserve, write_ini

    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    results = {}
    for server_name in ("waitress", "cheroot"):
        tmp = tempfile.mkdtemp()
        ini, port = write_ini(tmp, f"file://{tmp}/Data.fs", server=server_name, plugins_extra="bare_plugin")
        server = Pserve(ini, port)
        try:
            for clients in (1, 2, 4):
                results[server_name, clients] = measure(port, clients, args.requests)
        finally:
            server.stop()
    for clients in (1, 2, 4):
        for server_name in ("waitress", "cheroot"):
            rate, (p50, p90, p99) = results[server_name, clients]
            print(f"{server_name:8s} {clients} client(s): {rate:7.0f} req/s   p50 {p50:6.2f}  p90 {p90:6.2f}  "
                  f"p99 {p99:6.2f} ms")
        ratio = results["cheroot", clients][0] / results["waitress", clients][0]
        print(f"         ratio cheroot/waitress at {clients}: {ratio:5.2f}x")


if __name__ == "__main__":
    main()
