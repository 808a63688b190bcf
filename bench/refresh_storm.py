"""(c) 50 concurrent requests at token expiry across 2 app processes sharing one ZEO server: how many refresh calls
reach the OAuth 2.0 provider (Authlib's server on loopback)? Target: exactly 1.

    .venv/bin/python bench/refresh_storm.py [--requests 50] [--rounds 3]
"""
import argparse
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import requests  # noqa: E402

from twoprocesses import TwoProcesses  # noqa: E402


def main():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the provider's line per request would bury the figures
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = TwoProcesses(tmp)
        try:
            world.provider.refresh_delay = 0.3
            for n in range(args.rounds):
                before = world.provider.refresh_calls
                world.expire_tokens()
                statuses, t0 = [], time.perf_counter()

                def call(url):
                    statuses.append(requests.get(url, timeout=60).status_code)

                threads = [threading.Thread(target=call, args=(world.proxy_paths[i % 2],))
                           for i in range(args.requests)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                ok = statuses.count(200)
                print(f"round {n + 1}: {args.requests} requests on 2 processes, {ok} answered 200, "
                      f"{world.provider.refresh_calls - before} refresh call(s) (target 1), "
                      f"{(time.perf_counter() - t0) * 1000:.0f} ms")
        finally:
            world.close()


if __name__ == "__main__":
    main()
