"""100 users view one public feed gadget at the same moment: how many requests reach the feed's server, and how long
until every one of them has the headlines? With the data cache (the feed reader is cache="shared") and, as the
baseline in the same run, with it turned off (dashboard.data_cache_entries = 0).

    .venv/bin/python bench/shared_cache.py [--users 100] [--delay 0.2] [--threads 32] [--server cheroot|waitress]

Target: 1 upstream request with the cache. The server is production.ini's (cheroot, 32 threads, the default fetch
limits: 16 fetches in flight per upstream host); a view answered "busy" (503) is loaded again after its Retry-After,
as the frame reloads itself, so the baseline's time is until every user has the headlines.
"""
import argparse
import http.client
import tempfile
import threading
import time
from types import SimpleNamespace

from brokerbench import HERE  # noqa: F401  (puts bench/ and tests/ on the path)
from processes import Pserve, add_server_option, write_ini

RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench news</title>'
       b"<item><title>Bench story</title><link>https://example.org/1</link></item></channel></rss>")


def prepare(tmp, users, feed_url):
    """``users`` users, each with the feed reader on their dashboard; their frames' paths (frames need no login)."""
    from argon2 import PasswordHasher

    import dashboard.models.users
    from dashboard import main
    from dashboard.models import User
    from dashboard.rendering import frame_path
    from dashboard.testing import app_root_of

    dashboard.models.users._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # never log in
    settings = {"zodbconn.uri": f"file://{tmp}/Data.fs", "dashboard.secret_file": f"{tmp}/secret.key"}
    app = main({}, **settings)
    with app_root_of(app) as root:
        root.settings["fetch_allow_hosts"] = ("127.0.0.1",)
        placed = []
        for n in range(users):
            user = root.add_user(User(f"reader{n}", "benchmark password"))
            dash = user.ordered_dashboards()[0]
            placed.append((user, dash, dash.add("feed-reader", {"feed_url": feed_url, "count": 10})))
        time.sleep(0.01)  # frame links must be issued after the users' sessions began
        minting = SimpleNamespace(registry=app.registry, headers={}, GET={}, matched_route=None)  # as a page does
        paths = [frame_path(minting, *where) for where in placed]
    app.registry._zodb_databases[""].close()
    return settings["zodbconn.uri"], paths


def view_all(port, paths):
    """Every path at once, each on its own connection; a busy answer is loaded again after its Retry-After.
    Returns (seconds until all had the headlines, busy answers)."""
    busy, start = [], threading.Barrier(len(paths))

    def view(path):
        start.wait()
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                conn.request("GET", path)
                answer = conn.getresponse()
                body = answer.read()
            finally:
                conn.close()
            if answer.status == 503:
                busy.append(path)
                time.sleep(int(answer.getheader("Retry-After", "3")))
                continue
            assert answer.status == 200 and b"Bench story" in body, (answer.status, body[-300:])
            return

    threads = [threading.Thread(target=view, args=(p,)) for p in paths]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, len(busy)


def run(tmp, uri, paths, feed, args, name, entries):
    ini, port = write_ini(tmp, uri, name=f"{name}.ini", server=args.server, threads=args.threads,
                          app_settings={} if entries is None else {"dashboard.data_cache_entries": entries})
    server = Pserve(ini, port)
    try:
        before = len(feed.requests)
        seconds, busy = view_all(port, paths)
        calls = len(feed.requests) - before
        again, _ = view_all(port, paths)
        calls_again = len(feed.requests) - before - calls
    finally:
        server.stop()
    print(f"{name:9} {len(paths)} views at once: {calls:3} upstream request(s), all data after {seconds * 1000:7.0f} ms "
          f"({busy} busy answers retried); again at once: {calls_again} more, {again * 1000:.0f} ms")
    return seconds, calls


def main():
    from httpserver import Upstream, slow

    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the feed's server takes to answer")
    parser.add_argument("--threads", type=int, default=32)
    add_server_option(parser)
    args = parser.parse_args()
    feed = Upstream({"/feed": slow(args.delay, RSS, {"Content-Type": "application/rss+xml"})})
    try:
        with tempfile.TemporaryDirectory() as tmp:
            uri, paths = prepare(tmp, args.users, feed.url + "/feed")
            print(f"{args.users} users view one public feed gadget (cache='shared'); the feed answers in "
                  f"{args.delay * 1000:.0f} ms; {args.server} with {args.threads} threads")
            cached, calls = run(tmp, uri, paths, feed, args, "cached", None)
            baseline, base_calls = run(tmp, uri, paths, feed, args, "uncached", 0)
    finally:
        feed.close()
    print(f"upstream requests: {calls} with the cache (target 1), {base_calls} without")
    print(f"time until every user has the data: {baseline / cached:.1f}x faster with the cache "
          f"({cached * 1000:.0f} ms against {baseline * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
