"""(b) A dashboard of 20 credentialed gadgets whose upstream answers after 200 ms: how long until all 20 frames
have their data, loading them all at once as a browser loads a page's frames.

    .venv/bin/python bench/slow_upstreams.py [--gadgets 20] [--delay 0.2] [--threads 32] [--server waitress|cheroot]

Target: all data within 1.3 x the upstream delay. The server serves requests on a thread pool, so it needs at least
as many threads as frames loading at once (``threads`` in the ini file's [server:main]).

The upstream runs in its own process and each frame is loaded on a new connection with http.client: the time
measured is the server's, not the load generator's (a heavier client such as requests, or an upstream sharing its
interpreter lock, would add its own milliseconds to every one of the 20 loads).
"""
import argparse
import http.client
import statistics
import threading
import time
from urllib.parse import urlsplit

from brokerbench import UpstreamProcess, start
from processes import add_server_option


def get(url):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", f"{parts.path}?{parts.query}")
        return conn.getresponse().read().decode()
    finally:
        conn.close()


def load_all(frames):
    done = []

    def load(url):
        body = get(url)
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
    upstream = UpstreamProcess("plain", args.delay)
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
