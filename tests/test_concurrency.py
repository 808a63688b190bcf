"""Nothing is lost under concurrency: 8 threads x 50 edits on one dashboard through a real waitress server.

Conflicting commits are retried by the server (pyramid_retry); one that still conflicts on its last attempt is
refused with a 409 that says nothing changed, and the client tries again, as the message asks.
"""
import random
import threading

from livehelpers import HttpUser

THREADS, EDITS, ADDS = 8, 50, 6


def test_every_acknowledged_edit_is_stored(live_server, make_user):
    make_user("alice")
    setup = HttpUser(live_server.url, "alice")
    did = setup.call("GET", "/api/dashboards").json()["dashboards"][0]["id"]
    failures, refused, expected = [], [], {}  # expected: instance id -> {"column": c, "hour_format": h}
    lock = threading.Lock()

    def call(user, method, url, body):
        for _ in range(10):
            res = user.call(method, url, body)
            if res.status_code != 409:
                break
            assert "Nothing was changed; please try again." in res.json()["error"]
            with lock:
                refused.append(url)
        if res.status_code >= 300:
            with lock:
                failures.append((res.status_code, res.text[:200]))
        return res

    def worker(n):
        rng = random.Random(n)
        user = HttpUser(live_server.url, "alice")
        mine = {}
        for i in range(EDITS):
            if i < ADDS:
                column = rng.randrange(3)
                res = call(user, "POST", f"/api/dashboards/{did}/gadgets",
                           {"gadget": "clock", "column": column, "prefs": {"hour_format": "24"}})
                if res.status_code == 201:
                    mine[res.json()["id"]] = {"column": column, "hour_format": "24"}
            elif i % 2:
                iid, column = rng.choice(sorted(mine)), rng.randrange(3)
                res = call(user, "PATCH", f"/api/dashboards/{did}/gadgets/{iid}",
                           {"column": column, "position": rng.randrange(4)})
                if res.status_code == 200:
                    mine[iid]["column"] = column
            else:
                iid, fmt = rng.choice(sorted(mine)), rng.choice(["12", "24"])
                res = call(user, "PATCH", f"/api/dashboards/{did}/gadgets/{iid}", {"prefs": {"hour_format": fmt}})
                if res.status_code == 200:
                    mine[iid]["hour_format"] = fmt
        with lock:
            expected.update(mine)

    setup.call("PATCH", f"/api/dashboards/{did}", {"layout": "AAA"})
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"{len(refused)} of {THREADS * EDITS} edits still conflicted after the server's retries (409, tried again)")
    assert failures == []  # no 500, no other error
    dash = setup.call("GET", f"/api/dashboards/{did}").json()
    stored = {i["id"]: {"column": c, "hour_format": i["prefs"]["hour_format"]}
              for c, col in enumerate(dash["columns"]) for i in col}
    assert len(expected) == THREADS * ADDS
    assert stored == expected


def test_a_write_that_keeps_conflicting_is_retried_then_refused_with_409(dashboard_settings, caplog):
    """A commit conflict is retried (retry.attempts, with a random pause between tries); when the last attempt
    conflicts too, the client gets a 409 saying nothing was changed, not a 500."""
    from webtest import TestApp

    from dashboard import main
    from plugins_for_tests import conflicting

    app = TestApp(main({}, **{**dashboard_settings, "dashboard.plugins.extra": "plugins_for_tests.conflicting"}))
    del conflicting.attempts[:]
    res = app.post("/p/conflicting/save", status=409)
    assert conflicting.attempts == [0, 1, 2]
    assert ("This could not be saved because the same data was being changed at the same moment. Nothing was "
            "changed; please try again.") in res.text
    assert not [r for r in caplog.records if r.name.startswith("dashboard") and r.levelname == "ERROR"]  # not a fault
