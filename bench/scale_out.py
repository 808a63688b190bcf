"""Scale-out (issue 17): page loads and edits per second with production's server at workers = 1 and workers = 2, on
a ZEO server (and on RelStorage over a throwaway PostgreSQL when its binaries are installed), beside FileStorage with
one process, and the storage's own commit rate with 1 and 2 committing processes, measured in the same run.

    .venv/bin/python bench/scale_out.py [--seconds 6] [--clients 16] [--rounds 2] [--no-postgres]

Each user (one per client) has a dashboard with 6 clocks. The load generator is a process of its own (this script
with --load): ``clients`` threads, each a logged-in user on a keep-alive connection, load their dashboard page for
``seconds``, then rename their dashboard (an edit through the JSON API, committed) for ``seconds``. The storage's own
rate: 1 or 2 processes, 4 threads each, committing a change to one small object of their own per transaction.
Rounds alternate the configurations; medians are printed. Targets on 2 cores: pages x2/x1 >= 1.7; edits x2/x1 >=
0.9 of the storage's own 2/1 ratio; ZEO edits (1 process) >= 0.8 of FileStorage's.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

PASSWORD = "correct horse battery staple"
GADGETS = 6


# The load generator (its own process)

class Client:
    def __init__(self, port, name):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {}
        page = self.request("GET", "/login").decode()
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        body = f"name={name}&password={PASSWORD.replace(' ', '+')}&csrf_token={csrf}"
        self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"}, expect=303)
        page = self.request("GET", "/directory").decode()
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        self.did = json.loads(self.request("GET", "/api/dashboards"))["dashboards"][0]["id"]
        columns = json.loads(self.request("GET", f"/api/dashboards/{self.did}"))["columns"]
        for _ in range(GADGETS - sum(map(len, columns))):
            self.api("POST", f"/api/dashboards/{self.did}/gadgets", {"gadget": "clock"})
        self.edits = 0

    def request(self, method, path, body=None, headers=None, expect=200):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        assert resp.status in (expect, 201) if expect == 200 else resp.status == expect, (resp.status, data[:300])
        return data

    def api(self, method, path, payload):
        return self.request(method, path, json.dumps(payload),
                            {"Content-Type": "application/json", "X-CSRF-Token": self.csrf})

    def page(self):
        self.request("GET", f"/d/{self.did}")

    def edit(self):
        self.edits += 1
        self.api("PATCH", f"/api/dashboards/{self.did}", {"title": f"Edit {self.edits}"})


def run_for(clients, action, seconds):
    counts = [0] * len(clients)
    stop = time.perf_counter() + seconds

    def work(n):
        while time.perf_counter() < stop:
            getattr(clients[n], action)()
            counts[n] += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(clients))]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def load_main(port, users, seconds):
    clients = [Client(port, name) for name in users]
    run_for(clients, "page", 1)  # warm up: every process's caches
    pages = run_for(clients, "page", seconds)
    edits = run_for(clients, "edit", seconds)
    print(json.dumps({"pages": pages, "edits": edits}))


# The storage's own commit rate (one committing process)

def commit_main(uri, name, seconds, threads=4):
    import transaction
    import zodburi
    from persistent.mapping import PersistentMapping
    from ZODB import DB

    factory, kw = zodburi.resolve_uri(uri)
    db = DB(factory(), **kw)
    with db.transaction() as conn:
        for n in range(threads):
            conn.root().setdefault(f"{name}-{n}", PersistentMapping())
    counts = [0] * threads
    stop = time.perf_counter() + seconds

    def work(n):
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        obj = conn.root()[f"{name}-{n}"]
        while time.perf_counter() < stop:
            with tm:
                obj["n"] = counts[n]
            counts[n] += 1
        conn.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    print(json.dumps({"commits": sum(counts) / (time.perf_counter() - started)}))
    db.close()


# The orchestration

def child(*args):
    return subprocess.Popen([sys.executable, __file__, *map(str, args)], stdout=subprocess.PIPE, text=True)


def result(proc):
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])


def storage_commits(uri, processes, seconds):
    procs = [child("--commit", uri, f"bench-{n}", seconds) for n in range(processes)]
    return sum(result(p)["commits"] for p in procs)


class Postgres:
    """A throwaway PostgreSQL server (as tests/test_storage.py runs one), or None without its binaries."""

    @classmethod
    def start(cls):
        initdb = shutil.which("initdb") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), None)
        return cls(Path(initdb).resolve().parent) if initdb else None

    def __init__(self, bindir):
        from processes import free_port

        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.dir = Path(tempfile.mkdtemp(prefix="dashboard-pg-"))
        if self.as_user:
            shutil.chown(self.dir, "postgres")
        data, self.port = self.dir / "data", free_port()
        subprocess.run(self.as_user + [str(bindir / "initdb"), "-D", str(data), "-U", "dash", "--auth=trust"],
                       check=True, capture_output=True, timeout=120)
        self.proc = subprocess.Popen(self.as_user + [
            str(bindir / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(self.dir), "-c",
            "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        for db in ("app", "raw"):
            subprocess.run(self.as_user + [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                                           "dash", db], check=True, capture_output=True, timeout=60)

    def uri(self, db):
        return f"postgres://dash@127.0.0.1:{self.port}/{db}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


def add_users(ini, users):
    from processes import add_user

    for name in users:
        add_user(ini, name, PASSWORD)


def serve_and_load(directory, uri, workers, users, seconds, name):
    from processes import Pserve, write_ini

    ini, port = write_ini(directory, uri, name=name, server="cheroot", threads=16,
                          server_settings={"workers": workers},
                          app_settings={"dashboard.spec_refresh": "0", "dashboard.login_limit_address": "10000/minute"})
    server = Pserve(ini, port)
    try:
        return result(child("--load", port, ",".join(users), seconds))
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    from processes import RunZeo, write_ini

    users = [f"user{n}" for n in range(args.clients)]
    work = Path(tempfile.mkdtemp(prefix="dashboard-scale-out-"))
    zeo = RunZeo(work)
    (work / "raw").mkdir()
    zeo_raw = RunZeo(work / "raw")  # the storage's own rate, on a server of its own
    pg = None if args.no_postgres else Postgres.start()
    stores = {"FileStorage": f"file://{work}/Data.fs", "ZEO": zeo.uri}
    raw = {"ZEO": zeo_raw.uri}
    if pg:
        stores["RelStorage"], raw["RelStorage"] = pg.uri("app"), pg.uri("raw")
    try:
        for store, uri in stores.items():
            add_users(write_ini(work, uri, name=f"setup-{store}.ini")[0], users)
        figures = {}
        for round_ in range(args.rounds):
            for store, uri in stores.items():
                for workers in ((1,) if store == "FileStorage" else (1, 2)):
                    got = serve_and_load(work, uri, workers, users, args.seconds, f"{store}-{workers}.ini")
                    for what, rate in got.items():
                        figures.setdefault((store, workers, what), []).append(rate)
                    print(f"round {round_ + 1}: {store} x{workers}: {got['pages']:.0f} pages/s, "
                          f"{got['edits']:.0f} edits/s", flush=True)
            for store, uri in raw.items():
                for processes in (1, 2):
                    rate = storage_commits(uri, processes, args.seconds)
                    figures.setdefault((store, processes, "commits"), []).append(rate)
                    print(f"round {round_ + 1}: {store} own commits, {processes} process(es): {rate:.0f}/s",
                          flush=True)
    finally:
        zeo.stop()
        zeo_raw.stop()
        if pg:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)

    med = {key: statistics.median(values) for key, values in figures.items()}
    print(f"\n{args.clients} clients, {args.seconds:g} s each, median of {args.rounds} rounds, {os.cpu_count()} cores")
    print(f"FileStorage, 1 process: {med['FileStorage', 1, 'pages']:.0f} pages/s, "
          f"{med['FileStorage', 1, 'edits']:.0f} edits/s")
    for store in raw:
        p1, p2 = med[store, 1, "pages"], med[store, 2, "pages"]
        e1, e2 = med[store, 1, "edits"], med[store, 2, "edits"]
        c1, c2 = med[store, 1, "commits"], med[store, 2, "commits"]
        print(f"{store}: pages {p1:.0f} -> {p2:.0f}/s ({p2 / p1:.2f}x, target >= 1.7); "
              f"edits {e1:.0f} -> {e2:.0f}/s ({e2 / e1:.2f}x); storage's own commits {c1:.0f} -> {c2:.0f}/s "
              f"({c2 / c1:.2f}x); edits ratio / storage ratio {(e2 / e1) / (c2 / c1):.2f} (target >= 0.9)")
    print(f"ZEO edits / FileStorage edits (1 process): "
          f"{med['ZEO', 1, 'edits'] / med['FileStorage', 1, 'edits']:.2f} (target >= 0.8)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--load"]:
        load_main(int(sys.argv[2]), sys.argv[3].split(","), float(sys.argv[4]))
    elif sys.argv[1:2] == ["--commit"]:
        commit_main(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        main()
