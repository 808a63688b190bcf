"""The audit log of every credential use, written in its own transaction so that failures are recorded too.

``root.audit`` maps a time key (ns since the epoch, distinct per entry) to the entry; ``root["audit_by_user"]`` and
``root["audit_by_provider"]`` hold ``(user, key)`` and ``(provider, key)``, written in the same transaction, so a
user's or a provider's entries are read newest first without walking the log. Entries older than
``dashboard.audit_retention_days`` (90; fractions allowed, 0 keeps everything) are deleted by the writer thread, at
most every ``dashboard.audit_prune_minutes`` (10), in transactions of ``PRUNE_BATCH`` entries.
"""
import logging
import queue
import random
import threading
import time
from itertools import islice
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import transaction
from ZODB.POSException import ConflictError

from ..models import get_app_root
from .limits import number_setting

log = logging.getLogger(__name__)
FIELDS = ("time", "user", "instance", "gadget", "provider", "account", "method", "url", "status", "duration_ms",
          "outcome")


def url_without_query_values(url):
    """Keep which query parameters were sent, never their values (they may hold personal data or tokens)."""
    parts = urlsplit(url)
    query = urlencode([(k, "") for k, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


DAY = 24 * 3600
DEFAULT_RETENTION_DAYS = 90
DEFAULT_PRUNE_MINUTES = 10
#: Entries deleted per transaction when pruning: small commits that requests hardly notice.
PRUNE_BATCH = 500
#: The largest key a LOBTree holds.
MAX_KEY = 2 ** 63 - 1


def index_keys(key, entry):
    """The entry's keys in ``audit_by_user`` and ``audit_by_provider``."""
    return (entry.get("user") or "", key), (entry.get("provider") or "", key)


def store_entries(root, batch):
    """Add entries to the log and its two indexes (in the caller's transaction): what the writer commits."""
    log_tree, by_user, by_provider = root.audit, root["audit_by_user"], root["audit_by_provider"]
    for entry in batch:
        # time in µs and three random digits: keys in time order, distinct across processes
        key = time.time_ns() // 1000 * 1000 + random.randrange(1000)
        while key in log_tree:
            key += 1
        log_tree[key] = entry
        user_key, provider_key = index_keys(key, entry)
        by_user.add(user_key)
        by_provider.add(provider_key)


class AuditWriter:
    """One writer thread per database: requests queue entries and never wait for (or conflict over) the log.

    Entries are committed in batches gathered for up to 0.1 s; a crash can lose at most that batch, and every
    entry is also written to the application log at once. The same thread prunes entries past the retention.
    """

    BATCH = 500
    #: How long the writer gathers entries before one commit: fewer commits, less contention with requests.
    GATHER = 0.1

    def __init__(self, db, retention_days=DEFAULT_RETENTION_DAYS, prune_minutes=DEFAULT_PRUNE_MINUTES):
        self.db = db
        self.queue = queue.Queue()
        self.configure(retention_days, prune_minutes)
        threading.Thread(target=self._run, name="audit-writer", daemon=True).start()

    def configure(self, retention_days, prune_minutes):
        #: Seconds an entry is kept (None: for ever) and between two prunings.
        self.retention = retention_days * DAY if retention_days else None
        self.prune_every = max(prune_minutes * 60, 0.05)
        # the first pruning comes soon after start-up, not with it
        self.next_prune = time.monotonic() + min(self.prune_every, 5.0)

    def _run(self):
        while True:
            try:
                first = self.queue.get(timeout=self._until_prune())
            except queue.Empty:
                self._prune_if_due()
                continue
            batch = [first]
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
            self._prune_if_due()

    def _until_prune(self):
        return None if self.retention is None else max(0.01, self.next_prune - time.monotonic())

    def _prune_if_due(self):
        if self.retention is None or time.monotonic() < self.next_prune:
            return
        try:
            self.prune()
        except ConflictError:  # another process pruned or wrote at the same moment: again soon
            self.next_prune = time.monotonic() + min(self.prune_every, 5.0)
            return
        except Exception:
            if not hasattr(self.db, "_mvcc_storage"):  # DB.close() deletes it: nothing to prune any more
                self.retention = None
                return
            log.exception("could not prune the audit log")
        self.next_prune = time.monotonic() + self.prune_every

    def prune(self, now=None):
        """Delete every entry older than the retention, ``PRUNE_BATCH`` per transaction; return how many."""
        cutoff = int(((now or time.time()) - self.retention) * 1e9)
        deleted = 0
        while True:
            tm = transaction.TransactionManager()
            conn = self.db.open(tm)
            try:
                with tm:
                    root = get_app_root(conn.root(), create=False)
                    if root is None or "audit_by_user" not in root:
                        return deleted
                    tree, by_user, by_provider = root.audit, root["audit_by_user"], root["audit_by_provider"]
                    keys = list(islice(tree.keys(max=cutoff, excludemax=True), PRUNE_BATCH))
                    tm.get().note(f"audit: pruned {len(keys)} entries")
                    for key in keys:
                        user_key, provider_key = index_keys(key, tree.pop(key))
                        for index, index_key in ((by_user, user_key), (by_provider, provider_key)):
                            if index_key in index:
                                index.remove(index_key)
                conn.cacheMinimize()
            finally:
                conn.close()
            deleted += len(keys)
            if len(keys) < PRUNE_BATCH:
                if deleted:
                    log.info("pruned %d audit entries older than %s days", deleted, self.retention / DAY)
                return deleted

    def _write(self, batch):
        for attempt in range(20):
            tm = transaction.TransactionManager()
            conn = None
            try:
                conn = self.db.open(tm)
                with tm:
                    store_entries(get_app_root(conn.root()), batch)
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


def _writer(db, settings=None):
    with _writers_lock:
        writer = _writers.get(id(db))
        if writer is None or writer.db is not db:
            writer = _writers[id(db)] = AuditWriter(db)
        if settings is not None:
            writer.configure(number_setting(settings, "dashboard.audit_retention_days", DEFAULT_RETENTION_DAYS),
                             number_setting(settings, "dashboard.audit_prune_minutes", DEFAULT_PRUNE_MINUTES))
        return writer


def start(db, settings):
    """Start the database's writer (and so its pruning) with the retention settings; ValueError for a bad one."""
    number_setting(settings, "dashboard.audit_retention_days", DEFAULT_RETENTION_DAYS)
    number_setting(settings, "dashboard.audit_prune_minutes", DEFAULT_PRUNE_MINUTES)
    return _writer(db, settings)


def entry_of(**entry):
    """An entry as the log keeps it: every field, the time now unless given, the URL without query values."""
    entry = {k: entry.get(k) for k in FIELDS}
    entry["time"] = entry["time"] or datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    entry["url"] = url_without_query_values(entry["url"] or "")
    return entry


def record(db, **entry):
    entry = entry_of(**entry)
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


def _newest_keys(root, user, provider, before):
    """Keys of the log, newest first, below ``before``: one user's or one provider's through their index. Each
    step is one ``maxKey`` (a walk down the tree), so nothing but the keys returned is read."""
    top = MAX_KEY if before is None else before - 1
    if not (user or provider):
        tree = root.audit
        while top >= 0:
            try:
                key = tree.maxKey(top)
            except ValueError:  # nothing at or below top
                return
            yield key
            top = key - 1
        return
    index, name = (root["audit_by_user"], user) if user else (root["audit_by_provider"], provider)
    while top >= 0:
        try:
            found, key = index.maxKey((name, top))
        except ValueError:
            return
        if found != name:
            return
        yield key
        top = key - 1


def page(root, user=None, provider=None, limit=200, before=None):
    """Newest first, optionally only one user's and/or one provider's, older than the key ``before``:
    (at most ``limit`` entries, the ``before`` of the next page or None). Reads at most ten times ``limit`` keys
    (a page may then show fewer entries: both filters and a user with other providers' entries)."""
    found = []
    for seen, key in enumerate(_newest_keys(root, user, provider, before)):
        if len(found) >= limit or seen >= 10 * limit:
            return found, key + 1
        entry = root.audit.get(key)
        if entry is not None and not (user and provider and entry["provider"] != provider):
            found.append(entry)
    return found, None


def entries(root, user=None, provider=None, limit=200):
    """Newest first, optionally only one user's or one provider's."""
    return page(root, user, provider, limit)[0]
