"""(a) A credentialed fetch through the broker (OAuth 1.0a HMAC-SHA1, via the proxy endpoint) vs a direct request
to the same loopback upstream, measured in the same run.

    .venv/bin/python bench/credentialed_fetch.py [--requests 400] [--clients 4] [--server waitress|cheroot]

Prints p50 latency of each, the p50 added by the broker (target <= 2 ms), each throughput and their ratio
(target >= 0.5x). A bare Pyramid view on the same server is measured too, to show how much of the added time is
the web stack itself (waitress, Pyramid, transaction) rather than the broker.
"""
import argparse
import http.client
import statistics
import threading
import time
from urllib.parse import urlsplit

from brokerbench import Upstream, start


def timed_requests(url, count):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    path = parts.path + ("?" + parts.query if parts.query else "")
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        times.append(time.perf_counter() - t0)
        assert resp.status == 200, resp.status
    conn.close()
    return times


def throughput(url, count, clients):
    threads = [threading.Thread(target=timed_requests, args=(url, count // clients)) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (count // clients) * clients / (time.perf_counter() - t0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", choices=("waitress", "cheroot"), default="waitress",
                        help="development.ini's server (waitress) or production.ini's (cheroot)")
    args = parser.parse_args()
    upstream = Upstream()
    server, frames, did = start(upstream, server=args.server)
    iid = frames[0].split("/frame/")[1].split("?")[0].split("/")[1]
    st = frames[0].split("st=")[1]
    brokered = f"{server.url}/proxy/{did}/{iid}?st={st}&path=data"
    direct = upstream.url + "/api/data"
    bare = server.url + "/p/bare_plugin/bare"
    for url in (brokered, direct, bare):
        timed_requests(url, 50)  # warm up
    lat = {"direct": [], "broker": [], "bare": []}
    thr = {"direct": [], "broker": [], "bare": []}
    for _ in range(args.rounds):  # alternate, so noise hits all alike
        for name, url in (("direct", direct), ("broker", brokered), ("bare", bare)):
            lat[name] += timed_requests(url, args.requests // 2)
            thr[name].append(throughput(url, args.requests, args.clients))
    server.stop()
    print(f"server: {args.server}, {args.clients} concurrent clients for throughput")
    p50 = {k: statistics.median(v) * 1000 for k, v in lat.items()}
    rate = {k: statistics.median(v) for k, v in thr.items()}
    print(f"direct request to the upstream:  p50 {p50['direct']:6.2f} ms   {rate['direct']:8.1f} req/s")
    print(f"through the broker (proxy):      p50 {p50['broker']:6.2f} ms   {rate['broker']:8.1f} req/s")
    print(f"bare Pyramid view, same server:  p50 {p50['bare']:6.2f} ms   {rate['bare']:8.1f} req/s")
    print(f"added at p50:                    {p50['broker'] - p50['direct']:6.2f} ms   (target <= 2 ms); "
          f"of which the broker itself {p50['broker'] - p50['bare']:.2f} ms")
    print(f"throughput ratio broker/direct:  {rate['broker'] / rate['direct']:6.2f}x     (target >= 0.5x); "
          f"broker/bare view {rate['broker'] / rate['bare']:.2f}x")


if __name__ == "__main__":
    main()
