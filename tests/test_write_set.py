"""Writes that scale (issue 17): what one request writes, and what it asks of a ZEO server.

An edit by one user writes only objects of that user's own (reachable from their ``User`` record and from no other
user's, nor from the shared part of the database: the application root, the users tree, settings, providers, the
audit log), in one transaction; a page load or an API read writes nothing. Two users' edits therefore never touch
the same object and cannot conflict. A test fails here if someone adds a shared write (a counter, a "last seen"
time, a touched container) to every request, or a write to every read.

On ZEO, a request costs exactly one round trip before it starts (``server_sync``: tests/test_scale_out.py shows why)
and an edit two more (vote, finish), with its one object sent ahead asynchronously: no object loads once the caches
are warm, no new oids, no second transaction. (The group committer makes that transaction, dashboard/group_commit.py;
alone here, and with other users' edits waiting, one transaction and its round trips hold them all.) ``python tests/test_write_set.py`` prints both tables.
"""
import sys
import time
from collections import Counter

import pytest
from ZODB.serialize import referencesf
from ZODB.utils import get_pickle_metadata, u64

from dashboard.testing import PASSWORD, Client, app_root_of

ROOT_KEY = "gadget_dashboard"


@pytest.fixture
def dashboard_settings(dashboard_settings):
    return {**dashboard_settings, "dashboard.spec_refresh": "0"}  # the spec refresher commits on its own


def _class_of(data):
    module, name = get_pickle_metadata(data)
    return f"{module}.{name}"


def reachable(storage, start, stop=()):
    """The oids reachable from ``start`` (an oid) through stored references, not walking into ``stop``."""
    seen, pending = set(), [start]
    while pending:
        oid = pending.pop()
        if oid in seen or oid in stop:
            continue
        seen.add(oid)
        data, _ = storage.load(oid)
        pending.extend(referencesf(data))
    return seen


def transactions_after(storage, tid):
    """[(description, [(oid, class name), ...]), ...]: every transaction a FileStorage committed after ``tid``."""
    return [(txn.description.decode(), [(r.oid, _class_of(r.data)) for r in txn])
            for txn in storage.iterator(start=tid) if txn.tid > tid]


class World:
    """Two logged-in users on the app, each with a dashboard holding one clock."""

    def __init__(self, app):
        from dashboard.broker import audit
        from dashboard.models import User

        self.app, self.db = app, app.registry._zodb_databases[""]
        self.clients = {}
        for name in ("alice", "bob"):
            with app_root_of(app) as root:
                root.add_user(User(name, PASSWORD))
        for name in ("alice", "bob"):
            client = Client(app)
            assert client.login(name).status_int == 303
            client.did = client.get_json("/api/dashboards")["dashboards"][0]["id"]
            client.iid = client.post_json(f"/api/dashboards/{client.did}/gadgets", {"gadget": "clock"})["id"]
            self.clients[name] = client
        audit.flush(self.db)

    def oids(self):
        """(the shared part's oids, {user name: that user's oids}), as stored now."""
        conn = self.db.open()
        try:
            app_root = conn.root()[ROOT_KEY]
            users = {name: app_root.users[name]._p_oid for name in self.clients}
        finally:
            conn.close()
        storage = self.db.storage
        shared = reachable(storage, b"\0" * 8, stop=set(users.values()))
        return shared, {name: reachable(storage, oid) for name, oid in users.items()}


def requests(client):
    """What a user does, by name: (reads, writes), each name -> a call."""
    did, iid, n = client.did, client.iid, iter(range(1000))
    reads = {
        "dashboard page": lambda: client.get(f"/d/{did}"),
        "directory page": lambda: client.get("/directory"),
        "API: dashboards": lambda: client.get_json("/api/dashboards"),
        "API: one dashboard": lambda: client.get_json(f"/api/dashboards/{did}"),
    }
    writes = {
        "rename a dashboard": lambda: client.patch_json(f"/api/dashboards/{did}", {"title": f"Edit {next(n)}"}),
        "change its layout": lambda: client.patch_json(f"/api/dashboards/{did}", {"layout": "AAA"}),
        "add a gadget": lambda: client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock"}),
        "move a gadget": lambda: client.patch_json(f"/api/dashboards/{did}/gadgets/{iid}",
                                                   {"column": 1, "position": 0}),
        "set a gadget's preferences": lambda: client.patch_json(f"/api/dashboards/{did}/gadgets/{iid}",
                                                                {"prefs": {"hour_format": "12"}}),
        "minimize a gadget": lambda: client.patch_json(f"/api/dashboards/{did}/gadgets/{iid}", {"minimized": True}),
        "log in again": lambda: client.login(client.name),
    }
    return reads, writes


def write_sets(world):
    """Run every request of ``requests`` as alice then bob: [(user, request, transactions), ...]."""
    storage, found = world.db.storage, []
    for name, client in world.clients.items():
        client.name = name
        reads, writes = requests(client)
        for what, call in {**reads, **writes}.items():
            before = storage.lastTransaction()
            call()
            found.append((name, what, what in writes, transactions_after(storage, before)))
    return found


