"""The audit log of every credential use, written in its own transaction so that failures are recorded too."""
import logging
import queue
import random
import threading
import time
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import transaction
from ZODB.POSException import ConflictError

from ..models import get_app_root

log = logging.getLogger(__name__)
FIELDS = ("time", "user", "instance", "gadget", "provider", "account", "method", "url", "status", "duration_ms",
          "outcome")


def url_without_query_values(url):
    """Keep which query parameters were sent, never their values (they may hold personal data or tokens)."""
    parts = urlsplit(url)
    query = urlencode([(k, "") for k, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


class AuditWriter:
    """One writer thread per database: requests queue entries and never wait for (or conflict over) the log.

    Entries are committed in batches gathered for up to 0.1 s; a crash can lose at most that batch, and every
    entry is also written to the application log at once.
    """

    BATCH = 500
    #: How long the writer gathers entries before one commit: fewer commits, less contention with requests.
    GATHER = 0.1

    def __init__(self, db):
        self.db = db
        self.queue = queue.Queue()
        threading.Thread(target=self._run, name="audit-writer", daemon=True).start()

    def _run(self):
        while True:
            batch = [self.queue.get()]
            deadline = time.monotonic() + self.GATHER
            while len(batch) < self.BATCH:
                try:
                    batch.append(self.queue.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            try:
                self._write(batch)
            finally:
                for _ in batch:
                    self.queue.task_done()

    def _write(self, batch):
        for attempt in range(20):
            tm = transaction.TransactionManager()
            conn = None
            try:
                conn = self.db.open(tm)
                with tm:
                    log_tree = get_app_root(conn.root()).audit
                    for entry in batch:
                        # time in µs and three random digits: keys in time order, distinct across processes
                        log_tree[time.time_ns() // 1000 * 1000 + random.randrange(1000)] = entry
                return
            except ConflictError:  # another process wrote at the same moment
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
            except Exception:
                log.exception("could not write %d audit entries", len(batch))
                return
            finally:
                if conn is not None:
                    conn.close()
        log.error("could not write %d audit entries after 20 attempts: %r", len(batch), batch)


_writers = {}
_writers_lock = threading.Lock()


def _writer(db):
    with _writers_lock:
        writer = _writers.get(id(db))
        if writer is None or writer.db is not db:
            writer = _writers[id(db)] = AuditWriter(db)
        return writer


def record(db, **entry):
    entry = {k: entry.get(k) for k in FIELDS}
    entry["time"] = entry["time"] or datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    entry["url"] = url_without_query_values(entry["url"] or "")
    if log.isEnabledFor(logging.INFO):
        log.info("credential use: %s", " ".join(f"{k}={entry[k]}" for k in FIELDS[1:]))
    _writer(db).queue.put(entry)


def flush(db, timeout=None):
    """Wait until every entry recorded so far is committed (tests, shutdown), or at most ``timeout`` seconds."""
    if timeout is None:
        return _writer(db).queue.join()
    writer, deadline = _writer(db), time.monotonic() + timeout
    while writer.queue.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.01)


def entries(root, user=None, provider=None, limit=200):
    """Newest first, optionally only one user's or one provider's."""
    found = []
    for entry in reversed(root.audit.values()):
        if (user and entry["user"] != user) or (provider and entry["provider"] != provider):
            continue
        found.append(entry)
        if len(found) >= limit:
            break
    return found
