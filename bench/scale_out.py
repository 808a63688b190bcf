"""Scale-out (issue 17): page loads and edits per second with production's server at workers = 1 and workers = 2, on
a ZEO server (and on RelStorage over a throwaway PostgreSQL when its binaries are installed), beside FileStorage with
one process, and the storage's own commit rate with 1 and 2 committing processes, measured in the same run.

    .venv/bin/python bench/scale_out.py [--seconds 6] [--clients 16] [--rounds 2] [--no-postgres]

Each user (one per client) has a dashboard with 6 clocks. The load generator is a process of its own (this script
with --load): ``clients`` threads, each a logged-in user on a keep-alive connection, load their dashboard page for
``seconds``, then rename their dashboard (an edit through the JSON API, committed) for ``seconds``. An edit writes
one object, that user's Dashboard, in one transaction (tests/test_write_set.py); requests that pyramid_retry ran
again after a conflict are counted (bench/retry_counter.py) and printed: users never share a written object, so 0.
Beside each rate: the CPU time per page or edit of the app's processes and of the storage's server (/proc), which
other load on the machine does not change the way it changes rates.

The storage's own rate, without the web stack: 1 or 2 processes, 4 threads each, committing the same edit as the
app's (a Dashboard's title, one object per thread) directly through ZODB, with ZEO's default settings (no
server_sync); on ZEO and RelStorage with 1 and 2 processes, on FileStorage with 1 (it admits one).

Rounds alternate the configurations; medians are printed. Targets on 2 cores: pages x2/x1 >= 1.7; edits x2/x1 >=
0.9 of the storage's own 2/1 ratio; ZEO edits (1 process) >= 0.8 of FileStorage's. ZEO's own commits (same edit,
one per transaction, no web stack) run at a fraction of FileStorage's: ZEO's client and server spend about 1.1 ms
more CPU per commit, on the same 2 cores, and each ZEO client commits one transaction at a time over two round trips.
The app's edits reach the last target by group commit (dashboard/group_commit.py: the edits waiting are committed
together, so a commit's cost is shared), and the mean number of edits per commit is printed for each configuration;
the edit rates' ZEO/FileStorage ratio is also printed against the storage's own ZEO/FileStorage ratio.
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
    """Run ``action`` on every client for ``seconds``: (how many, seconds taken)."""
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
    return sum(counts), time.perf_counter() - started


def cpu_seconds(pid):
    """CPU time (user + system) of a process and all its descendants now, with their exited children's (a
    PostgreSQL backend's, once its client has gone); 0 for no process."""
    if not pid:
        return 0.0
    total, pending = 0.0, [pid]
    while pending:
        pid = pending.pop()
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += sum(map(int, fields[11:15])) / os.sysconf("SC_CLK_TCK")
            with open(f"/proc/{pid}/task/{pid}/children") as fh:
                pending.extend(int(child) for child in fh.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def load_main(port, users, seconds, app_pid, storage_pid):
    clients = [Client(port, name) for name in users]
    run_for(clients, "page", 1)  # warm up: every process's caches
    out = {}
    for action, name in (("page", "pages"), ("edit", "edits")):
        app, storage = cpu_seconds(app_pid), cpu_seconds(storage_pid)
        done, took = run_for(clients, action, seconds)
        out[name] = done / took
        out[f"{action}_cpu_ms"] = {"app": (cpu_seconds(app_pid) - app) / done * 1000,
                                   "storage": (cpu_seconds(storage_pid) - storage) / done * 1000}
    print(json.dumps(out))


# The storage's own commit rate (one committing process)

def commit_main(uri, name, seconds, server_sync=False, threads=4):
    """The app's edit (a Dashboard's new title, one object per transaction) committed directly through ZODB;
    ``server_sync``: each transaction starts with a round trip to a ZEO server, as production's server does."""
    import resource

    import transaction
    import zodburi
    from ZODB import DB

    from dashboard.models.dashboards import Dashboard

    factory, kw = zodburi.resolve_uri(uri)
    storage = factory()
    if server_sync:
        storage.server_sync, storage.sync = True, storage.ping  # as dashboard/server.py, before any connection
    db = DB(storage, **kw)
    with db.transaction() as conn:
        for n in range(threads):
            conn.root().setdefault(f"{name}-{n}", Dashboard("My dashboard"))
    counts = [0] * threads
    stop = time.perf_counter() + seconds

    def work(n):
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        dash = conn.root()[f"{name}-{n}"]
        while time.perf_counter() < stop:
            with tm:
                dash.title = f"Edit {counts[n]}"
            counts[n] += 1
        conn.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    took, used = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
    cpu_ms = (used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime) / max(1, sum(counts)) * 1000
    print(json.dumps({"commits": sum(counts) / took, "count": sum(counts), "cpu_ms": cpu_ms}))
    db.close()


# The orchestration

def child(*args):
    return subprocess.Popen([sys.executable, __file__, *map(str, args)], stdout=subprocess.PIPE, text=True)


def result(proc):
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])


