"""Issue 17: no request walks a whole tree, the admin pages and /api/admin/users page, the audit log is indexed and
pruned. Costs are measured as objects loaded from the real FileStorage with every object cache emptied first."""
import re
import time

import pytest
from argon2 import PasswordHasher
from ZODB.mvccadapter import MVCCAdapterInstance

from dashboard.broker import audit
from dashboard.models import User
from dashboard.models.provider_side import Consumer, IssuedToken, TrustedApp, store_token
from dashboard.testing import Client, app_root_of


@pytest.fixture
def cheap_passwords(monkeypatch):
    """The bulk users never log in: a cheap hash makes hundreds of them in a moment."""
    monkeypatch.setattr("dashboard.models.users._hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def loads(monkeypatch, dashboard_app):
    """``loads(call)``: how many objects ``call()`` loads from the storage, with every connection's cache empty."""
    count = [0]
    original = MVCCAdapterInstance.load

    def counting(self, oid):
        count[0] += 1
        return original(self, oid)

    monkeypatch.setattr(MVCCAdapterInstance, "load", counting)

    def measure(call):
        dashboard_app.registry._zodb_databases[""].cacheMinimize()
        before = count[0]
        call()
        return count[0] - before

    return measure


def grow(app, start, stop):
    """Users u{n} (each with an access token of consumer c{n % 7}), consumers c{n}, trusted apps t{n} and one audit
    entry per user, for n in [start, stop)."""
    box = app.registry.dashboard_secretbox
    db = app.registry._zodb_databases[""]
    with app_root_of(app) as root:
        for n in range(start, stop):
            name = f"u{n:05d}"
            root.add_user(User(name, "a cheap password"))
            root["consumers"][f"c{n:05d}"] = Consumer(f"c{n:05d}", f"App {n}", shared_secret_enc=box.encrypt("s" * 16))
            root["trusted_apps"][f"t{n:05d}"] = TrustedApp(f"t{n:05d}", f"Trusted {n}", "key", ["127.0.0.1"], ["/*"])
            issued = IssuedToken(f"T{n:031d}", box.encrypt("secret"), f"c{n % 7:05d}", "access", 3600)
            issued.user = name
            store_token(root, issued)
    for n in range(start, stop):
        audit.record(db, user=f"u{n:05d}", provider="bench", method="GET", url="https://x.test/", status=200)
    audit.flush(db)


PAGES = [("anon", "/login"), ("admin", "/admin"), ("admin", "/api/admin/users"),
         ("admin", "/api/admin/users?prefix=u001"), ("admin", "/admin/consumers"), ("admin", "/admin/trusted"),
         ("admin", "/admin/audit"), ("admin", "/admin/audit?user=alice"), ("admin", "/admin/audit?provider=bench"),
         ("admin", "/tokens?all=1"), ("user", "/tokens"), ("user", "/connections")]


def test_no_page_reads_more_at_1000_users_than_at_250(dashboard_app, admin_client, user_client, cheap_passwords,
                                                      loads):
    clients = {"anon": Client(dashboard_app), "admin": admin_client, "user": user_client}

    def costs():
        return {path: loads(lambda: clients[who].app.get(path, status=200)) for who, path in PAGES}

    grow(dashboard_app, 0, 250)  # more than a page of everything, and than the audit page's 200
    small = costs()
    grow(dashboard_app, 250, 1000)
    big = costs()
    # a BTree one level deeper may cost a load or two more; a walk would cost dozens of buckets
    grown = {path: (small[path], big[path]) for path in small if big[path] > small[path] + 3}
    assert not grown, f"pages that read more objects at 1000 users than at 250: {grown}"
    assert small["/login"] < 15 and small["/api/admin/users"] < 120, small


def test_the_login_page_asks_for_a_first_user_until_there_is_one(dashboard_app, anon_client, make_user):
    assert "users add YOURNAME --admin" in anon_client.get("/login").text
    make_user("ann")
    assert "users add YOURNAME" not in Client(dashboard_app).get("/login").text
    with app_root_of(dashboard_app) as root:
        assert root.user_count == 1
        with pytest.raises(KeyError):
            root.add_user(User("ann", "another password"))
        assert root.user_count == 1
        root.remove_user("ann")
        assert root.user_count == 0


def test_users_are_paged_by_name_prefix_and_cursor(dashboard_app, admin_client, cheap_passwords):
    with app_root_of(dashboard_app) as root:
        for n in range(120):
            root.add_user(User(f"u{n:03d}", "a cheap password"))
    seen, url, pages = [], "/api/admin/users", 0
    while url:
        answer = admin_client.get_json(url)
        assert len(answer["users"]) <= 50
        seen += [u["name"] for u in answer["users"]]
        url = answer["next"] and f"/api/admin/users?next={answer['next']}"
        pages += 1
    assert pages == 3
    assert seen == sorted(["root"] + [f"u{n:03d}" for n in range(120)])
    found = admin_client.get_json("/api/admin/users?prefix=u04")
    assert [u["name"] for u in found["users"]] == [f"u04{n}" for n in range(10)] and found["next"] is None
    assert admin_client.get_json("/api/admin/users?prefix=u0&next=u095")["users"][-1]["name"] == "u099"
    page = admin_client.get("/admin?prefix=u")
    names = re.findall(r"<tr><td><a [^>]*>(u\d+)</a></td>", page.text)
    assert names == [f"u{n:03d}" for n in range(50)]
    following = page.html.find("a", rel="next")["href"]
    assert "next=u050" in following and "prefix=u" in following
    assert re.findall(r"<tr><td><a [^>]*>(u\d+)</a></td>", admin_client.get(following).text)[0] == "u050"


def _token(root, box, token, consumer, user):
    issued = IssuedToken(token, box.encrypt("secret"), consumer, "access", 3600)
    issued.user = user
    store_token(root, issued)
    return issued.id


def test_issued_tokens_are_found_through_their_indexes(dashboard_app, user_client, admin_client, monkeypatch):
    from dashboard.views import oauth_provider

    monkeypatch.setattr(oauth_provider, "TOKENS_PAGE", 2)
    box = dashboard_app.registry.dashboard_secretbox
    with app_root_of(dashboard_app) as root:
        for key in ("one", "two"):
            root["consumers"][key] = Consumer(key, f"App {key}", shared_secret_enc=box.encrypt("s" * 16))
        mine = [_token(root, box, f"A{n:031d}", "one", "alice") for n in range(3)]
        theirs = _token(root, box, "B" * 32, "two", "root")
    page = user_client.get("/tokens")
    assert page.text.count('class="issued-token"') == 2
    rest = user_client.get(page.html.find("a", rel="next")["href"])
    assert rest.text.count('class="issued-token"') == 1 and not rest.html.find("a", rel="next")
    everyone = admin_client.get("/tokens?all=1")
    assert everyone.text.count('class="issued-token"') == 2 and "all=1" in everyone.html.find("a", rel="next")["href"]
    # alice cannot revoke root's token, nor walk into root's with a cursor
    user_client.form_post(f"/tokens/{theirs}/revoke", status=404)
    assert "App two" not in user_client.get("/tokens?next=root/" + theirs).text
    user_client.form_post(f"/tokens/{mine[0]}/revoke")
    admin_client.form_post(f"/tokens/{mine[1]}/revoke", {"all": "1"})
    with app_root_of(dashboard_app) as root:
        assert [root["oauth_tokens"][f"A{n:031d}"].kind for n in range(3)] == ["revoked", "revoked", "access"]
    admin_client.form_post("/admin/consumers/one", {"action": "remove"})
    with app_root_of(dashboard_app) as root:
        assert sorted(root["oauth_tokens"]) == ["B" * 32]
        assert list(root["oauth_tokens_by_consumer"]) == [("two", "B" * 32)]
        assert list(root["oauth_tokens_by_user"].items()) == [(("root", theirs), "B" * 32)]
        assert list(root["oauth_token_ids"]) == [theirs]


def test_consumers_and_trusted_applications_are_paged(dashboard_app, admin_client):
    box = dashboard_app.registry.dashboard_secretbox
    with app_root_of(dashboard_app) as root:
        for n in range(60):
            root["consumers"][f"c{n:02d}"] = Consumer(f"c{n:02d}", f"App {n}", shared_secret_enc=box.encrypt("s" * 16))
            root["trusted_apps"][f"t{n:02d}"] = TrustedApp(f"t{n:02d}", f"T {n}", "key", ["127.0.0.1"], ["/*"])
    for path, marker in (("/admin/consumers", 'class="consumer"'), ("/admin/trusted", 'class="trusted-app"')):
        page = admin_client.get(path)
        assert page.text.count(marker) == 50
        rest = admin_client.get(page.html.find("a", rel="next")["href"])
        assert rest.text.count(marker) == 10 and not rest.html.find("a", rel="next")


def test_the_audit_log_is_read_through_its_indexes_and_paged_by_time(dashboard_app, admin_client, user_client):
    db = dashboard_app.registry._zodb_databases[""]
    for n in range(250):
        audit.record(db, user="alice" if n % 5 == 0 else "bob", provider="jira" if n % 2 else "github",
                     method="GET", url=f"https://x.test/{n}", status=200)
    audit.flush(db)
    with app_root_of(dashboard_app) as root:
        assert len(root["audit_by_user"]) == len(root["audit_by_provider"]) == len(root.audit) == 250
        mine = audit.entries(root, user="alice", limit=1000)
        assert [e["url"] for e in mine] == [f"https://x.test/{n}" for n in range(245, -1, -5)]
        both, following = audit.page(root, user="alice", provider="jira", limit=10)
        assert [e["url"] for e in both] == [f"https://x.test/{n}" for n in range(245, 145, -10)]
        assert [e["url"] for e in audit.page(root, user="alice", provider="jira", before=following)[0]] == \
            [f"https://x.test/{n}" for n in range(145, -1, -10)]
    page = admin_client.get("/admin/audit")
    assert page.text.count("https://x.test/") == 200 and "x.test/249<" in page.text
    rest = admin_client.get(page.html.find("a", rel="next")["href"])
    assert rest.text.count("https://x.test/") == 50 and "x.test/49<" in rest.text and "x.test/50<" not in rest.text
    assert not rest.html.find("a", rel="next")
    filtered = admin_client.get("/admin/audit?user=alice&provider=github")
    assert filtered.text.count("https://x.test/") == 25
    connections = user_client.get("/connections")
    assert connections.text.count("https://x.test/") == 50 and "x.test/245<" in connections.text


def _urls(app):
    with app_root_of(app) as root:
        return {e["url"] for e in root.audit.values()}, len(root["audit_by_user"]), len(root["audit_by_provider"])


def test_entries_past_the_retention_are_pruned_in_the_background(tmp_path):
    from dashboard import main

    app = main({}, **{"zodbconn.uri": f"file://{tmp_path}/Data.fs", "dashboard.secret_file": f"{tmp_path}/secret",
                      "dashboard.audit_retention_days": str(3 / 86400),  # three seconds
                      "dashboard.audit_prune_minutes": "0.005"})  # every 0.3 s
    db = app.registry._zodb_databases[""]
    try:
        for n in range(3):
            audit.record(db, user="old", provider="p", url=f"https://x.test/old{n}")
        audit.flush(db)
        assert _urls(app)[0] == {f"https://x.test/old{n}" for n in range(3)}
        time.sleep(3.2)
        audit.record(db, user="new", provider="p", url="https://x.test/new")
        audit.flush(db)
        deadline = time.monotonic() + 2
        while any("old" in url for url in _urls(app)[0]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _urls(app) == ({"https://x.test/new"}, 1, 1)
    finally:
        db.close()


def test_pruning_deletes_in_transactions_of_500(dashboard_app):
    db = dashboard_app.registry._zodb_databases[""]
    for n in range(1200):
        audit.record(db, user=f"u{n % 3}", provider="p", url="https://x.test/")
    audit.flush(db)
    writer = audit.start(db, {"dashboard.audit_retention_days": "1"})
    last = db.lastTransaction()
    assert writer.prune() == 0 and db.lastTransaction() == last
    assert writer.prune(now=time.time() + 86400 + 5) == 1200
    notes = [t["description"] for t in db.undoLog(0, 5)]
    assert notes[:3] == ["audit: pruned 200 entries", "audit: pruned 500 entries", "audit: pruned 500 entries"]
    with app_root_of(dashboard_app) as root:
        assert not root.audit and not root["audit_by_user"] and not root["audit_by_provider"]
    audit.start(db, {})  # back to the defaults for whoever uses this database next


def test_a_bad_retention_setting_stops_the_start(dashboard_settings):
    from dashboard import main

    with pytest.raises(ValueError, match="audit_retention_days"):
        main({}, **dashboard_settings, **{"dashboard.audit_retention_days": "ninety"})


def test_evolve_builds_the_count_and_indexes_of_an_older_database(dashboard_app, make_user, admin_client):
    from dashboard.models.evolve import evolve

    db = dashboard_app.registry._zodb_databases[""]
    make_user("ann")
    box = dashboard_app.registry.dashboard_secretbox
    with app_root_of(dashboard_app) as root:
        root["consumers"]["one"] = Consumer("one", "App one", shared_secret_enc=box.encrypt("s" * 16))
        tid = _token(root, box, "A" * 32, "one", "ann")
    audit.record(db, user="ann", provider="p", url="https://x.test/")
    audit.flush(db)
    with app_root_of(dashboard_app) as root:  # as version 5 left it
        for key in ("user_count", "oauth_tokens_by_user", "oauth_token_ids", "oauth_tokens_by_consumer",
                    "audit_by_user", "audit_by_provider"):
            del root[key]
        root.schema_version = 5
    with app_root_of(dashboard_app) as root:
        assert evolve(root) == [6, 7, 8]
        assert root.user_count == 2  # ann and root
        assert list(root["oauth_tokens_by_user"].items()) == [(("ann", tid), "A" * 32)]
        assert [key[0] for key in root["audit_by_user"]] == ["ann"]
    assert "App one" in admin_client.get("/tokens?all=1").text
