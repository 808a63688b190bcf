"""(b) A dashboard of 20 credentialed gadgets whose upstream answers after 200 ms: how long until all 20 frames
have their data, loading them all at once as a browser loads a page's frames.

    .venv/bin/python bench/slow_upstreams.py [--gadgets 20] [--delay 0.2] [--threads 32] [--server waitress|cheroot]

Target: all data within 1.3 x the upstream delay. Waitress serves requests on a thread pool, so the server needs
at least as many threads as frames loading at once (``threads`` in the ini file's [server:main]).
"""
import argparse
import statistics
import threading
import time

import requests

from brokerbench import Upstream, start
from processes import add_server_option


def load_all(frames):
    done = []

    def load(url):
        body = requests.get(url, timeout=30).text
        assert '{"value": 42}' in body.replace("&#34;", '"').replace("&quot;", '"'), body[-300:]
        done.append(time.perf_counter())

    t0 = time.perf_counter()
    threads = [threading.Thread(target=load, args=(f,)) for f in frames]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [d - t0 for d in done]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gadgets", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    add_server_option(parser)
    args = parser.parse_args()
    upstream = Upstream(delay=args.delay)
    server, frames, _ = start(upstream, gadgets=args.gadgets, threads=args.threads, server=args.server)
    totals = []
    try:
        load_all(frames)  # warm up
        for _ in range(args.rounds):
            totals.append(max(load_all(frames)))
    finally:
        server.stop()
        upstream.close()
    total = statistics.median(totals)
    print(f"{args.gadgets} gadgets, upstream delay {args.delay * 1000:.0f} ms, {args.server} with {args.threads} threads")
    print(f"all data after (median of {args.rounds} rounds): {total * 1000:7.1f} ms "
          f"(rounds: {', '.join(f'{t * 1000:.0f}' for t in totals)})")
    print(f"ratio to the upstream delay:            {total / args.delay:7.2f}x   (target <= 1.3x)")


if __name__ == "__main__":
    main()
