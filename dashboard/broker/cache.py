"""The gadget data cache: one upstream call per key and refresh interval, shared by the threads of a process.

A gadget's data (its ``data`` function's result, its proxy answers) is kept for the gadget's ``refresh`` seconds under
a key naming what determines it: the gadget and its preferences, and, unless the gadget declares ``cache="shared"``,
the user and the connected account (credentialed data is never shared: a gadget with a provider cannot declare it).

- **Single-flight.** Requests for a key that is not kept wait for the one call in flight instead of making their own,
  at most the fetch deadline; waiting takes none of the user's fetch slots (only the call holds one).
- **Stale-while-revalidate.** Past its interval the kept value is refreshed by one call on a thread of its own; a
  request waits for it at most ``STALE_WAIT`` seconds, then gets the last good value with the time it was fetched
  (the frame says "as of 10:42"). A failed refresh is tried again after ``RETRY_FAILED`` seconds (or the interval, if
  shorter), never by every request.
- **Bounded.** At most ``dashboard.data_cache_entries`` values and ``dashboard.data_cache_bytes`` bytes (their JSON or
  body size), least recently used first out; 0 turns the cache off.

Per process: each process of the server keeps its own copy, so N processes make at most N calls per key and interval
(the per-process bound is what protects an upstream from a thundering herd of users; a shared store such as Redis
would bring that to 1 across processes and machines at the price of one more service to run).
"""
import copy
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from .fetch import FetchError
from .limits import Busy, number_setting

log = logging.getLogger(__name__)

DEFAULT_ENTRIES = 2000
DEFAULT_BYTES = 32 * 1024 * 1024
#: Seconds a request waits for the refresh of a value past its interval before it shows the value it has.
STALE_WAIT = 1.0
#: Seconds after a failed refresh before the next is tried (the interval, if shorter).
RETRY_FAILED = 30.0


class Uncached(Exception):
    """Raised with a value to show this time but never keep (e.g. an upstream's error page): the caller gets it when
    nothing is kept for the key; when an older value is kept, that is shown instead, with its age."""

    def __init__(self, value, reason=""):
        super().__init__(reason or "the answer was not kept")
        self.value = value


@dataclass(frozen=True)
class Cached:
    """A value, the time (``time.time()``) of the upstream call that produced it, and whether it is past its
    interval because its refresh failed or has not finished (``stale``; ``reason`` then says why, when known)."""

    value: object
    fetched_at: float
    stale: bool = False
    reason: str = ""

    @property
    def as_of(self):
        return datetime.fromtimestamp(self.fetched_at).astimezone()

    @property
    def label(self):
        """``10:42``, or ``3 Mar 10:42`` when not fetched today (server time)."""
        as_of = self.as_of
        return as_of.strftime("%H:%M" if as_of.date() == datetime.now().astimezone().date() else "%-d %b %H:%M")


class _Entry:
    __slots__ = ("value", "size", "born", "fetched_at", "retry_at", "error")

    def __init__(self, value, size, born, fetched_at):
        self.value, self.size, self.born, self.fetched_at = value, size, born, fetched_at
        self.retry_at, self.error = born, ""


class _Flight:
    """The one call in flight for a key; the requests waiting for it read its outcome."""

    def __init__(self):
        self.done = threading.Event()
        self.ok, self.value, self.fetched_at, self.error = False, None, 0.0, None


