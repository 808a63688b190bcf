"""Bounds on the fetches the server makes for its users: how long each may take, and how many may be in flight.

A worker thread waiting on an upstream serves no one else, so one user (or one slow upstream host) may hold only a
few at a time: at most ``per_user`` fetches in flight for one user and ``per_host`` to one upstream host (host and
port). A fetch beyond that is not queued: ``slot`` raises ``Busy`` at once, and the frame or proxy answers "busy, try
again" with a ``Retry-After``, so the thread goes back to serving others.

The settings (``[app:main]``) are read once per application, on first use:

``dashboard.fetch_deadline``  seconds a whole fetch may take, redirects included (10)
``dashboard.fetch_per_user``  fetches one user may have in flight (8: a browser loads 6 frames at once)
``dashboard.fetch_per_host``  fetches in flight to one upstream host (16)
``dashboard.fetch_backoff``   seconds a user's fetches to one host fail at once after it failed them 3 times in
                              that many seconds (30): an upstream that hangs, trickles or never stops sending costs a
                              few fetches, not one per reload

A failure is a fetch that did not complete (refused, no answer within the deadline, larger than its limit), not an
HTTP error status. The back-off is per user and host, so no user can make a host fail for anyone else.
"""
import threading
import time
from collections import Counter, deque
from contextlib import contextmanager
from urllib.parse import urlsplit

from .fetch import DEFAULT_DEADLINE, FetchError, safe_fetch

DEFAULT_PER_USER = 8
DEFAULT_PER_HOST = 16
DEFAULT_BACKOFF = 30.0
#: Failed fetches of one user to one host within ``backoff`` seconds that start the back-off.
FAILURES_BEFORE_BACKOFF = 3
#: Seconds a busy answer asks the client to wait: fetches in flight mostly end well within that.
RETRY_AFTER = 3


class Busy(FetchError):
    """Too many fetches are in flight for this user or to this host; try again after ``retry_after`` seconds."""

    def __init__(self, message, retry_after=RETRY_AFTER):
        super().__init__(message)
        self.retry_after = retry_after


def number_setting(settings, name, default, kind=float, positive=False):
    """The number setting ``name`` (``kind`` float or int), at least 0 (more than 0 when ``positive``); a ValueError
    naming the setting otherwise, so that a bad value stops the start."""
    raw = settings.get(name, default)
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a {'whole ' if kind is int else ''}number, not {raw!r}") from None
    if value < 0 or (positive and value == 0) or value != value:
        raise ValueError(f"{name} must be {'more than 0' if positive else '0 or more'}, not {raw!r}")
    return value


class FetchLimits:
    """The deadline and the in-flight counts of one application (shared by all its threads)."""

    def __init__(self, deadline=DEFAULT_DEADLINE, per_user=DEFAULT_PER_USER, per_host=DEFAULT_PER_HOST,
                 backoff=DEFAULT_BACKOFF):
        self.deadline, self.per_user, self.per_host, self.backoff = deadline, per_user, per_host, backoff
        self._lock = threading.Lock()
        self._in_flight = Counter()
        #: (user, host) -> the monotonic times of its recent failed fetches (at most FAILURES_BEFORE_BACKOFF)
        self._failures = {}

    @classmethod
    def from_settings(cls, settings):
        return cls(number_setting(settings, "dashboard.fetch_deadline", DEFAULT_DEADLINE, positive=True),
                   number_setting(settings, "dashboard.fetch_per_user", DEFAULT_PER_USER, int, positive=True),
                   number_setting(settings, "dashboard.fetch_per_host", DEFAULT_PER_HOST, int, positive=True),
                   number_setting(settings, "dashboard.fetch_backoff", DEFAULT_BACKOFF, positive=True))

    def in_flight(self, user=None, host=None):
        """How many fetches are in flight for ``user`` or to ``host`` (for tests and diagnostics)."""
        return self._in_flight[("user", user)] if user is not None else self._in_flight[("host", host)]

    @contextmanager
    def slot(self, user, url):
        """Hold one of ``user``'s fetch slots and one of ``url``'s host's while the block runs; ``Busy`` at once
        when either has none left (never waits)."""
        host = urlsplit(url).netloc.lower()
        keys = (("user", user), ("host", host))
        with self._lock:
            wait = self._backing_off(user, host)
            if wait:
                raise Busy(f"{host} failed your last {FAILURES_BEFORE_BACKOFF} requests; trying it again in "
                           f"{wait} seconds.", retry_after=wait)
            if self._in_flight[keys[0]] >= self.per_user:
                raise Busy(f"Busy: you already have {self.per_user} requests to other sites in flight; "
                           f"try again in a few seconds.")
            if self._in_flight[keys[1]] >= self.per_host:
                raise Busy(f"Busy: {host} already has {self.per_host} requests from this server in flight; "
                           f"try again in a few seconds.")
            self._in_flight.update(keys)
        try:
            yield
        except FetchError as exc:
            if not isinstance(exc, Busy):
                self._failed(user, host)
            raise
        finally:
            with self._lock:
                self._in_flight.subtract(keys)
                for key in keys:
                    if self._in_flight[key] <= 0:
                        del self._in_flight[key]

    def _failed(self, user, host):
        with self._lock:
            if len(self._failures) > 10_000:  # forget the oldest half rather than grow without bound
                for key in list(self._failures)[:5_000]:
                    del self._failures[key]
            self._failures.setdefault((user, host), deque(maxlen=FAILURES_BEFORE_BACKOFF)).append(time.monotonic())

    def _backing_off(self, user, host):
        """Whole seconds until ``user`` may try ``host`` again after repeated failures (0: now). Under the lock."""
        failures = self._failures.get((user, host))
        if failures is None or len(failures) < FAILURES_BEFORE_BACKOFF:
            return 0
        if failures[-1] - failures[0] > self.backoff:  # not 3 failures within one window
            return 0
        wait = failures[-1] + self.backoff - time.monotonic()
        if wait <= 0:
            del self._failures[(user, host)]
            return 0
        return max(1, int(wait + 0.999))

    def fetch(self, user, url, **kw):
        """``safe_fetch`` within a slot of ``user``'s and under this deadline (a caller may only shorten it)."""
        deadline = min(kw.pop("deadline", None) or self.deadline, self.deadline)
        with self.slot(user, url):
            return safe_fetch(url, deadline=deadline, **kw)


_created = threading.Lock()


def limits_for(registry):
    """The application's ``FetchLimits``, made from its settings on first use."""
    limits = getattr(registry, "dashboard_fetch_limits", None)
    if limits is None:
        with _created:
            limits = getattr(registry, "dashboard_fetch_limits", None)
            if limits is None:
                limits = registry.dashboard_fetch_limits = FetchLimits.from_settings(registry.settings or {})
    return limits
