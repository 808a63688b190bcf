"""Group commit (dashboard/group_commit.py) and the shared ZEO sync (dashboard/server.SharedSync), on real
databases: a FileStorage in a temporary directory, and a ZEO server on loopback."""
import threading
import time

import pytest
import transaction
from persistent.mapping import PersistentMapping
from ZODB import DB
from ZODB.FileStorage import FileStorage
from ZODB.POSException import ConflictError

from dashboard import group_commit
from dashboard.group_commit import Committer, committed
from dashboard.operations import InputError
from dashboard.server import SharedSync
from test_signed_requests import world  # noqa: F401 (a fixture: a trusted application, alice's dashboard)


@pytest.fixture
def db(tmp_path):
    db = DB(FileStorage(str(tmp_path / "Data.fs")))
    with db.transaction() as conn:
        for name in ("a", "b", "c", "d"):
            conn.root()[name] = PersistentMapping(value=0)
    yield db
    db.close()


def stored(db, name):
    with db.transaction() as conn:
        return conn.root()[name]["value"]


def transactions_since(db, tid):
    return [t for t in db.storage.iterator(start=tid) if t.tid > tid]


class Held:
    """An edit that holds the committer until released, so the edits handed over meanwhile wait together."""

    def __init__(self):
        self.running, self.release = threading.Event(), threading.Event()

    def __call__(self, obj):
        self.running.set()
        assert self.release.wait(10)
        obj["value"] += 1


def in_threads(calls):
    """Run each call in a thread of its own; {index: result or exception}."""
    results = {}

    def run(n, call):
        try:
            results[n] = call()
        except Exception as exc:
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for t in threads:
        t.start()
    return threads, results


def objects(db):
    conn = db.open()
    return conn, {name: conn.root()[name] for name in "abcd"}


def test_edits_waiting_together_are_committed_in_one_transaction(db):
    committer, (conn, obj) = Committer(db), objects(db)
    before = db.storage.lastTransaction()
    held = Held()
    first, _ = in_threads([lambda: committer.apply(held, obj["a"])])
    assert held.running.wait(10)

    def add(n):
        def change(o):
            o["value"] += n
            return n * 10
        return change

    threads, results = in_threads([lambda n=n: committer.apply(add(n), obj["bcd"[n - 1]]) for n in (1, 2, 3)])
    time.sleep(0.2)  # all three handed over while the first group is being made
    held.release.set()
    for t in first + threads:
        t.join(10)
    assert results == {0: 10, 1: 20, 2: 30}  # each gets its own change's result
    assert [stored(db, n) for n in "abcd"] == [1, 1, 2, 3]
    assert len(transactions_since(db, before)) == 2 and (committer.transactions, committer.edits) == (2, 4)
    conn.close()


def test_an_edit_that_raises_gets_its_error_and_nothing_of_it_is_stored(db):
    committer, (conn, obj) = Committer(db), objects(db)
    held = Held()
    first, _ = in_threads([lambda: committer.apply(held, obj["a"])])
    assert held.running.wait(10)

    def good(o):
        o["value"] = 7

    def half_made(o):
        o["value"] = 99  # made, then refused: must not be stored
        raise InputError("a title may be at most 200 characters")

    threads, results = in_threads([lambda: committer.apply(good, obj["b"]),
                                   lambda: committer.apply(half_made, obj["c"]),
                                   lambda: committer.apply(good, obj["d"])])
    time.sleep(0.2)
    held.release.set()
    for t in first + threads:
        t.join(10)
    assert isinstance(results[1], InputError) and "200 characters" in str(results[1])
    assert results[0] is None and results[2] is None
    assert [stored(db, n) for n in "abcd"] == [1, 7, 0, 7]
    conn.close()


