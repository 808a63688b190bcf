"""Every server-side fetch ends at its deadline or its byte limit, whatever the upstream does, and says why.

The upstreams are real servers on 127.0.0.1 (tests/hostile.py) that trickle, hang, send without end, or are not
there at all."""
import time

import pytest

from dashboard.broker.fetch import FetchError, safe_fetch
from hostile import RawServer, closed_port, endless_body, hang, trickle
from httpserver import slow

LOOPBACK = ["127.0.0.1"]
MARGIN = 1.0  # seconds past the deadline that a loaded 2-core machine may need to notice it


@pytest.fixture
def serve():
    servers = []

    def start(handle):
        servers.append(RawServer(handle))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def timed(url, **kw):
    started = time.monotonic()
    with pytest.raises(FetchError) as failed:
        safe_fetch(url, allow_hosts=LOOPBACK, **kw)
    return time.monotonic() - started, str(failed.value)


@pytest.mark.parametrize("headers_first, cause", [
    (False, "did not answer within 3 seconds"),               # the status line itself trickles in
    (True, "did not send its whole answer within 3 seconds"),  # headers at once, then the body byte by byte
])
def test_a_trickling_upstream_ends_at_the_deadline_not_at_a_read_timeout(serve, headers_first, cause):
    # a byte every 2 s: no single read ever waits as long as the 3 s deadline, so only a total deadline ends it
    server = serve(trickle(2.0, headers_first))
    elapsed, message = timed(server.url + "/", deadline=3)
    assert 3 - 0.1 <= elapsed < 3 + MARGIN
    assert message == f"127.0.0.1 {cause}"


def test_the_deadline_covers_redirects_too():
    from httpserver import Upstream

    def slow_redirect(handler):
        time.sleep(0.6)
        return 302, {"Location": "/slow"}, b""

    server = Upstream({"/slow": slow(0.6), "/slow-redirect": slow_redirect})
    try:
        assert safe_fetch(server.url + "/slow", allow_hosts=LOOPBACK, deadline=1).body == b"late"  # one hop fits
        elapsed, message = timed(server.url + "/slow-redirect", deadline=1)  # two do not
        assert elapsed < 1 + MARGIN and message == "127.0.0.1 did not answer within 1 seconds"
    finally:
        server.close()


def test_a_hanging_upstream_did_not_answer(serve):
    server = serve(hang)
    elapsed, message = timed(server.url + "/", deadline=1)
    assert 0.9 <= elapsed < 1 + MARGIN
    assert message == "127.0.0.1 did not answer within 1 seconds"


def test_a_closed_port_refused_the_connection_at_once():
    elapsed, message = timed(f"http://127.0.0.1:{closed_port()}/", deadline=5)
    assert elapsed < 0.5
    assert message == "127.0.0.1 refused the connection"  # not "did not answer within 5 seconds"


@pytest.mark.parametrize("content_length", [None, 10**12])
def test_an_endless_body_is_cut_at_the_byte_limit_by_closing_the_connection(serve, content_length):
    server = serve(endless_body(content_length))
    started = time.monotonic()
    elapsed, message = timed(server.url + "/", max_bytes=1024 * 1024, deadline=30)
    assert message == "the response is larger than 1024 KiB"
    assert elapsed < 2, "the body was read on past the limit"
    # the server saw the connection closed at once, not after 30 s of sending
    for _ in range(40):
        if any(e[0] == "closed" for e in server.events):
            break
        time.sleep(0.05)
    closed = [e for e in server.events if e[0] == "closed"]
    assert closed and closed[0][1] - started < 3
    assert getattr(server, "sent", 0) < 16 * 1024 * 1024  # a limit plus socket buffers, not a drained stream


def test_a_fast_answer_is_unaffected_and_its_connection_kept_for_the_next(serve):
    from httpserver import Upstream

    server = Upstream({"/ok": (200, {}, b"fine")})
    try:
        for _ in range(3):
            assert safe_fetch(server.url + "/ok", allow_hosts=LOOPBACK, deadline=0.5).body == b"fine"
        time.sleep(0.7)  # past the earlier fetches' deadlines: their watchdog must not touch the kept connection
        assert safe_fetch(server.url + "/ok", allow_hosts=LOOPBACK, deadline=0.5).body == b"fine"
    finally:
        server.close()


RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Local news</title>'
       b"<item><title>Fresh story</title><link>https://example.org/1</link></item></channel></rss>")


@pytest.fixture
def limited_app(dashboard_settings):
    """An app allowing 2 fetches in flight per user and 3 per upstream host; logged-in alice, bob and carol."""
    from brokerworld import make_app
    from dashboard.models import User
    from dashboard.testing import PASSWORD, Client, app_root_of

    app, _, alice = make_app({**dashboard_settings, "dashboard.fetch_per_user": "2", "dashboard.fetch_per_host": "3",
                                "dashboard.data_cache_entries": "0"})  # identical loads must not be merged
    with app_root_of(app) as root:
        root.add_user(User("carol", PASSWORD))
    clients = {"alice": alice, "bob": Client(app), "carol": Client(app)}
    clients["bob"].login("bob")
    clients["carol"].login("carol")
    yield app, clients
    app.registry._zodb_databases[""].close()


def test_one_user_beyond_their_fetches_in_flight_is_told_busy_at_once_while_others_get_data(limited_app):
    import threading

    from dashboard.broker.limits import limits_for
    from dashboard.testing import add_gadget
    from httpserver import Upstream, gated

    app, clients = limited_app
    gate = threading.Event()
    feeds = Upstream({"/slow": gated(gate, RSS), "/fast": (200, {}, RSS)})
    other_host = Upstream({"/fast": (200, {}, RSS)})
    limits = limits_for(app.registry)
    assert (limits.per_user, limits.per_host, limits.deadline) == (2, 3, 10)

    def frame(client, url):
        return client.get(add_gadget(client, "feed-reader", {"feed_url": url})[1]["frame_url"], status="*")

    held, threads = [], []
    host = f"127.0.0.1:{feeds.port}"

    def hold(client, count, in_flight_after):
        """Start ``count`` frame loads that wait on the gated upstream; return once the host has
        ``in_flight_after`` fetches in flight."""
        for _ in range(count):
            frame_url = add_gadget(client, "feed-reader", {"feed_url": feeds.url + "/slow"})[1]["frame_url"]
            threads.append(threading.Thread(target=lambda u=frame_url: held.append(client.get(u, status="*"))))
            threads[-1].start()
        for _ in range(200):
            if limits.in_flight(host=host) >= in_flight_after:
                return
            time.sleep(0.05)

    try:
        hold(clients["alice"], 2, in_flight_after=2)
        assert limits.in_flight(user="alice") == 2
        # alice's third load: answered at once, not after the upstream
        started = time.monotonic()
        busy = frame(clients["alice"], feeds.url + "/fast")
        assert time.monotonic() - started < 1
        assert busy.status_int == 503 and busy.headers["Retry-After"] == "3"
        assert 'data-state="busy"' in busy.text and "you already have 2 requests" in busy.text
        assert '<meta http-equiv="refresh" content="3">' in busy.text
        # bob, meanwhile, gets his data from the same host
        assert "Fresh story" in frame(clients["bob"], feeds.url + "/fast").text
        # one more slow load (carol's) fills the host's 3: bob is told busy for that host, not for another one
        hold(clients["carol"], 1, in_flight_after=3)
        busy = frame(clients["bob"], feeds.url + "/fast")
        assert busy.status_int == 503 and f"{host} already has 3 requests" in busy.text
        assert "Fresh story" in frame(clients["bob"], other_host.url + "/fast").text
        gate.set()
        for thread in threads:
            thread.join(10)
        assert [r.status_int for r in held] == [200, 200, 200] and all("Fresh story" in r.text for r in held)
        assert limits.in_flight(user="alice") == limits.in_flight(host=host) == 0
        assert "Fresh story" in frame(clients["alice"], feeds.url + "/fast").text  # the slots came back
    finally:
        gate.set()
        feeds.close()
        other_host.close()
