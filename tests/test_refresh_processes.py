"""Exactly one refresh in flight per token across processes: 50 requests at expiry, two app processes, one ZEO."""
import threading

import requests

from twoprocesses import TwoProcesses


def test_fifty_requests_at_expiry_across_two_processes_refresh_once(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_GITHUB_URL", "")  # restored after the test; TwoProcesses sets it
    world = TwoProcesses(tmp_path)
    try:
        world.provider.refresh_delay = 0.3
        world.expire_tokens()
        statuses = []

        def call(url):
            statuses.append(requests.get(url, timeout=60).status_code)

        threads = [threading.Thread(target=call, args=(world.proxy_paths[n % 2],)) for n in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200] * 50
        assert world.provider.refresh_calls == 1
        assert world.provider.api_calls >= 50
    finally:
        world.close()