def test_a_conflict_runs_the_group_again_on_the_newer_state(db):
    """Another process (here another connection) commits to the same object after the group read it: the commit
    conflicts, and the group is made again on what the other stored."""
    committer, (conn, obj) = Committer(db), objects(db)
    runs = []

    def increment(o):
        runs.append(o["value"])
        if len(runs) == 1:
            other = transaction.TransactionManager()
            with other:
                other_conn = db.open(transaction_manager=other)
                other_conn.root()["a"]["value"] = 100
            other_conn.close()
        o["value"] += 1
        return o["value"]

    assert committer.apply(increment, obj["a"]) == 101
    assert runs == [0, 100] and stored(db, "a") == 101
    conn.close()


def test_a_conflict_every_time_is_given_to_the_request(db):
    """After ATTEMPTS conflicts the edit gets the ConflictError, which pyramid_retry answers by running the request
    again (tests/test_scale_out.py counts such retries)."""
    committer, (conn, obj) = Committer(db), objects(db)
    runs = []

    def always_conflicting(o):
        runs.append(1)
        other = transaction.TransactionManager()
        with other:
            other_conn = db.open(transaction_manager=other)
            other_conn.root()["a"]["value"] += 1
        other_conn.close()
        o["value"] = -1

    with pytest.raises(ConflictError):
        committer.apply(always_conflicting, obj["a"])
    assert len(runs) == group_commit.ATTEMPTS and stored(db, "a") == group_commit.ATTEMPTS  # only the others'
    conn.close()


def test_the_request_sees_the_edit_without_a_new_transaction_and_keeps_its_own_changes_in_its_own(db):
    committer = Committer(db)
    manager = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=manager)
    manager.begin()
    a = conn.root()["a"]
    assert a["value"] == 0
    committed(conn, committer, lambda o: o.__setitem__("value", 5), a)
    assert a["value"] == 5  # seen within the request's transaction
    assert committer.transactions == 1
    # a request with a change of its own pending makes the edit in its own transaction, committed with the rest
    conn.root()["b"]["value"] = 1
    committed(conn, committer, lambda o: o.__setitem__("value", 6), a)
    assert committer.transactions == 1 and stored(db, "a") == 5
    manager.commit()
    assert (stored(db, "a"), stored(db, "b")) == (6, 1)
    conn.close()


def test_the_thread_ends_when_idle_and_the_next_edit_starts_another(db, monkeypatch):
    monkeypatch.setattr(group_commit, "IDLE", 0.1)
    committer, (conn, obj) = Committer(db), objects(db)
    committer.apply(lambda o: o.__setitem__("value", 1), obj["a"])
    deadline = time.monotonic() + 5
    while committer.pid is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert committer.pid is None  # gone, its connection back in the pool
    committer.apply(lambda o: o.__setitem__("value", 2), obj["a"])
    assert stored(db, "a") == 2
    conn.close()


# SharedSync: one round trip begun after the call, shared by the calls that wait together


class Pings:
    """A round trip to a server that answers when told to (each ping waits for its own go)."""

    def __init__(self):
        self.begun, self.lock = [], threading.Lock()

    def __call__(self):
        go = threading.Event()
        with self.lock:
            self.begun.append(go)
        assert go.wait(10)

    def answer(self, n):
        deadline = time.monotonic() + 5
        while len(self.begun) <= n and time.monotonic() < deadline:
            time.sleep(0.01)
        self.begun[n].set()


def test_a_sync_called_during_a_round_trip_waits_for_the_next_one():
    pings = Pings()
    sync = SharedSync(pings)
    first, _ = in_threads([sync])
    deadline = time.monotonic() + 5
    while not pings.begun and time.monotonic() < deadline:
        time.sleep(0.01)
    waiting, results = in_threads([sync] * 5)  # all called while round trip 0 is under way
    time.sleep(0.1)
    pings.answer(0)
    first[0].join(5)
    assert not first[0].is_alive()
    time.sleep(0.1)
    # round trip 0 began before they were called: it does not count for them
    assert all(t.is_alive() for t in waiting) and len(pings.begun) == 2
    pings.answer(1)  # one round trip for the five of them
    for t in waiting:
        t.join(5)
    assert not any(t.is_alive() for t in waiting) and len(pings.begun) == 2 and results == {n: None for n in range(5)}


