"""The audit log of every credential use, written in its own transaction so that failures are recorded too."""
import logging
import random
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


def record(db, **entry):
    entry = {k: entry.get(k) for k in FIELDS}
    entry["time"] = entry["time"] or datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    entry["url"] = url_without_query_values(entry["url"] or "")
    log.info("credential use: %s", " ".join(f"{k}={entry[k]}" for k in FIELDS[1:]))
    for _attempt in range(5):
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        try:
            with tm:
                # time in µs and three random digits: distinct keys, so concurrent inserts merge in the BTree
                get_app_root(conn.root()).audit[time.time_ns() // 1000 * 1000 + random.randrange(1000)] = entry
            return
        except ConflictError:
            time.sleep(random.uniform(0.005, 0.05))
        finally:
            conn.close()
    log.error("could not write an audit entry after 5 attempts: %r", entry)


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
