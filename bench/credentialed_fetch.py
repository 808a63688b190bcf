"""(a) A credentialed fetch through the broker (OAuth 1.0a HMAC-SHA1, via the proxy endpoint) vs a direct request
to the same loopback upstream, measured in the same run, against two upstreams:

* ``plain``: a canned answer from a bare http.server that checks nothing (the broker's cost laid bare: nothing on
  the other side takes any time);
* ``authlib``: Authlib's OAuth 1.0a resource protector in its own process, verifying signature, timestamp and nonce,
  as a real provider does. The direct request is then a credentialed one too: the client signs it itself (oauthlib),
  as a gadget holding the token would have to.

    .venv/bin/python bench/credentialed_fetch.py [--upstream plain|authlib|both] [--server waitress|cheroot]

Prints, per upstream, p50 latency of each, the p50 added by the broker (target <= 2 ms), each throughput with
``--clients`` concurrent keep-alive clients and their ratio (target >= 0.5x against the Authlib upstream, which does
the work a real provider does; against the no-op upstream the ratio is printed with the bare view's own, since there
it measures the Python web stack rather than the broker). A bare Pyramid view on the same server is measured too, to
show how much of the added time is the web stack itself rather than the broker.
"""
import argparse
import http.client
import statistics
import threading
import time
from urllib.parse import urlsplit

from brokerbench import CONSUMER, CONSUMER_SECRET, TOKEN, TOKEN_SECRET, UpstreamProcess, start
from processes import add_server_option


def unsigned(url):
    return {}


def signed(url):
    """What a client holding the token sends: a fresh HMAC-SHA1 signature (timestamp, nonce) per request."""
    from oauthlib import oauth1

    client = oauth1.Client(CONSUMER, client_secret=CONSUMER_SECRET, resource_owner_key=TOKEN,
                           resource_owner_secret=TOKEN_SECRET)
    return client.sign(url)[1]


def timed_requests(url, count, headers_for=unsigned):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    path = parts.path + ("?" + parts.query if parts.query else "")
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers_for(url))
        resp = conn.getresponse()
        body = resp.read()
        times.append(time.perf_counter() - t0)
        assert resp.status == 200, (resp.status, body[:300])
    conn.close()
    return times


def throughput(url, count, clients, headers_for=unsigned):
    threads = [threading.Thread(target=timed_requests, args=(url, count // clients, headers_for))
               for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (count // clients) * clients / (time.perf_counter() - t0)


def measure(kind, args):
    upstream = UpstreamProcess(kind)
    direct_headers = unsigned if kind == "plain" else signed
    server, frames, did = start(upstream, server=args.server)
    try:
        iid = frames[0].split("/frame/")[1].split("?")[0].split("/")[1]
        st = frames[0].split("st=")[1]
        urls = {"broker": (f"{server.url}/proxy/{did}/{iid}?st={st}&path=data", unsigned),
                "direct": (upstream.url + "/api/data", direct_headers),
                "bare": (server.url + "/p/bare_plugin/bare", unsigned)}
        for url, headers_for in urls.values():
            timed_requests(url, 50, headers_for)  # warm up
        lat = {k: [] for k in urls}
        thr = {k: [] for k in urls}
        for _ in range(args.rounds):  # alternate, so noise hits all alike
            for name, (url, headers_for) in urls.items():
                lat[name] += timed_requests(url, args.requests // 2, headers_for)
                thr[name].append(throughput(url, args.requests, args.clients, headers_for))
    finally:
        server.stop()
        upstream.close()
    p50 = {k: statistics.median(v) * 1000 for k, v in lat.items()}
    rate = {k: statistics.median(v) for k, v in thr.items()}
    what = ("a canned answer, nothing checked" if kind == "plain"
            else "Authlib verifying HMAC-SHA1; the direct client signs each request itself")
    print(f"upstream {kind}: {what}")
    print(f"  direct request to the upstream:  p50 {p50['direct']:6.2f} ms   {rate['direct']:8.1f} req/s")
    print(f"  through the broker (proxy):      p50 {p50['broker']:6.2f} ms   {rate['broker']:8.1f} req/s")
    print(f"  bare Pyramid view, same server:  p50 {p50['bare']:6.2f} ms   {rate['bare']:8.1f} req/s")
    print(f"  added at p50:                    {p50['broker'] - p50['direct']:6.2f} ms   (target <= 2 ms)")
    ratio = rate["broker"] / rate["direct"]
    if kind == "plain":
        # An upstream that does nothing measures the web stack, not the broker: even a bare Pyramid view on the
        # same server reaches only a fraction of it.
        print(f"  throughput ratio broker/direct:  {ratio:6.2f}x     (a no-op upstream: the bare view itself reaches "
              f"{rate['bare'] / rate['direct']:.2f}x of it)")
    else:
        print(f"  throughput ratio broker/direct:  {ratio:6.2f}x     (target >= 0.5x)")
    print(f"  the broker's own work: p50 {p50['broker'] - p50['bare'] - p50['direct']:.2f} ms beyond a bare view and "
          f"the upstream; throughput {rate['broker'] / rate['bare']:.2f}x of the bare view")

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--upstream", choices=("plain", "authlib", "both"), default="both")
    add_server_option(parser)
    args = parser.parse_args()
    print(f"server: {args.server}; {args.clients} concurrent clients for throughput")
    for kind in (("plain", "authlib") if args.upstream == "both" else (args.upstream,)):
        measure(kind, args)


if __name__ == "__main__":
    main()