def storage_commits(uri, processes, seconds, server_pid=None, server_sync=False):
    """(commits per second, CPU ms per commit in the committing processes, and in the storage's server)."""
    server = cpu_seconds(server_pid)
    procs = [child("--commit", uri, f"bench-{n}", seconds, int(server_sync)) for n in range(processes)]
    got = [result(p) for p in procs]
    count = sum(g["count"] for g in got)
    return (sum(g["commits"] for g in got), sum(g["cpu_ms"] * g["count"] for g in got) / count,
            (cpu_seconds(server_pid) - server) / count * 1000)


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


def serve_and_load(directory, uri, workers, users, seconds, name, storage_pid=None):
    from processes import Pserve, write_ini

    retries = Path(directory) / f"{name}.retries"
    retries.write_text("")
    ini, port = write_ini(directory, uri, name=name, server="cheroot", threads=16,
                          server_settings={"workers": workers}, plugins_extra="retry_counter",
                          app_settings={"dashboard.spec_refresh": "0", "dashboard.login_limit_address": "10000/minute",
                                        "bench.retry_log": retries})
    server = Pserve(ini, port)
    try:
        got = result(child("--load", port, ",".join(users), seconds, server.proc.pid, storage_pid or 0))
    finally:
        server.stop()
    lines = retries.read_text().splitlines()
    got["retries"] = sum(not line.startswith("groups ") for line in lines)
    groups = [line.split()[1:] for line in lines if line.startswith("groups ")]
    got["edits per commit"] = (sum(int(e) for _, e in groups) / max(1, sum(int(t) for t, _ in groups))) if groups \
        else 0.0
    return got


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    from processes import RunZeo, write_ini

    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])  # retry_counter

    users = [f"user{n}" for n in range(args.clients)]
    work = Path(tempfile.mkdtemp(prefix="dashboard-scale-out-"))
    zeo = RunZeo(work)
    (work / "raw").mkdir()
    zeo_raw = RunZeo(work / "raw")  # the storage's own rate, on a server of its own
    pg = None if args.no_postgres else Postgres.start()
    stores = {"FileStorage": f"file://{work}/Data.fs", "ZEO": zeo.uri}
    # "ZEO server_sync": ZEO as production's server sets it (one more round trip per transaction)
    raw = {"FileStorage": f"file://{work}/raw/raw.fs", "ZEO": zeo_raw.uri, "ZEO server_sync": zeo_raw.uri}
    server_pids = {"ZEO": zeo.proc.pid}
    raw_pids = {"ZEO": zeo_raw.proc.pid, "ZEO server_sync": zeo_raw.proc.pid}
    if pg:
        stores["RelStorage"], raw["RelStorage"] = pg.uri("app"), pg.uri("raw")
        server_pids["RelStorage"] = raw_pids["RelStorage"] = pg.proc.pid
    try:
        for store, uri in stores.items():
            add_users(write_ini(work, uri, name=f"setup-{store}.ini")[0], users)
        figures = {}
        for round_ in range(args.rounds):
            for store, uri in stores.items():
                for workers in ((1,) if store == "FileStorage" else (1, 2)):
                    got = serve_and_load(work, uri, workers, users, args.seconds, f"{store}-{workers}.ini",
                                         server_pids.get(store))
                    for what in ("pages", "edits", "retries", "edits per commit"):
                        figures.setdefault((store, workers, what), []).append(got[what])
                    for what in ("page", "edit"):
                        for where, ms in got[f"{what}_cpu_ms"].items():
                            figures.setdefault((store, workers, f"{what} cpu {where}"), []).append(ms)
                    print(f"round {round_ + 1}: {store} x{workers}: {got['pages']:.0f} pages/s, "
                          f"{got['edits']:.0f} edits/s ({got['edits per commit']:.1f} per commit), {got['retries']} retried; "
                          f"CPU ms per edit: app "
                          f"{got['edit_cpu_ms']['app']:.2f}, storage server {got['edit_cpu_ms']['storage']:.2f}",
                          flush=True)
            for store, uri in raw.items():
                for processes in ((1,) if store in ("FileStorage", "ZEO server_sync") else (1, 2)):
                    rate, client_ms, server_ms = storage_commits(uri, processes, args.seconds, raw_pids.get(store),
                                                                 server_sync=store == "ZEO server_sync")
                    for what, value in (("commits", rate), ("commit cpu client", client_ms),
                                        ("commit cpu server", server_ms)):
                        figures.setdefault((store, processes, what), []).append(value)
                    print(f"round {round_ + 1}: {store} own commits, {processes} process(es): {rate:.0f}/s; CPU ms "
                          f"per commit: committing processes {client_ms:.2f}, storage server {server_ms:.2f}",
                          flush=True)
    finally:
        zeo.stop()
        zeo_raw.stop()
        if pg:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)

    med = {key: statistics.median(values) for key, values in figures.items()}
    print(f"\n{args.clients} clients, {args.seconds:g} s each, median of {args.rounds} rounds, {os.cpu_count()} cores")
    for store in stores:
        for workers in ((1,) if store == "FileStorage" else (1, 2)):
            print(f"{store} x{workers}: CPU ms per page: app {med[store, workers, 'page cpu app']:.2f}, storage "
                  f"server {med[store, workers, 'page cpu storage']:.2f}; per edit: app "
                  f"{med[store, workers, 'edit cpu app']:.2f}, storage server "
                  f"{med[store, workers, 'edit cpu storage']:.2f}; edits per commit (group commit) "
                  f"{med[store, workers, 'edits per commit']:.1f}; requests retried after a conflict: "
                  f"{sum(figures[store, workers, 'retries'])}")
    for store in raw:
        print(f"{store}'s own commit, 1 process: {med[store, 1, 'commits']:.0f}/s, CPU ms per commit: committing "
              f"process {med[store, 1, 'commit cpu client']:.2f}, storage server {med[store, 1, 'commit cpu server']:.2f}")
    print(f"FileStorage, 1 process: {med['FileStorage', 1, 'pages']:.0f} pages/s, "
          f"{med['FileStorage', 1, 'edits']:.0f} edits/s")
    for store in stores:
        if store == "FileStorage":
            continue
        p1, p2 = med[store, 1, "pages"], med[store, 2, "pages"]
        e1, e2 = med[store, 1, "edits"], med[store, 2, "edits"]
        c1, c2 = med[store, 1, "commits"], med[store, 2, "commits"]
        print(f"{store}: pages {p1:.0f} -> {p2:.0f}/s ({p2 / p1:.2f}x, target >= 1.7); "
              f"edits {e1:.0f} -> {e2:.0f}/s ({e2 / e1:.2f}x); storage's own commits {c1:.0f} -> {c2:.0f}/s "
              f"({c2 / c1:.2f}x); edits ratio / storage ratio {(e2 / e1) / (c2 / c1):.2f} (target >= 0.9)")
    edits_ratio = med["ZEO", 1, "edits"] / med["FileStorage", 1, "edits"]
    own_ratio = med["ZEO", 1, "commits"] / med["FileStorage", 1, "commits"]
    print(f"ZEO edits / FileStorage edits (1 process): {edits_ratio:.2f} (issue's target >= 0.8); the storage's own "
          f"ZEO / FileStorage commits (same edit, no web stack): {own_ratio:.2f}; edits ratio / storage's own ratio "
          f"{edits_ratio / own_ratio:.2f} (target >= 0.8)")
    extra = med["ZEO", 1, "edit cpu app"] + med["ZEO", 1, "edit cpu storage"] - med["FileStorage", 1, "edit cpu app"]
    own_extra = med["ZEO", 1, "commit cpu client"] + med["ZEO", 1, "commit cpu server"] - \
        med["FileStorage", 1, "commit cpu client"]
    synced_extra = med["ZEO server_sync", 1, "commit cpu client"] + med["ZEO server_sync", 1, "commit cpu server"] - \
        med["FileStorage", 1, "commit cpu client"]
    print(f"CPU an edit costs more on ZEO than on FileStorage (app + ZEO server): {extra:.2f} ms; a commit of ZEO's "
          f"own (client + server, same edit): {own_extra:.2f} ms more than FileStorage's, {synced_extra:.2f} ms "
          f"with server_sync (ZEO's own commits with it, 1 process: {med['ZEO server_sync', 1, 'commits']:.0f}/s)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--load"]:
        load_main(int(sys.argv[2]), sys.argv[3].split(","), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
    elif sys.argv[1:2] == ["--commit"]:
        commit_main(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5:6] == ["1"])
    else:
        main()
