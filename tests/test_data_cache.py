"""The gadget data cache (issue 13, item 4) against real upstreams on 127.0.0.1 that count what they answer: one
upstream call per key and interval however many users load it at once, the last good data with its age while the
upstream fails, credentialed data kept per user and never shown to another, and ``cache="none"`` never kept."""
import http.client
import re
import threading
import time
from datetime import datetime
from types import SimpleNamespace

import pytest

from brokerworld import World, make_app
from dashboard.broker.cache import DataCache
from dashboard.declarations import DeclarationError, Gadget
from dashboard.testing import PASSWORD, Client, LiveServer, add_gadget, app_root_of
from httpserver import Upstream

RSS = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Local news</title>'
       '<item><title>{}</title><link>https://example.org/1</link></item></channel></rss>')


class Feed:
    """A feed on 127.0.0.1 whose n-th good answer is "Story n"; ``mode`` "ok", "500" or "hang" (until ``gate``)."""

    def __init__(self, delay=0.0):
        self.mode, self.delay, self.served = "ok", delay, 0
        self.gate, self.lock = threading.Event(), threading.Lock()
        self.server = Upstream({"/feed": self.answer})
        self.url = self.server.url + "/feed"

    @property
    def requests(self):
        return len(self.server.requests)

    def answer(self, handler):
        if self.mode == "hang":
            self.gate.wait(30)
        if self.mode == "500":
            return 500, {}, b"the feed is down"
        time.sleep(self.delay)
        with self.lock:
            self.served += 1
            story = f"Story {self.served}"
        return 200, {"Content-Type": "application/rss+xml"}, RSS.format(story).encode()


@pytest.fixture
def feed():
    feed = Feed()
    yield feed
    feed.gate.set()
    feed.server.close()


@pytest.fixture
def app_with(dashboard_settings, monkeypatch):
    """``app_with(**settings)``: an app with the cache tests' gadgets, fetch deadline 3 s, loopback allowed; users
    root, alice (logged in) and bob."""
    apps = []

    def make(**settings):
        app, admin, alice = make_app({**dashboard_settings, "dashboard.fetch_deadline": "3", **settings},
                                     "plugins_for_tests.cached")
        apps.append(app)
        return app, admin, alice

    yield make
    for app in apps:
        app.registry._zodb_databases[""].close()