def test_an_edit_writes_only_that_users_objects_and_a_read_writes_nothing(dashboard_app):
    world = World(dashboard_app)
    found = write_sets(world)
    shared, own = world.oids()
    for name, what, is_write, transactions in found:
        if not is_write:
            assert transactions == [], (name, what, transactions)
            continue
        assert len(transactions) == 1, (name, what, transactions)  # one transaction, no side transaction
        (description, records), = transactions
        written = {oid for oid, _ in records}
        others = set().union(*(oids for other, oids in own.items() if other != name))
        assert written <= own[name], (name, what, [r for r in records if r[0] not in own[name]])
        assert not written & shared, (name, what, [r for r in records if r[0] in shared])
        assert not written & others, (name, what)
    # the benchmark's edit (bench/scale_out.py) is exactly one object: the dashboard renamed
    renames = [records for name, what, _, ((_, records),) in
               [f for f in found if f[2]] if what == "rename a dashboard"]
    assert [[cls for _, cls in records] for records in renames] == [["dashboard.models.dashboards.Dashboard"]] * 2


class CallCounter:
    """Counts a ZEO ClientStorage's calls to its server: "call NAME" waits for the answer (a round trip),
    "async NAME" does not, "load" is an object not in the client's cache."""

    def __init__(self, storage):
        self.calls = Counter()
        for attr, label in (("_call", lambda a: "call " + a[0]), ("_async", lambda a: "async " + a[0])):
            self._wrap(storage, attr, label)
        self._wrap(storage._server, "load_before", lambda a: "load")
        self._wrap(storage._server, "tpc_finish", lambda a: "call tpc_finish")

    def _wrap(self, obj, attr, label):
        original = getattr(obj, attr)

        def counted(*args, **kw):
            self.calls[label(args)] += 1
            return original(*args, **kw)

        setattr(obj, attr, counted)

    def during(self, call):
        self.calls.clear()
        call()
        return dict(self.calls)


@pytest.fixture
def zeo_app(tmp_path):
    from dashboard import main
    from dashboard.server import sync_with_zeo_server
    from processes import RunZeo

    zeo = RunZeo(tmp_path)
    app = main({}, **{"zodbconn.uri": zeo.uri, "dashboard.secret_file": str(tmp_path / "secret.key"),
                      "dashboard.spec_refresh": "0"})
    sync_with_zeo_server(app)  # as production's server does (dashboard/server.py)
    yield app
    for db in app.registry._zodb_databases.values():
        db.close()
    zeo.stop()


ONE_ROUND_TRIP = {"call ping": 1}
EDIT = {"call ping": 1, "async tpc_begin": 1, "async storea": 1, "call vote": 1, "call tpc_finish": 1}


def test_on_zeo_a_request_is_one_round_trip_and_an_edit_three(zeo_app):
    world = World(zeo_app)
    counter = CallCounter(world.db.storage)
    for client in world.clients.values():  # warm the caches
        client.get(f"/d/{client.did}")
    for name, client in world.clients.items():
        # the first connection of the pool (made while the application loaded) syncs too
        assert counter.during(lambda: client.get(f"/d/{client.did}")) == ONE_ROUND_TRIP, name
        assert counter.during(lambda: client.get_json(f"/api/dashboards/{client.did}")) == ONE_ROUND_TRIP, name
        for n in range(3):
            edit = counter.during(lambda: client.patch_json(f"/api/dashboards/{client.did}", {"title": f"E{n}"}))
            assert edit == EDIT, (name, edit)
        assert counter.during(lambda: client.get(f"/d/{client.did}")) == ONE_ROUND_TRIP, name


def main(argv):
    """Print what each request writes (FileStorage) and asks of a ZEO server."""
    import tempfile

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from dashboard import main as make_app
    from dashboard.server import sync_with_zeo_server
    from processes import RunZeo

    tmp = tempfile.mkdtemp(prefix="write-set-")
    app = make_app({}, **{"zodbconn.uri": f"file://{tmp}/Data.fs", "dashboard.secret_file": f"{tmp}/secret.key",
                          "dashboard.spec_refresh": "0"})
    world = World(app)
    found = write_sets(world)
    shared, own = world.oids()
    print("What one request writes (FileStorage; each object: oid, class, whose):")
    for name, what, _, transactions in found:
        print(f"  {name}: {what}: {len(transactions)} transaction(s)")
        for _, records in transactions:
            for oid, cls in records:
                whose = "SHARED" if oid in shared else ", ".join(n for n, oids in own.items() if oid in oids)
                print(f"      {u64(oid):>6} {cls} ({whose})")
    app.registry._zodb_databases[""].close()

    zeo = RunZeo(tmp)
    app = make_app({}, **{"zodbconn.uri": zeo.uri, "dashboard.secret_file": f"{tmp}/secret.key",
                          "dashboard.spec_refresh": "0"})
    sync_with_zeo_server(app)
    try:
        world = World(app)
        counter = CallCounter(world.db.storage)
        client = world.clients["alice"]
        client.name = "alice"
        reads, writes = requests(client)
        for call in reads.values():
            call()  # warm the caches
        print("\nWhat one request asks of the ZEO server (after warm-up; 'call' waits for the answer):")
        for what, call in {**reads, **writes}.items():
            started = time.perf_counter()
            calls = counter.during(call)
            print(f"  {what}: {calls} ({(time.perf_counter() - started) * 1000:.1f} ms)")
    finally:
        app.registry._zodb_databases[""].close()
        zeo.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
