"""Storage is chosen by zodbconn.uri alone; a crash loses no acknowledged edit; two instances share one ZEO."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from dashboard.testing import PASSWORD, Client
from livehelpers import HttpUser
from processes import Pserve, RunZeo, add_user, free_port, write_ini


def test_memory_storage_works_without_code_changes(tmp_path, make_user):
    from dashboard import main
    from dashboard.models import User
    from dashboard.testing import app_root_of

    app = main({}, **{"zodbconn.uri": "memory://", "dashboard.secret_file": str(tmp_path / "secret.key")})
    with app_root_of(app) as root:
        root.add_user(User("ann", PASSWORD))
    client = Client(app)
    client.login("ann")
    assert client.get_json("/api/dashboards")["dashboards"][0]["title"] == "My dashboard"


def test_two_instances_share_a_zeo_server(tmp_path):
    zeo = RunZeo(tmp_path)
    servers = []
    try:
        ini_a, port_a = write_ini(tmp_path, zeo.uri, name="a.ini")
        ini_b, port_b = write_ini(tmp_path, zeo.uri, name="b.ini")
        add_user(ini_a, "ann", PASSWORD)
        servers = [Pserve(ini_a, port_a), Pserve(ini_b, port_b)]
        a, b = HttpUser(servers[0].url, "ann"), HttpUser(servers[1].url, "ann")
        did = a.call("GET", "/api/dashboards").json()["dashboards"][0]["id"]
        inst = a.call("POST", f"/api/dashboards/{did}/gadgets", {"gadget": "notes"}).json()
        a.call("PATCH", f"/api/dashboards/{did}", {"title": "Shared"})
        # ZEO delivers the invalidation to B asynchronously; it arrives within moments
        deadline = time.time() + 10
        while time.time() < deadline:
            seen = b.call("GET", f"/api/dashboards/{did}").json()
            if seen["title"] == "Shared":
                break
            time.sleep(0.1)
        assert seen["title"] == "Shared" and seen["columns"][0][0]["id"] == inst["id"]
        # and back: an edit through B is seen through A
        b.call("PATCH", f"/api/dashboards/{did}/gadgets/{inst['id']}", {"column": 1, "position": 0})
        deadline = time.time() + 10
        while time.time() < deadline:
            columns = a.call("GET", f"/api/dashboards/{did}").json()["columns"]
            if columns[1]:
                break
            time.sleep(0.1)
        assert columns[1][0]["id"] == inst["id"]
    finally:
        for server in servers:
            server.stop()
        zeo.stop()


def test_sigkill_during_a_burst_loses_no_acknowledged_edit(tmp_path):
    """Two users create dashboards (each request commits its own transaction) while two rename theirs (edits the
    group committer commits together, dashboard/group_commit.py)."""
    ini, port = write_ini(tmp_path, f"file://{tmp_path}/Data.fs")
    add_user(ini, "ann", PASSWORD)
    add_user(ini, "bob", PASSWORD)
    server = Pserve(ini, port)
    acknowledged, renamed, stop = [], {}, threading.Event()
    bob = HttpUser(server.url, "bob")
    renaming = [bob.call("POST", "/api/dashboards", {"title": f"r{n}-0"}).json()["id"] for n in range(2)]

    def burst(n):
        me = HttpUser(server.url, "ann")
        i = 0
        while not stop.is_set():
            i += 1
            try:
                res = me.call("POST", "/api/dashboards", {"title": f"t{n}-{i}"})
            except Exception:
                return  # the server died mid-request: that edit was never acknowledged
            if res.status_code == 201:
                acknowledged.append(res.json()["id"])

    def rename(n):
        me, did = HttpUser(server.url, "bob"), renaming[n]
        i = 0
        while not stop.is_set():
            i += 1
            try:
                res = me.call("PATCH", f"/api/dashboards/{did}", {"title": f"r{n}-{i}"})
            except Exception:
                return
            if res.status_code == 200:
                assert res.json()["title"] == f"r{n}-{i}"  # the answer shows the edit
                renamed[did] = i

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(2)] + \
        [threading.Thread(target=rename, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    while len(acknowledged) < 30 or min(renamed.values(), default=0) < 30:
        time.sleep(0.01)
    server.kill()  # SIGKILL, in the middle of the burst
    stop.set()
    for t in threads:
        t.join()
    # Restarting opens the FileStorage, which drops a transaction the kill interrupted before its commit finished
    # (one never acknowledged); every acknowledged one must be there.
    server = Pserve(ini, port)
    try:
        stored = {d["id"] for d in HttpUser(server.url, "ann").call("GET", "/api/dashboards").json()["dashboards"]}
        assert set(acknowledged) <= stored and len(acknowledged) >= 30
        titles = {d["id"]: d["title"] for d in HttpUser(server.url, "bob").call("GET", "/api/dashboards").json()[
            "dashboards"]}
        for did, last in renamed.items():  # the last acknowledged rename, or one after it never acknowledged
            assert int(titles[did].split("-")[1]) >= last >= 30, (titles[did], last)
    finally:
        server.stop()
    fstest = subprocess.run([sys.executable, "-m", "ZODB.scripts.fstest", f"{tmp_path}/Data.fs"],
                            capture_output=True, text=True)
    assert fstest.returncode == 0, fstest.stdout + fstest.stderr  # and the file is consistent again


def _serve_and_edit(uri, tmp_path):
    """Start the app on ``uri``, make an edit through it, start it again and find the edit."""
    from dashboard import main
    from dashboard.models import User
    from dashboard.testing import app_root_of

    settings = {"zodbconn.uri": uri, "dashboard.secret_file": str(tmp_path / "secret.key")}
    app = main({}, **settings)
    with app_root_of(app) as root:
        root.add_user(User("ann", PASSWORD))
    client = Client(app)
    client.login("ann")
    client.post_json("/api/dashboards", {"title": "Kept in a relational database"})
    app.registry._zodb_databases[""].close()
    app = main({}, **settings)
    client = Client(app)
    client.login("ann")
    titles = [d["title"] for d in client.get_json("/api/dashboards")["dashboards"]]
    app.registry._zodb_databases[""].close()
    assert titles == ["My dashboard", "Kept in a relational database"]


def test_relstorage_sqlite_uri(tmp_path):
    pytest.importorskip("relstorage", reason="RelStorage is part of the testing extra")
    _serve_and_edit(f"sqlite://?data_dir={tmp_path}/relstorage", tmp_path)


def test_relstorage_postgresql_uri(tmp_path):
    pytest.importorskip("psycopg2", reason="psycopg2 comes with the testing extra")
    initdb = shutil.which("initdb") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), None)
    if initdb is None:
        if os.environ.get("DASHBOARD_REQUIRE_POSTGRES"):
            raise RuntimeError("no initdb: install Debian's postgresql")
        pytest.skip("no PostgreSQL server binaries (apt-get install postgresql) for the RelStorage test")
    bindir = Path(initdb).resolve().parent  # /usr/local/bin may hold links to some of the tools only
    # PostgreSQL refuses to run as root: as root, run it as the postgres user in a directory it can reach.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    pgdir = Path(tempfile.mkdtemp(prefix="dashboard-pg-"))
    if as_user:
        shutil.chown(pgdir, "postgres")
    data, port = pgdir / "data", free_port()
    subprocess.run(as_user + [str(bindir / "initdb"), "-D", str(data), "-U", "dash", "--auth=trust"],
                   check=True, capture_output=True, timeout=120)
    server = subprocess.Popen(as_user + [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k",
                                         str(pgdir), "-c", "listen_addresses=127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run(as_user + [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dash", "zodb"],
                       check=True, capture_output=True, timeout=60)
        _serve_and_edit(f"postgres://dash@127.0.0.1:{port}/zodb", tmp_path)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(pgdir, ignore_errors=True)
