"""A user whose fetches to one host keep failing (an endless body, a hang, a refused connection) stops costing the
server a fetch per reload: after 3 failures within ``dashboard.fetch_backoff`` seconds, that user's fetches to that
host fail at once until the window has passed. Other users, and other hosts, are not affected."""
import time

import pytest

from dashboard.broker.fetch import FetchError
from dashboard.broker.limits import Busy, FetchLimits
from hostile import RawServer, closed_port, endless_body

LOOPBACK = ("127.0.0.1",)


@pytest.fixture
def endless():
    server = RawServer(endless_body())
    yield server
    server.close()


def test_three_failures_back_off_that_user_from_that_host(endless):
    limits = FetchLimits(backoff=1.5)
    for _ in range(3):
        with pytest.raises(FetchError, match="larger than"):
            limits.fetch("alice", endless.url + "/feed", allow_hosts=LOOPBACK, max_bytes=100_000)
    started = time.monotonic()
    with pytest.raises(Busy, match="failed your last 3 requests") as busy:
        limits.fetch("alice", endless.url + "/feed", allow_hosts=LOOPBACK, max_bytes=100_000)
    assert time.monotonic() - started < 0.05 and busy.value.retry_after in (1, 2)
    # bob is not alice; and another host is not this one
    with pytest.raises(FetchError, match="larger than"):
        limits.fetch("bob", endless.url + "/feed", allow_hosts=LOOPBACK, max_bytes=100_000)
    with pytest.raises(FetchError, match="refused"):
        limits.fetch("alice", f"http://127.0.0.1:{closed_port()}/x", allow_hosts=LOOPBACK)
    time.sleep(1.6)
    with pytest.raises(FetchError, match="larger than"):  # the window has passed: tried again
        limits.fetch("alice", endless.url + "/feed", allow_hosts=LOOPBACK, max_bytes=100_000)


def test_failures_spread_wider_than_the_window_do_not_back_off():
    limits = FetchLimits(backoff=0.5)
    url = f"http://127.0.0.1:{closed_port()}/x"
    for _ in range(4):
        with pytest.raises(FetchError, match="refused"):
            limits.fetch("alice", url, allow_hosts=LOOPBACK)
        time.sleep(0.3)
