"""Nothing is lost under concurrency: 8 threads x 50 edits on one dashboard through a real waitress server."""
import random
import threading

from livehelpers import HttpUser

THREADS, EDITS, ADDS = 8, 50, 6


def test_every_acknowledged_edit_is_stored(live_server, make_user):
    make_user("alice")
    setup = HttpUser(live_server.url, "alice")
    did = setup.call("GET", "/api/dashboards").json()["dashboards"][0]["id"]
    failures, expected = [], {}  # instance id -> {"column": c, "hour_format": h}
    lock = threading.Lock()

    def worker(n):
        rng = random.Random(n)
        user = HttpUser(live_server.url, "alice")
        mine = {}
        for i in range(EDITS):
            if i < ADDS:
                column = rng.randrange(3)
                res = user.call("POST", f"/api/dashboards/{did}/gadgets",
                                {"gadget": "clock", "column": column, "prefs": {"hour_format": "24"}})
                if res.status_code == 201:
                    mine[res.json()["id"]] = {"column": column, "hour_format": "24"}
            elif i % 2:
                iid, column = rng.choice(sorted(mine)), rng.randrange(3)
                res = user.call("PATCH", f"/api/dashboards/{did}/gadgets/{iid}",
                                {"column": column, "position": rng.randrange(4)})
                if res.status_code == 200:
                    mine[iid]["column"] = column
            else:
                iid, fmt = rng.choice(sorted(mine)), rng.choice(["12", "24"])
                res = user.call("PATCH", f"/api/dashboards/{did}/gadgets/{iid}", {"prefs": {"hour_format": fmt}})
                if res.status_code == 200:
                    mine[iid]["hour_format"] = fmt
            if res.status_code >= 300:
                with lock:
                    failures.append((res.status_code, res.text[:200]))
        with lock:
            expected.update(mine)

    setup.call("PATCH", f"/api/dashboards/{did}", {"layout": "AAA"})
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []  # conflicts were retried, never surfaced
    dash = setup.call("GET", f"/api/dashboards/{did}").json()
    stored = {i["id"]: {"column": c, "hour_format": i["prefs"]["hour_format"]}
              for c, col in enumerate(dash["columns"]) for i in col}
    assert len(expected) == THREADS * ADDS
    assert stored == expected