def test_a_failed_round_trip_fails_its_caller_and_the_others_try_again():
    calls = []

    def ping():
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.1)
            raise ConnectionError("the ZEO server went away")

    sync = SharedSync(ping)
    first, results = in_threads([sync])
    time.sleep(0.02)
    others, later = in_threads([sync, sync])
    for t in first + others:
        t.join(5)
    assert isinstance(results[0], ConnectionError) and later == {0: None, 1: None} and len(calls) == 2


# Review: what the committer's edits run on, through the application


def committer_of(app):
    return app.registry.dashboard_committer


def test_an_edit_runs_on_what_its_request_saw_not_on_the_committers_last_commit(user_client, dashboard_app):
    """The committer's connection kept the state of its own last commit: a dashboard created since by a request's own
    transaction was not there for it, so moving the first dashboard after it was refused as out of range (400)."""
    first = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    user_client.patch_json(f"/api/dashboards/{first}", {"title": "Renamed"})  # the committer's last commit
    assert committer_of(dashboard_app).transactions == 1
    created = user_client.post_json("/api/dashboards", {"title": "Second"})["id"]  # the request's own transaction
    moved = user_client.patch_json(f"/api/dashboards/{first}", {"position": 1})
    assert moved["title"] == "Renamed"
    assert [d["id"] for d in user_client.get_json("/api/dashboards")["dashboards"]] == [created, first]


def test_a_failed_round_trip_fails_every_call_it_was_begun_for_at_once():
    """A ZEO server gone: each round trip waits for a reconnection (ClientStorage's wait_timeout, 30 s) and fails.
    The calls that waited together for one round trip all get its failure, as each would have from its own ping,
    rather than each beginning another after it (the last of N requests waiting N times the timeout)."""
    calls = []

    def ping():
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.2)  # under way while the others are called
            return
        time.sleep(0.3)  # waiting for a server that does not come back
        raise ConnectionError("the ZEO server went away")

    sync = SharedSync(ping)
    first, _ = in_threads([sync])
    time.sleep(0.05)
    started = time.monotonic()
    waiting, results = in_threads([sync] * 4)
    for t in first + waiting:
        t.join(5)
    assert all(isinstance(results[n], ConnectionError) for n in range(4)), results
    assert len(calls) == 2 and time.monotonic() - started < 0.9


def test_an_edit_handed_over_as_the_idle_thread_leaves_is_committed(db, monkeypatch):
    """The idle thread found the queue empty and was about to leave when an edit came: the edit's ``_started`` saw
    the leaving thread's pid, started none, and the edit waited for ever."""
    monkeypatch.setattr(group_commit, "IDLE", 0.05)
    committer, (conn, obj) = Committer(db), objects(db)
    committer.apply(lambda o: o.__setitem__("value", 1), obj["a"])
    late, handed_over = [], threading.Event()

    class Waiting(type(committer.waiting)):
        def empty(self):
            found = super().empty()
            if found and not late:  # the idle thread's last look: an edit comes right after it
                late.append(in_threads([lambda: committer.apply(lambda o: o.__setitem__("value", 2), obj["a"])]))
                handed_over.wait(1)
                time.sleep(0.1)  # its _started has looked
            return found

        def put(self, item):
            super().put(item)
            handed_over.set()

    committer.waiting = Waiting()
    (thread,), results = wait_for(late)
    thread.join(5)
    assert results == {0: None} and stored(db, "a") == 2
    conn.close()


def wait_for(found, seconds=5):
    deadline = time.monotonic() + seconds
    while not found and time.monotonic() < deadline:
        time.sleep(0.01)
    return found[0]


