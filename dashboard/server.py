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

Bounds, each answered before the application sees the request: ``max_request_header_size`` (bytes of the request
line and headers together, default 64 KiB: 414 for a longer request line, 413 for more headers) and
``max_request_body_size`` (default 1 MiB: 413 when Content-Length says more; a chunked body is cut there and
refused by the application with 413). ``shutdown_grace`` (5 s): on SIGTERM or SIGINT the server stops accepting,
requests in flight get that long to finish, the database is closed (FileStorage writes its index) and the process
exits.

``threads`` also sizes each ZODB connection pool: every thread may hold one connection, and a pool smaller than the
threads logs a warning for every connection beyond it (and CRITICAL beyond twice). The pool is raised to the thread
count at start (one setting drives both); a larger pool given in ``zodbconn.uri`` is kept.
"""
import inspect
import logging
import signal
import sys

log = logging.getLogger(__name__)


def _address(listen):
    host, _, port = listen.strip().rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"listen must be host:port, not {listen!r}")
    return host.strip("[]"), int(port)


MAX_HEADER, MAX_BODY = 64 * 1024, 1024 * 1024


def build_server(app, listen="127.0.0.1:6543", threads="8", connection_limit="100", channel_timeout="30",
                 backlog="1024", trusted_proxy=None, trusted_proxy_headers="", trusted_proxy_count="1",
                 max_request_header_size=str(MAX_HEADER), max_request_body_size=str(MAX_BODY), shutdown_grace="5"):
    from cheroot import wsgi

    if trusted_proxy:
        from waitress.proxy_headers import proxy_headers_middleware

        app = proxy_headers_middleware(app, trusted_proxy=trusted_proxy, trusted_proxy_count=int(trusted_proxy_count),
                                       trusted_proxy_headers=set(trusted_proxy_headers.lower().split()),
                                       clear_untrusted=True)
    server = wsgi.Server(_address(listen), app, numthreads=int(threads), timeout=int(channel_timeout),
                         accepted_queue_size=int(connection_limit), request_queue_size=int(backlog),
                         server_name="gadget-dashboard")
    server.max_request_header_size = int(max_request_header_size)
    server.max_request_body_size = int(max_request_body_size)
    server.shutdown_timeout = float(shutdown_grace)
    return server


def size_connection_pools(app, threads):
    """Raise each ZODB database's connection pool to the server's thread count (see the module's docstring)."""
    registry = getattr(app, "registry", None)
    for db in getattr(registry, "_zodb_databases", {}).values():
        if db.getPoolSize() < threads:
            log.info("ZODB connection pool raised from %d to %d, one per server thread", db.getPoolSize(), threads)
            db.setPoolSize(threads)


def close_databases(app):
    """Write what is pending and close every database (a FileStorage writes its index, so the next start is quick)."""
    from .broker import audit

    registry = getattr(app, "registry", None)
    for db in getattr(registry, "_zodb_databases", {}).values():
        audit.flush(db, timeout=2)
        db.close()


def serve(app, global_conf=None, **settings):
    """paste.server_runner: serve ``app`` until SIGTERM or SIGINT, then stop cleanly."""
    import os
    import threading

    known = inspect.signature(build_server).parameters
    settings = {k: v for k, v in settings.items() if k in known and k != "app"}
    server = build_server(app, **settings)
    size_connection_pools(app, server.requests.min)  # cheroot's fixed number of worker threads

    def stop(signum, frame):
        # Requests in flight get the grace period (cheroot's shutdown_timeout) to finish; should closing the database
        # hang, a daemon timer ends the process a little later (it never delays a clean exit).
        timer = threading.Timer(server.shutdown_timeout + 10, os._exit, args=(1,))
        timer.daemon = True
        timer.start()
        raise KeyboardInterrupt  # cheroot's start() stops cleanly on it

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.bind_addr
    print(f"Serving on http://{host}:{port}", flush=True)
    try:
        server.start()
    except KeyboardInterrupt:
        pass
    finally:
        # cheroot's stop() waits for every worker, a stuck one without end: it gets the grace period and a second.
        stopper = threading.Thread(target=server.stop, name="server-stop", daemon=True)
        stopper.start()
        stopper.join(server.shutdown_timeout + 1)
        close_databases(app)
        log.info("stopped; the database is closed")
        # A request still running after the grace period (its worker thread is not a daemon) must not keep the
        # process: its database is closed, so nothing it could still write would land anyway.
        stuck = [t for t in threading.enumerate() if not t.daemon and t is not threading.current_thread()]
        if stuck:
            log.warning("%d thread(s) still busy after the grace period; exiting without them", len(stuck))
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
