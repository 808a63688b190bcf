"""(a) A credentialed fetch through the broker (OAuth 1.0a HMAC-SHA1, via the proxy endpoint) vs a direct request
to the same loopback upstream, measured in the same run.

    .venv/bin/python bench/credentialed_fetch.py [--requests 400] [--clients 4]

Prints p50 latency of each, the p50 added by the broker (target <= 2 ms), each throughput and their ratio
(target >= 0.5x).
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
    args = parser.parse_args()
    upstream = Upstream()
    server, frames, did = start(upstream)
    iid = frames[0].split("/frame/")[1].split("?")[0].split("/")[1]
    st = frames[0].split("st=")[1]
    brokered = f"{server.url}/proxy/{did}/{iid}?st={st}&path=data"
    direct = upstream.url + "/api/data"
    timed_requests(brokered, 50)
    timed_requests(direct, 50)  # warm up
    lat_d, lat_b, thr_d, thr_b = [], [], [], []
    for _ in range(args.rounds):  # alternate, so noise hits both alike
        lat_d += timed_requests(direct, args.requests // 2)
        lat_b += timed_requests(brokered, args.requests // 2)
        thr_d.append(throughput(direct, args.requests, args.clients))
        thr_b.append(throughput(brokered, args.requests, args.clients))
    server.stop()
    p50_d, p50_b = statistics.median(lat_d) * 1000, statistics.median(lat_b) * 1000
    td, tb = statistics.median(thr_d), statistics.median(thr_b)
    print(f"direct request:      p50 {p50_d:6.2f} ms   {td:8.1f} req/s")
    print(f"through the broker:  p50 {p50_b:6.2f} ms   {tb:8.1f} req/s")
    print(f"added at p50:        {p50_b - p50_d:6.2f} ms   (target <= 2 ms)")
    print(f"throughput ratio:    {tb / td:6.2f}x     (target >= 0.5x)")


if __name__ == "__main__":
    main()
