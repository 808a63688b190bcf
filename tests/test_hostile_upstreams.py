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

