"""The HTTP server production.ini names (``use = egg:gadget-dashboard#main`` in ``[server:main]``): cheroot.

development.ini serves with waitress, Pyramid's usual choice. For production: measured on the same machine
(bench/server_concurrency.py), waitress 3.0's single I/O thread handing each request to a worker collapsed as soon as
two keep-alive clients were active at once (about 1,900 requests/s of a bare Pyramid view for one client, 100-200 for
two or four, with p90 latencies of 30-50 ms), while cheroot kept about 1,900. A dashboard is exactly that load: one
page opens a frame per gadget, each its own request, at once.

Settings (all optional): ``listen`` (host:port, default 127.0.0.1:6543), ``threads`` (8), ``connection_limit``
(100), ``channel_timeout`` (seconds an idle keep-alive connection is kept, 30), ``backlog`` (new connections the
system holds until the server accepts them: 1024, as waitress's; with cheroot's own 5, when a page's frames opened
more than 5 connections at once, the later ones were dropped and their clients retried a second later), and, behind
a reverse proxy, ``trusted_proxy`` / ``trusted_proxy_headers`` / ``trusted_proxy_count`` with waitress's meaning
(its middleware is used for them: only the trusted proxy's X-Forwarded-* headers count, others are removed).
"""
import inspect
import logging
import signal

log = logging.getLogger(__name__)


def _address(listen):
    host, _, port = listen.strip().rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"listen must be host:port, not {listen!r}")
    return host.strip("[]"), int(port)


def build_server(app, listen="127.0.0.1:6543", threads="8", connection_limit="100", channel_timeout="30",
                 backlog="1024", trusted_proxy=None, trusted_proxy_headers="", trusted_proxy_count="1"):
    from cheroot import wsgi

    if trusted_proxy:
        from waitress.proxy_headers import proxy_headers_middleware

        app = proxy_headers_middleware(app, trusted_proxy=trusted_proxy, trusted_proxy_count=int(trusted_proxy_count),
                                       trusted_proxy_headers=set(trusted_proxy_headers.lower().split()),
                                       clear_untrusted=True)
    server = wsgi.Server(_address(listen), app, numthreads=int(threads), timeout=int(channel_timeout),
                         accepted_queue_size=int(connection_limit), request_queue_size=int(backlog),
                         server_name="gadget-dashboard")
    server.shutdown_timeout = 5
    return server


def serve(app, global_conf=None, **settings):
    """paste.server_runner: serve ``app`` until SIGTERM or SIGINT."""
    known = inspect.signature(build_server).parameters
    settings = {k: v for k, v in settings.items() if k in known and k != "app"}
    server = build_server(app, **settings)

    def stop(signum, frame):
        # Requests in flight get a few seconds to finish; a stuck one does not keep the process alive.
        import os
        import threading

        threading.Timer(10, os._exit, args=(0,)).start()
        raise KeyboardInterrupt  # cheroot's start() stops cleanly on it

    signal.signal(signal.SIGTERM, stop)
    host, port = server.bind_addr
    print(f"Serving on http://{host}:{port}", flush=True)
    try:
        server.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
