"""Does a page cost the same with 100,000 users as with 1,000? (issue 17)

    .venv/bin/python bench/scale.py [--rounds 3] [--small 1000] [--big 100000] [--cache DIR] [--rebuild]

Builds (or reuses, from ``--cache``, default /tmp/dashboard-scale) two databases with bench/build_dataset.py (each
user with 10 gadget instances and one audit entry), serves each in turn with production's server (cheroot, 32
threads, production.ini's connection cache) in its own pserve process, and measures, round after round:

- cold start: from launching pserve to the first answer of GET /login;
- each page's median time over ``--requests`` requests after one warm-up (the first visit's time is shown too):
  the bench user's dashboard page and Connected accounts, GET /login (anonymous), the administrator's users page,
  /api/admin/users and the audit log;
- the server's resident memory (VmRSS) after visiting those pages.

It prints each figure for both sizes and the ratio big/small (targets: <= 1.2, RSS <= 1.5), measured in the same run.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from build_dataset import PASSWORD, build  # noqa: E402
from processes import BIN, free_port, write_ini  # noqa: E402

#: Bumped when build_dataset.py makes different data: cached databases of another format are rebuilt.
FORMAT = 1
PAGES = [("dashboard page", "bench", "/"), ("login", None, "/login"), ("users admin page", "admin", "/admin"),
         ("users API", "admin", "/api/admin/users"), ("audit page", "admin", "/admin/audit"),
         ("Connected accounts", "bench", "/connections")]
TARGET, RSS_TARGET = 1.2, 1.5


def dataset(cache, users, rebuild):
    """The directory of a database of ``users`` users, built unless a matching one is cached."""
    directory = Path(cache) / str(users)
    stamp = directory / "built.json"
    if not rebuild and stamp.exists() and json.loads(stamp.read_text()) == {"users": users, "format": FORMAT}:
        return directory, None
    seconds = build(directory, users, quiet=True)
    stamp.write_text(json.dumps({"users": users, "format": FORMAT}))
    return directory, seconds


class Server:
    """pserve with production's server over ``directory``/Data.fs; ``started`` is the seconds to the first /login."""

    def __init__(self, directory):
        port = free_port()
        ini, _ = write_ini(directory, f"file://{directory}/Data.fs?connection_cache_size=20000", port=port,
                           name="scale.ini", server="cheroot", threads=32)
        self.url = f"http://127.0.0.1:{port}"
        begin = time.perf_counter()
        self.proc = subprocess.Popen([str(BIN / "pserve"), ini], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pserve exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                if requests.get(self.url + "/login", timeout=30).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.01)
        self.started = time.perf_counter() - begin

    def rss_mb(self):
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024

    def login(self, name):
        session = requests.Session()
        page = session.get(self.url + "/login", timeout=30).text
        csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
        res = session.post(self.url + "/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf},
                           allow_redirects=False, timeout=30)
        assert res.status_code == 303, (name, res.status_code)
        return session

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def timed(get, url):
    begin = time.perf_counter()
    res = get(url, timeout=60)
    elapsed = time.perf_counter() - begin
    assert res.status_code == 200, (url, res.status_code)
    return elapsed


def measure(directory, requests_per_page):
    """One round on one database: {figure: value} (seconds, or MB for RSS)."""
    server = Server(directory)
    try:
        figures = {"cold start": server.started}
        sessions = {"admin": server.login("admin"), "bench": server.login("bench"), None: requests}
        for label, who, path in PAGES:
            get = sessions[who].get
            figures[f"{label} (first visit)"] = timed(get, server.url + path)
            figures[label] = statistics.median(timed(get, server.url + path) for _ in range(requests_per_page))
        figures["RSS after the pages"] = server.rss_mb()
        return figures
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page and round")
    parser.add_argument("--cache", default="/tmp/dashboard-scale", help="where the databases are kept between runs")
    parser.add_argument("--rebuild", action="store_true", help="build the databases even if cached")
    args = parser.parse_args()
    sizes = (args.small, args.big)
    directories = {}
    for users in sizes:
        directories[users], seconds = dataset(args.cache, users, args.rebuild)
        print(f"{users:,} users: " + (f"built in {seconds:.0f} s" if seconds is not None else "reused")
              + f" ({directories[users]})", flush=True)
    rounds = {users: [] for users in sizes}
    for n in range(args.rounds):
        for users in sizes:  # alternating, so that a slower moment of the machine hits both sizes alike
            rounds[users].append(measure(directories[users], args.requests))
        print(f"round {n + 1} of {args.rounds} done", flush=True)
    small, big = ({k: statistics.median(r[k] for r in rounds[users]) for k in rounds[users][0]} for users in sizes)
    print(f"\n{'figure (median of rounds)':34} {args.small:>10,} {args.big:>10,}   ratio  target")
    failed = []
    for key in small:
        target = RSS_TARGET if key.startswith("RSS") else None if "first visit" in key else TARGET
        unit, scale = ("MB", 1) if key.startswith("RSS") else ("ms", 1000)
        ratio = big[key] / small[key]
        mark = "" if target is None else ("  ok" if ratio <= target else "  OVER")
        if target is not None and ratio > target:
            failed.append(key)
        print(f"{key:34} {small[key] * scale:8.1f}{unit} {big[key] * scale:8.1f}{unit}   {ratio:5.2f}"
              f"  {'<= ' + str(target) if target else '(shown)':8}{mark}")
    print("\nall within target" if not failed else f"\nover target: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
