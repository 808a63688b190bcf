"""One user's 40 gadgets on a hostile upstream, all loading at once against production's server: another user is
still served, and no load outlives the fetch deadline (bench/hostile_upstreams.py measures how much slower the
other user gets; this test asserts only that they are answered, and that nothing waits past the deadline)."""
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))


@pytest.mark.parametrize("kind", ["hang", "trickle", "endless"])
def test_forty_stuck_loads_of_one_user_leave_others_served(kind):
    from brokerbench import UpstreamProcess, start
    from hostile_upstreams import loads_in_flight, log_in, me_latencies

    upstream = UpstreamProcess("hostile", kind)
    server, frames, _ = start(upstream, gadgets=40, threads=32, server="cheroot", others=("other",))
    try:
        other = log_in(server.url, "other", "benchmark password")
        stop, outcomes = threading.Event(), []
        threads = loads_in_flight(frames, stop, outcomes)
        time.sleep(1)
        latencies = me_latencies(other, 3)  # every one answered 200, or it raises
        stop.set()
        for t in threads:
            t.join(timeout=30)
    finally:
        server.stop()
        upstream.close()
    assert len(latencies) > 10 and max(latencies) < 10  # the deadline: dashboard.fetch_deadline's default
    assert {kind for kind, _ in outcomes} <= {"busy", "deadline", "HTTP 200"}, outcomes
    assert sum(1 for k, _ in outcomes if k == "busy") >= 30  # beyond the user's 8 fetches in flight: busy at once
    assert max(seconds for _, seconds in outcomes) < 10 + 2
