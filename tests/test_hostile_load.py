"""One user's 40 gadgets on a hostile upstream, all loading at once against production's server: another user is
still served, and no load outlives the fetch deadline (bench/hostile_upstreams.py measures how much slower the
other user gets; this test asserts only that they are answered, and that nothing waits past the deadline)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))


@pytest.mark.parametrize("kind", ["hang", "trickle", "endless"])
def test_forty_stuck_loads_of_one_user_leave_others_served(kind):
    from hostile_upstreams import measure

    _, latencies, outcomes = measure(kind, seconds=3, idle=False)  # every /api/me answered 200, or it raises
    assert len(latencies) > 10 and max(latencies) < 10  # the deadline: dashboard.fetch_deadline's default
    assert {kind for kind, _ in outcomes} <= {"busy", "deadline", "HTTP 200"}, outcomes
    assert sum(1 for k, _ in outcomes if k == "busy") >= 30  # beyond the user's 8 fetches in flight: busy at once
    assert max(seconds for _, seconds in outcomes) < 10 + 2