def json_size(value):
    """About the bytes ``value`` holds: its JSON's length, or an HTTP answer's body and headers."""
    if hasattr(value, "body") and hasattr(value, "headers"):
        return len(value.body) + sum(len(k) + len(v) for k, v in value.headers.items()) + 100
    try:
        return len(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return 1024


def _again(exc):
    """A copy of ``exc`` to raise in another thread (each raise adds to the traceback of the object raised)."""
    try:
        return copy.copy(exc).with_traceback(None)
    except Exception:
        return exc


class DataCache:
    def __init__(self, max_entries=DEFAULT_ENTRIES, max_bytes=DEFAULT_BYTES, stale_wait=STALE_WAIT,
                 retry_failed=RETRY_FAILED):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.stale_wait, self.retry_failed = stale_wait, retry_failed
        self._lock = threading.Lock()
        self._entries = OrderedDict()
        self._flights = {}
        self.bytes = 0
        #: Calls made through the cache (upstream calls, for diagnostics).
        self.calls = 0

    @classmethod
    def from_settings(cls, settings):
        return cls(number_setting(settings, "dashboard.data_cache_entries", DEFAULT_ENTRIES, int),
                   number_setting(settings, "dashboard.data_cache_bytes", DEFAULT_BYTES, int))

    @property
    def enabled(self):
        return self.max_entries > 0 and self.max_bytes > 0

    def __len__(self):
        return len(self._entries)

    def get(self, key, ttl, fetch, deadline, refresh=None, size=json_size):
        """The value kept for ``key`` while younger than ``ttl`` seconds, else ``fetch()``'s (called in this thread
        when nothing is kept; others asking meanwhile wait for it, at most ``deadline`` seconds), as a ``Cached``.
        Past ``ttl``, ``refresh()`` (``fetch`` if not given; it must not need this request) runs on a thread of its
        own and this request gets the old value if it has not succeeded within ``STALE_WAIT``. Exceptions are never
        kept: the caller and those waiting with it get them (``Uncached`` carries a value to show once)."""
        if not self.enabled or ttl <= 0:
            return Cached(fetch(), time.time())
        give_up = time.monotonic() + deadline
        while True:
            with self._lock:
                now = time.monotonic()
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
                    if now - entry.born < ttl:
                        return Cached(entry.value, entry.fetched_at)
                flight = self._flights.get(key)
                lead = flight is None and (entry is None or now >= entry.retry_at)
                if lead:
                    flight = self._flights[key] = _Flight()
                    self.calls += 1
            if entry is not None:
                return self._stale(key, ttl, entry, flight, lead, refresh or fetch, size)
            if lead:
                return self._call(key, ttl, flight, fetch, size, background=False)
            if not flight.done.wait(max(0.0, give_up - time.monotonic())):
                raise FetchError(f"the data did not arrive within {deadline:g} seconds; try again")
            if flight.ok:
                return Cached(flight.value, flight.fetched_at)
            if isinstance(flight.error, Busy) and time.monotonic() < give_up:
                continue  # that caller had no fetch slot left; this one may have
            raise _again(flight.error)

    def _stale(self, key, ttl, entry, flight, lead, refresh, size):
        if lead:
            threading.Thread(target=self._call, args=(key, ttl, flight, refresh, size, True), daemon=True,
                             name="data-cache-refresh").start()
        if flight is not None and flight.done.wait(self.stale_wait) and flight.ok:
            return Cached(flight.value, flight.fetched_at)
        return Cached(entry.value, entry.fetched_at, stale=True, reason=entry.error)

    def _call(self, key, ttl, flight, fetch, size, background):
        try:
            value = fetch()
        except BaseException as exc:
            self._failed(key, ttl, flight, exc)
            if not background:
                raise
            if not isinstance(exc, (FetchError, Uncached)) and type(exc).__name__ != "BrokerError":
                log.error("refreshing %r failed", key[:2], exc_info=exc)
            return None
        fetched_at = time.time()
        with self._lock:
            self._flights.pop(key, None)
            self._store(key, value, size(value), fetched_at)
        flight.ok, flight.value, flight.fetched_at = True, value, fetched_at
        flight.done.set()
        return Cached(value, fetched_at)

    def _failed(self, key, ttl, flight, exc):
        wait = exc.retry_after if isinstance(exc, Busy) else self.retry_failed
        with self._lock:
            self._flights.pop(key, None)
            entry = self._entries.get(key)
            if entry is not None:
                entry.retry_at = time.monotonic() + min(ttl, wait)
                entry.error = str(exc) if isinstance(exc, (FetchError, Uncached)) else ""
        flight.error = exc
        flight.done.set()

    def _store(self, key, value, size, fetched_at):
        size += len(repr(key))  # a key (a URL and its parameters, say) takes memory too
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        if size > self.max_bytes:
            return  # larger than the whole cache: not kept (nor is the older value, which it replaces)
        self._entries[key] = _Entry(value, size, time.monotonic(), fetched_at)
        self.bytes += size
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.size


_created = threading.Lock()


def cache_for(registry):
    """The application's ``DataCache``, made from its settings on first use."""
    cache = getattr(registry, "dashboard_data_cache", None)
    if cache is None:
        with _created:  # one per application, however many threads ask at once
            cache = registry.__dict__.setdefault("dashboard_data_cache", DataCache.from_settings(registry.settings or {}))
    return cache