def test_an_edit_for_a_closed_database_gets_an_error_instead_of_waiting_for_ever(tmp_path):
    """The thread's connection could not be opened (the database was closed: a server stopping with requests still
    in flight): the thread died before taking any edit, its pid stayed, and this edit and every later one waited."""
    db = DB(FileStorage(str(tmp_path / "Data.fs")))
    with db.transaction() as conn:
        conn.root()["a"] = PersistentMapping(value=0)
    conn = db.open()
    a = conn.root()["a"]
    committer = Committer(db)
    db.close()
    for _ in range(2):
        threads, results = in_threads([lambda: committer.apply(lambda o: o.__setitem__("value", 1), a)])
        threads[0].join(5)
        assert not threads[0].is_alive() and isinstance(results[0], Exception)


def test_a_zeo_server_gone_is_given_to_the_edits_not_run_again_as_a_conflict(tmp_path):
    """ZEO's ClientDisconnected is a TransientError: the group was run again ATTEMPTS times as for a conflict, each
    waiting for a reconnection (30 s by default) while every other edit of the process waited behind it; a storage
    failure is given to the group's edits at once (pyramid_retry runs their requests again)."""
    from ZEO.ClientStorage import ClientStorage
    from ZEO.Exceptions import ClientDisconnected
    from processes import RunZeo

    zeo = RunZeo(tmp_path)
    db = DB(ClientStorage(("127.0.0.1", zeo.port), wait_timeout=1))
    try:
        with db.transaction() as conn:
            conn.root()["a"] = PersistentMapping(value=0)
        committer, conn = Committer(db), db.open()
        a, runs = conn.root()["a"], []

        def increment(o):
            runs.append(1)
            o["value"] += 1

        committer.apply(increment, a)
        zeo.stop()
        with pytest.raises(ClientDisconnected):
            committer.apply(increment, a)
        assert len(runs) == 2
    finally:
        zeo.stop()
        db.close()


def test_a_group_transaction_says_which_requests_made_it(db):
    committer, (conn, obj) = Committer(db), objects(db)
    before = db.storage.lastTransaction()
    committer.apply(lambda o: o.__setitem__("value", 3), obj["a"], note="/api/dashboards/x")
    assert [t.description for t in transactions_since(db, before)] == [b"/api/dashboards/x"]
    conn.close()


def test_each_edit_of_a_group_answers_what_it_stored_not_what_a_later_one_did(dashboard_app, make_user):
    """Two renames of one dashboard committed in one group: each answer names its own title (the answer is made by
    the edit, on the state right after it), and the one made last is stored."""
    from dashboard.testing import Client

    make_user("ann")
    clients = [Client(dashboard_app) for _ in range(2)]
    for client in clients:
        assert client.login("ann").status_int == 303
    did = clients[0].get_json("/api/dashboards")["dashboards"][0]["id"]
    committer, held = dashboard_app.registry.dashboard_committer, Held()
    db = dashboard_app.registry._zodb_databases[""]
    with db.transaction() as setup:
        setup.root()["holder"] = PersistentMapping(value=0)
    conn = db.open()
    first, _ = in_threads([lambda: committer.apply(held, conn.root()["holder"])])
    assert held.running.wait(10)
    renames, answers = in_threads([lambda n=n: clients[n].patch_json(f"/api/dashboards/{did}", {"title": f"T{n}"})
                                   for n in range(2)])
    time.sleep(0.3)  # both handed over while the first group is being made
    held.release.set()
    for t in first + renames:
        t.join(10)
    assert [answers[n]["title"] for n in range(2)] == ["T0", "T1"]
    assert (committer.transactions, committer.edits) == (2, 3)  # the two renames in one transaction
    stored = clients[0].get_json(f"/api/dashboards/{did}")["title"]
    assert stored in ("T0", "T1")
    conn.close()


# Review: what crosses between the committer's thread and the request's


