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
count at start, plus 5 for the background threads that open their own (the group committer's, kept, and the audit
writer's, spec refresher's and gadget data refreshes' now and then): one setting drives both; a larger pool given in
``zodbconn.uri`` is kept.

``workers`` (1): how many processes serve. With more than one, this process (the supervisor) binds the listening
socket and starts that many worker processes (``python -m dashboard.server``), each loading the application from the
same ini file, so each has its own ZODB connection pool sized to its ``threads``, and all accepting on the one
socket; a worker that dies is started again. The storage must be one several processes can open (ZEO, RelStorage):
with a FileStorage or an in-memory storage the server refuses to start and says what to do. On one 2-core machine
two processes serve about twice the pages one does (one process stays at one core: the GIL); see
bench/scale_out.py.
"""
import inspect
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

from cheroot import wsgi

log = logging.getLogger(__name__)


def _address(listen):
    host, _, port = listen.strip().rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"listen must be host:port, not {listen!r}")
    return host.strip("[]"), int(port)


MAX_HEADER, MAX_BODY = 64 * 1024, 1024 * 1024
BACKGROUND_CONNECTIONS = 5


def build_server(app, listen="127.0.0.1:6543", threads="8", connection_limit="100", channel_timeout="30",
                 backlog="1024", trusted_proxy=None, trusted_proxy_headers="", trusted_proxy_count="1",
                 max_request_header_size=str(MAX_HEADER), max_request_body_size=str(MAX_BODY), shutdown_grace="5",
                 sock=None):
    if trusted_proxy:
        from waitress.proxy_headers import proxy_headers_middleware

        app = proxy_headers_middleware(app, trusted_proxy=trusted_proxy, trusted_proxy_count=int(trusted_proxy_count),
                                       trusted_proxy_headers=set(trusted_proxy_headers.lower().split()),
                                       clear_untrusted=True)
    server = _Server(_address(listen), app, numthreads=int(threads), timeout=int(channel_timeout),
                         accepted_queue_size=int(connection_limit), request_queue_size=int(backlog),
                         server_name="gadget-dashboard")
    server.max_request_header_size = int(max_request_header_size)
    server.max_request_body_size = int(max_request_body_size)
    server.shutdown_timeout = float(shutdown_grace)
    server.inherited_socket = sock
    return server


class _Server(wsgi.Server):
    """cheroot's server; in a worker process (``workers`` > 1) it serves the supervisor's listening socket, shared
    with the other workers, instead of binding its own."""

    inherited_socket = None

    def bind(self, family, type, proto=0):
        if self.inherited_socket is None:
            return super().bind(family, type, proto)
        self.socket = self.inherited_socket
        self.bind_addr = self.socket.getsockname()[:2]
        return self.socket

    def prepare(self):
        super().prepare()
        if self.inherited_socket is not None:
            # Every worker is woken for a new connection and one accepts it: the others must find nothing at once
            # (non-blocking), not wait in accept() for cheroot's 1 s while their own keep-alive clients wait.
            self.socket.settimeout(0)


def size_connection_pools(app, threads):
    """Raise each ZODB database's connection pool to the server's thread count (see the module's docstring)."""
    registry = getattr(app, "registry", None)
    for db in getattr(registry, "_zodb_databases", {}).values():
        if db.getPoolSize() < threads:
            log.info("ZODB connection pool raised from %d to %d, one per server thread", db.getPoolSize(), threads)
            db.setPoolSize(threads)


def sync_with_zeo_server(app):
    """Each transaction of a ZEO client starts with a round trip to the server (ZEO's ``server_sync``), so it sees
    every transaction committed before it, by any process: a token revoked or a session ended through one process is
    refused by the next request to another, rather than after that process has read the server's invalidations. The
    cost is one loopback round trip per request. zodburi's zeo:// URIs cannot set it, so it is set here.

    Each ZODB connection takes the storage's ``sync`` when it is made (its MVCC adapter keeps the method): the ones
    made before this (loading the application opens one, and it goes back to the pool) are given the new one too,
    or requests that drew them would skip the round trip (tests/test_write_set.py counts it on every request)."""
    from ZEO.ClientStorage import ClientStorage

    registry = getattr(app, "registry", None)
    for db in getattr(registry, "_zodb_databases", {}).values():
        storage = db.storage
        if isinstance(storage, ClientStorage) and not isinstance(storage.sync, SharedSync):
            storage.server_sync = True  # kept on reconnection (ClientStorage.notify_connected)
            storage.sync = SharedSync(lambda storage=storage: storage.ping())
            connected = storage.notify_connected

            def notify_connected(*args, storage=storage, connected=connected, shared=storage.sync):
                connected(*args)
                storage.sync = shared  # (ClientStorage makes it a ping of its own on each connection)

            storage.notify_connected = notify_connected
        if isinstance(db.storage, ClientStorage):
            for conn in list(db.pool):
                adapter = conn._storage  # ZODB.mvccadapter.MVCCAdapterInstance
                if getattr(adapter, "_sync", None) is not None:
                    adapter._sync = db.storage.sync


class SharedSync:
    """A ZEO client's ``sync`` that returns once a round trip to the server *begun after it was called* is done, as
    ``ping`` does, with one round trip for all the transactions that begin while one is under way: they wait for it
    to end, then the next one begins, for all of them. Each still sees every transaction committed before it began;
    a process with many requests starting asks the server once per round trip instead of once per request."""

    def __init__(self, ping):
        self.ping = ping
        self.turn = threading.Condition()
        self.begun = self.ended = 0  # round trips begun, and the last one ended
        self.failed, self.error = 0, None  # the last one that failed, and how
        self.under_way = False

    def __call__(self):
        with self.turn:
            wanted = self.begun + 1  # one begun from now on
            while self.ended < wanted:
                if self.failed >= wanted:  # the one begun for this call failed: so does the call, as its own would
                    raise self.error
                if self.under_way:
                    self.turn.wait()
                    continue
                self.begun += 1
                self.under_way, mine, error = True, self.begun, None
                self.turn.release()
                try:
                    self.ping()
                except BaseException as exc:
                    error = exc
                    raise
                finally:
                    self.turn.acquire()
                    self.under_way = False
                    if error is None:
                        self.ended = mine
                    else:
                        self.failed, self.error = mine, error
                    self.turn.notify_all()


def close_databases(app):
    """Write what is pending and close every database (a FileStorage writes its index, so the next start is quick)."""
    from .broker import audit

    registry = getattr(app, "registry", None)
    for db in getattr(registry, "_zodb_databases", {}).values():
        audit.flush(db, timeout=2)
        db.close()


def run(app, server):
    """Serve until SIGTERM or SIGINT, then stop cleanly: requests in flight get the grace period, pending audit
    entries are written and the database is closed."""
    # cheroot's fixed number of worker threads, and the background threads that open their own connections now and
    # then (the group committer, the audit writer and its pruning, the spec refresher, gadget data refreshes)
    size_connection_pools(app, server.requests.min + BACKGROUND_CONNECTIONS)
    sync_with_zeo_server(app)

    def stop(signum, frame):
        # Requests in flight get the grace period (cheroot's shutdown_timeout) to finish; should closing the database
        # hang, a daemon timer ends the process a little later (it never delays a clean exit).
        timer = threading.Timer(server.shutdown_timeout + 10, os._exit, args=(1,))
        timer.daemon = True
        timer.start()
        raise KeyboardInterrupt  # cheroot's start() stops cleanly on it

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
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


def _server_settings(settings):
    known = inspect.signature(build_server).parameters
    return {k: v for k, v in settings.items() if k in known and k not in ("app", "sock")}


def serve(app, global_conf=None, workers="1", **settings):
    """paste.server_runner: serve ``app`` with ``workers`` processes until SIGTERM or SIGINT, then stop cleanly."""
    settings = _server_settings(settings)
    workers = int(workers)
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, not {workers}")
    if workers == 1:
        server = build_server(app, **settings)
        host, port = server.bind_addr
        print(f"Serving on http://{host}:{port}", flush=True)
        return run(app, server)
    refusal = unshared_storage(app)
    close_databases(app)  # the supervisor serves nothing: each worker loads the application and opens its own
    if refusal:
        _exit(f"workers = {workers} needs a storage that several processes can open, and {refusal} "
                         f"can be opened by one process only. Serve it with ZEO (runzeo -a 127.0.0.1:8100 -f FILE, "
                         f"or `make run-production`) and set zodbconn.uri = zeo://127.0.0.1:8100, or use RelStorage "
                         f"(postgres://...); or set workers = 1.", 2)
    Supervisor(global_conf or {}, settings, workers).run()


def unshared_storage(app):
    """What names a storage only this process can hold (a FileStorage, an in-memory one), or None."""
    from ZODB.DemoStorage import DemoStorage
    from ZODB.FileStorage import FileStorage
    from ZODB.MappingStorage import MappingStorage

    registry = getattr(app, "registry", None)
    for db in getattr(registry, "_zodb_databases", {}).values():
        storage = db.storage
        if isinstance(storage, FileStorage):
            return f"zodbconn.uri names a FileStorage ({storage.getName()}), which"
        if isinstance(storage, (MappingStorage, DemoStorage)):
            return f"zodbconn.uri names an in-memory storage ({storage.getName()}), which"
    return None


def _exit(message, status):
    """Stop with ``message`` and a non-zero status (pserve turns a SystemExit into status 0)."""
    print(message, file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(status)


class Worker:
    """A worker process and the pipe on which it says it is serving: one that exits before that failed to start
    (a bad setting, no ZEO server), and starting it again would fail again."""

    def __init__(self, proc, ready_fd):
        self.proc, self.ready_fd, self.ready = proc, ready_fd, False

    def is_ready(self):
        if not self.ready and select.select([self.ready_fd], [], [], 0)[0]:
            self.ready = os.read(self.ready_fd, 1) == b"1"
            if self.ready:
                print(f"Worker {self.proc.pid} serving", flush=True)
        return self.ready

    def close(self):
        os.close(self.ready_fd)


class Supervisor:
    """``workers = N``: one listening socket, shared by N worker processes, each loading the application from the
    same ini file (so each has its own ZODB connection pool, sized to its threads) and serving with the same
    settings. A worker that dies is started again; one that fails at start stops them all (exit status 1). On
    SIGTERM or SIGINT every worker stops cleanly (its requests get the grace period, its database is closed) and
    then the supervisor exits."""

    def __init__(self, global_conf, settings, workers):
        self.global_conf, self.settings, self.count = dict(global_conf), settings, workers
        self.config_file = self.global_conf.get("__file__")
        if not self.config_file:
            raise ValueError("workers > 1 needs the ini file's path (pserve passes it)")
        self.stopping = False
        self.workers = {}  # slot -> Worker

    def listen(self):
        host, port = _address(self.settings.get("listen", "127.0.0.1:6543"))
        family, kind, proto, _, address = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                                                             socket.AI_PASSIVE)[0]
        # cheroot's own preparation (SO_REUSEADDR, TCP_NODELAY, dual-stack on '::'): without TCP_NODELAY, which the
        # accepted connections inherit, every keep-alive answer waited ~40 ms for the client's delayed ACK
        sock = wsgi.Server.prepare_socket(address, family, kind, proto, True, None)
        sock.bind(address)
        sock.listen(int(self.settings.get("backlog", "1024")))
        sock.set_inheritable(True)
        return sock

    def start_worker(self, slot):
        ready_read, ready_write = os.pipe()
        spec = json.dumps({"config": self.config_file, "vars": self.global_conf, "settings": self.settings,
                           "fd": self.sock.fileno(), "ready_fd": ready_write, "slot": slot})
        proc = subprocess.Popen([sys.executable, "-m", "dashboard.server", spec],
                                pass_fds=[self.sock.fileno(), ready_write])
        os.close(ready_write)
        self.workers[slot] = Worker(proc, ready_read)

    def stop(self, signum=None, frame=None):
        self.stopping = True

    def run(self):
        self.sock = self.listen()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for slot in range(self.count):
            self.start_worker(slot)
        host, port = self.sock.getsockname()[:2]
        print(f"Serving on http://{host}:{port} with {self.count} processes", flush=True)
        status = 0
        while not self.stopping:
            time.sleep(0.2)
            for slot, worker in list(self.workers.items()):
                if worker.proc.poll() is None or self.stopping:
                    worker.is_ready()
                    continue
                if not worker.is_ready():
                    log.error("worker %d exited with status %s before serving; stopping", slot,
                              worker.proc.returncode)
                    status, self.stopping = 1, True
                    break
                log.warning("worker %d (pid %d) exited with status %s; starting another", slot, worker.proc.pid,
                            worker.proc.returncode)
                worker.close()
                self.start_worker(slot)
        self.sock.close()
        self.stop_workers()
        if status:
            _exit("a worker could not start (its error is above); stopped", status)

    def stop_workers(self):
        procs = [worker.proc for worker in self.workers.values()]
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + float(self.settings.get("shutdown_grace", "5")) + 15
        for proc in procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.info("stopped %d workers", len(procs))


def worker_main(spec):
    """One worker process of ``Supervisor``: the application from the ini file, served on the inherited socket."""
    from pyramid.paster import get_app, setup_logging

    from .app import WORKER_SLOT

    spec = json.loads(spec)
    setup_logging(spec["config"], spec["vars"])
    # the paste global configuration, which the app factory reads it from (app.WORKER_SLOT)
    app = get_app(spec["config"], "main", options={**spec["vars"], WORKER_SLOT: str(spec["slot"])})
    sock = socket.socket(fileno=spec["fd"])
    server = build_server(app, sock=sock, **spec["settings"])
    log.info("worker %d (pid %d) serving", spec["slot"], os.getpid())
    os.write(spec["ready_fd"], b"1")
    os.close(spec["ready_fd"])
    run(app, server)


if __name__ == "__main__":
    worker_main(sys.argv[1])