def frames_for_new_users(app, monkeypatch, count, gadget_id, prefs):
    """``count`` new users, each with the gadget on their dashboard: their frames' paths (a frame needs no login)."""
    from argon2 import PasswordHasher

    from dashboard.models import User
    from dashboard.rendering import frame_path

    # these users never log in: a cheap password hash makes a hundred of them in a moment instead of 13 s
    monkeypatch.setattr("dashboard.models.users._hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    request = SimpleNamespace(registry=app.registry, headers={}, GET={}, matched_route=None)  # mints links as a page
    with app_root_of(app) as root:
        placed = []
        for n in range(count):
            user = root.add_user(User(f"reader{n}", PASSWORD))
            dash = user.ordered_dashboards()[0]
            placed.append((user, dash, dash.add(gadget_id, prefs)))
        time.sleep(0.01)  # a frame link issued in the millisecond a user's sessions began is not valid
        return [frame_path(request, *where) for where in placed]


def load_at_once(server, paths):
    """GET every path at the same moment, each on a connection of its own; [(status, body)]."""
    results, start = [], threading.Barrier(len(paths))

    def load(path):
        conn = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]), timeout=30)
        start.wait()
        try:
            conn.request("GET", path)
            answer = conn.getresponse()
            results.append((answer.status, answer.read().decode()))
        finally:
            conn.close()

    threads = [threading.Thread(target=load, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


# (a) one upstream call for a hundred users


def test_a_hundred_users_loading_one_shared_feed_at_once_make_one_upstream_request(app_with, monkeypatch):
    feed = Feed(delay=0.3)  # long enough for every load to arrive while the first is in flight
    app, _, _ = app_with()
    paths = frames_for_new_users(app, monkeypatch, 100, "feed-reader", {"feed_url": feed.url, "count": 10})
    server = LiveServer(app)
    try:
        results = load_at_once(server, paths)
        assert [status for status, _ in results] == [200] * 100
        assert all("Story 1" in body for _, body in results)
        assert feed.requests == 1
        results = load_at_once(server, paths)  # within the feed's 15 minutes: kept
        assert len(results) == 100 and all(status == 200 and "Story 1" in body for status, body in results)
        assert feed.requests == 1
    finally:
        server.stop()
        feed.server.close()


def test_waiting_for_the_call_in_flight_takes_none_of_the_users_fetch_slots(app_with, monkeypatch):
    feed = Feed(delay=0.5)
    app, _, _ = app_with(**{"dashboard.fetch_per_user": "2"})
    request = SimpleNamespace(registry=app.registry, headers={}, GET={}, matched_route=None)  # mints links as a page
    from dashboard.rendering import frame_path

    with app_root_of(app) as root:  # alice has the same feed five times; only 2 fetches may be in flight for her
        user = root.users["alice"]
        dash = user.ordered_dashboards()[0]
        paths = [frame_path(request, user, dash, dash.add("feed-reader", {"feed_url": feed.url, "count": 10}))
                 for _ in range(5)]
    server = LiveServer(app)
    try:
        results = load_at_once(server, paths)
        assert [status for status, _ in results] == [200] * 5  # none "busy": the four waited without a slot
        assert all("Story 1" in body for _, body in results) and feed.requests == 1
    finally:
        server.stop()
        feed.server.close()


# (b) the last good data, with its age, while the upstream fails; fresh data when it is back


def shown(page):
    """(story, as-of time or None, the stale note's text or None) in a frame."""
    story = re.search(r"Story \d+", page)
    note = re.search(r'data-state="stale"[^>]*>(.*?)</p>', page, re.S)
    as_of = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', page)
    return story and story.group(0), as_of and datetime.fromisoformat(as_of.group(1)), note and " ".join(
        re.sub(r"<[^>]+>", "", note.group(1)).split())


def test_while_the_upstream_fails_the_last_data_shows_with_its_age_then_fresh_data_when_it_is_back(app_with, feed):
    _, _, alice = app_with()
    _, inst = add_gadget(alice, "quick-feed", {"feed_url": feed.url})  # kept 2 s, for every user alike
    load = lambda: alice.get(inst["frame_url"]).text  # noqa: E731
    fetched = datetime.now().astimezone()
    assert shown(load()) == ("Story 1", None, None)

    feed.mode = "500"
    time.sleep(2.1)  # past the interval: the next load refreshes, and the refresh fails
    story, as_of, note = shown(load())
    assert story == "Story 1" and abs((as_of - fetched).total_seconds()) < 2
    assert note == f"Showing the data as of {as_of.strftime('%H:%M')} (The feed answered with HTTP status 500.); " \
                   "trying again."
    requests = feed.requests
    for _ in range(3):  # a failed refresh is not tried again by every load
        assert shown(load())[:2] == ("Story 1", as_of)
    assert feed.requests == requests

    feed.mode = "ok"
    time.sleep(2.1)  # back, and the interval has passed: fresh data
    assert shown(load()) == ("Story 2", None, None)

    feed.mode, fetched = "hang", datetime.now().astimezone()
    feed.gate.clear()
    time.sleep(2.1)
    started = time.monotonic()
    results = []
    threads = [threading.Thread(target=lambda: results.append(load())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert time.monotonic() - started < 2.5  # not the 3 s deadline: the last data after a second's wait
    assert [shown(page)[0] for page in results] == ["Story 2"] * 4
    assert all("trying again" in shown(page)[2] for page in results)
    assert feed.requests == requests + 2  # one refresh in the background for all four loads
    feed.mode = "ok"
    feed.gate.set()  # it answers the refresh in flight
    for _ in range(50):
        if shown(load()) == ("Story 3", None, None):
            break
        time.sleep(0.1)
    assert shown(load()) == ("Story 3", None, None)
    assert feed.requests == requests + 2


# (c) credentialed data: per user and account, never another's


@pytest.fixture
def github(app_with, monkeypatch):
    from dashboard.testing.oauth2 import OAuth2Provider

    provider = OAuth2Provider("http://localhost/connect/callback/oauth2")
    monkeypatch.setenv("DASHBOARD_GITHUB_URL", provider.url)
    app, admin, alice = app_with()
    world = World(app, provider, admin, alice)
    world.bob = Client(app)
    world.bob.login("bob")
    world.approve()
    yield world
    provider.close()


def test_credentialed_data_is_kept_per_user_and_never_shown_to_another(github):
    w = github
    did_a, mine = w.add("my-pulls")
    w.connect(did_a, mine)  # alice is octocat at the provider
    w.provider.user = "hubot"
    did_b, bobs = w.add("my-pulls", client=w.bob)
    w.connect(did_b, bobs, client=w.bob)  # bob is hubot
    calls = w.provider.api_calls
    for _ in range(3):
        page = w.get(w.alice, mine["frame_url"]).text
        assert "for octocat" in page and "hubot" not in page
        page = w.get(w.bob, bobs["frame_url"]).text
        assert "for hubot" in page and "octocat" not in page
    assert w.provider.api_calls == calls + 2  # each user's kept for that user: one call each

    # makeRequest through the proxy: the same, per user
    proxied = {}
    for client, name in ((w.alice, "octocat"), (w.bob, "hubot")):
        did, inst = w.add("my-proxy", client=client)
        proxied[name] = (client, f"/proxy/{did}/{inst['id']}?st={inst['frame_url'].split('st=')[1]}"
                                 f"&path=search/issues&state=open")
    for _ in range(2):
        for name, (client, url) in proxied.items():
            assert client.app.get(url).json["items"][0]["title"].endswith(f"for {name}")
    assert w.provider.api_calls == calls + 4


def test_bobs_load_does_not_wait_for_alices_call_in_flight(github):
    w = github
    did_a, mine = w.add("my-pulls")
    w.connect(did_a, mine)
    w.provider.user = "hubot"
    did_b, bobs = w.add("my-pulls", client=w.bob)
    w.connect(did_b, bobs, client=w.bob)
    pages = {}
    threads = [threading.Thread(target=lambda c=c, i=i, n=n: pages.__setitem__(n, w.get(c, i["frame_url"]).text))
               for c, i, n in ((w.alice, mine, "alice"), (w.bob, bobs, "bob"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert "for octocat" in pages["alice"] and "for hubot" in pages["bob"]


# (d) "none": every load calls the upstream


def test_a_gadget_declaring_cache_none_calls_its_upstream_every_time(app_with, feed):
    _, _, alice = app_with()
    _, never = add_gadget(alice, "never-feed", {"feed_url": feed.url})
    _, kept = add_gadget(alice, "quick-feed", {"feed_url": feed.url})
    stories = [shown(alice.get(never["frame_url"]).text)[0] for _ in range(4)]
    assert stories == ["Story 1", "Story 2", "Story 3", "Story 4"] and feed.requests == 4
    assert [shown(alice.get(kept["frame_url"]).text)[0] for _ in range(4)] == ["Story 5"] * 4
    assert feed.requests == 5


# the declaration and the bound


@pytest.mark.parametrize("fields, message", [
    ({"cache": "sometimes"}, "cache 'sometimes' is not one of user, shared, none"),
    ({"cache": "shared", "provider": "github"}, "cache 'shared' would show one user's github data to others"),
])
def test_the_cache_declaration_is_checked(fields, message):
    with pytest.raises(DeclarationError, match=re.escape(message)):
        Gadget(id="g", title="G", render=lambda ctx: "", **fields)


def test_the_default_is_none_and_a_provider_may_cache_per_user():
    assert Gadget(id="g", title="G", render=lambda ctx: "").cache == "none"
    assert Gadget(id="g", title="G", render=lambda ctx: "", provider="github", cache="user").cache == "user"


def test_the_cache_is_bounded_in_entries_and_bytes_least_recently_used_first_out():
    cache = DataCache(max_entries=3, max_bytes=100)
    for key in "abc":
        cache.get(key, 60, lambda k=key: k * 10, deadline=1)
    cache.get("a", 60, lambda: "not called", deadline=1)  # used: b is now the least recent
    cache.get("d", 60, lambda: "d" * 10, deadline=1)
    assert [cache.get(k, 60, lambda: None, deadline=1).value for k in "acd"] == ["a" * 10, "c" * 10, "d" * 10]
    assert cache.get("b", 60, lambda: "again", deadline=1).value == "again"  # evicted, so fetched again
    cache.get("big", 60, lambda: "x" * 70, deadline=1)  # 72 bytes of JSON: the others make room
    assert cache.bytes <= 100 and len(cache) <= 3
    assert cache.get("huge", 60, lambda: "x" * 200, deadline=1).value == "x" * 200  # shown, never kept
    assert cache.bytes <= 100 and cache.get("huge", 60, lambda: "fetched again", deadline=1).value == "fetched again"


def test_a_setting_of_0_entries_turns_the_cache_off():
    cache = DataCache.from_settings({"dashboard.data_cache_entries": "0"})
    values = iter(range(3))
    assert [cache.get("k", 60, lambda: next(values), deadline=1).value for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="dashboard.data_cache_bytes must be 0 or more"):
        DataCache.from_settings({"dashboard.data_cache_bytes": "-1"})