def test_no_edit_hands_a_persistent_object_of_the_committers_connection_to_its_request(user_client, dashboard_app,
                                                                                      monkeypatch):
    """An edit returns plain values: a persistent object it returned is one of the committer's connection, used by
    the committer's thread meanwhile (removing a gadget returned the instance removed)."""
    from persistent import Persistent

    committer, results = committer_of(dashboard_app), []
    apply = committer.apply
    monkeypatch.setattr(committer, "apply", lambda *args, **kw: results.append(apply(*args, **kw)) or results[-1])
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    iid = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})["id"]
    user_client.patch_json(f"/api/dashboards/{did}/gadgets/{iid}", {"minimized": True})
    user_client.delete_json(f"/api/dashboards/{did}/gadgets/{iid}")
    user_client.post_json(f"/api/dashboards/{did}/gadgets/{iid}/restore", {})
    user_client.form_post(f"/d/{did}/g/{iid}/remove")
    user_client.form_post(f"/d/{did}/g/{iid}/restore")
    user_client.form_post(f"/d/{did}/add", {"gadget": "clock"})
    assert len(results) == 7
    assert not [r for r in results if isinstance(r, Persistent)]


def test_a_form_edits_request_reads_nothing_from_the_database_after_its_edit(user_client, dashboard_app, monkeypatch):
    """The page forms answered with a redirect to the dashboard made from the request's copy of it, which the edit
    had just changed: a load, after the commit, of what the committer had just written (docs/admin.md: an edit's
    request does not read the dashboard it changes). The redirect is made from the URL's id."""
    from pyramid.threadlocal import get_current_request

    import dashboard.app

    loads = []
    real = dashboard.app.committed

    def counting(conn, *args, **kw):
        result = real(conn, *args, **kw)
        conn.getTransferCounts(True)
        get_current_request().add_response_callback(lambda request, response: loads.append(
            conn.getTransferCounts()[0]))
        return result

    monkeypatch.setattr(dashboard.app, "committed", counting)
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    iid = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})["id"]
    user_client.form_post(f"/d/{did}/rename", {"title": "Renamed"})
    user_client.form_post(f"/d/{did}/layout", {"layout": "AAA"})
    user_client.form_post(f"/d/{did}/g/{iid}/remove")
    user_client.form_post(f"/d/{did}/g/{iid}/restore")
    assert loads == [0] * 5


def test_the_guide_says_which_edits_commit_in_their_own_requests_and_how_often_a_conflicting_group_runs(world):
    """docs/admin.md said every editor edit, from the API too, was handed to the group committer, and that a conflict
    ran the group again 3 times: a trusted application's edit is made in its own request's transaction (the request
    has written the signature it accepted, a change of its own: group_commit.committed), as is the default dashboard's
    first edit (which stores it), and a conflicting group is run ATTEMPTS times in all."""
    from pathlib import Path

    from test_signed_requests import send, trusted_headers

    committer, path = committer_of(world["app"]), f"/api/dashboards/{world['ids']['did']}"
    before = committer.transactions
    res = send(world["anon"], "PATCH", path, trusted_headers(world, path, "PATCH"), {"title": "From the wiki"})
    assert res.status_int == 200 and res.json["title"] == "From the wiki"
    assert committer.transactions == before  # not group-committed
    guide = (Path(__file__).parents[1] / "docs" / "admin.md").read_text()
    said = " ".join(guide[guide.index("**Group commit.**"):guide.index("**ZEO's edits against")].split())
    assert "a trusted application's" in said and "default dashboard's first edit" in said
    assert f"({group_commit.ATTEMPTS} runs in all," in said


def test_an_edit_whose_thread_could_not_be_started_is_not_committed_later(db, monkeypatch):
    """No thread could be started for an edit (``can't start new thread``: the process is out of threads): its request
    got the error, yet the edit stayed queued and the next edit's thread committed it, after the user had been told it
    failed (and had perhaps added the gadget again)."""
    committer, (conn, obj) = Committer(db), objects(db)

    class NoThread(threading.Thread):
        def start(self):
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(group_commit.threading, "Thread", NoThread)
    with pytest.raises(RuntimeError):
        committer.apply(lambda o: o.__setitem__("value", o["value"] + 1), obj["a"])
    monkeypatch.undo()
    committer.apply(lambda o: o.__setitem__("value", o["value"] + 10), obj["b"])
    assert (stored(db, "a"), stored(db, "b")) == (0, 10)
    conn.close()
