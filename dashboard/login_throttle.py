"""Failed logins are limited per account name and per client address, in a moving window, across every process.

``dashboard.login_limit_account`` (default ``5/minute``) and ``dashboard.login_limit_address`` (default
``30/minute``; an IPv6 client counts by its /64 network, an IPv4-mapped address as IPv4) take the ``limits``
notation ("5/minute", "20 per 10 minutes"). Only failures count; a success clears the account's count. Names that
are no account count exactly like real ones, so the answers (and their timing) do not say which names exist.

The failures are kept in the database (``root["login_failures"]``), so every server process sharing it (``workers``
> 1, or several machines on one ZEO server or PostgreSQL) counts the same failures: an attacker spreading guesses
over the processes gets no more of them. Each name and each address has a window (the times of its latest failures)
keyed by a digest (the database holds no names) in one of 256 ``FailureShard`` objects made once at start; a failure
is committed with the login's answer, and two requests (of any processes) writing one shard at the same moment do not
conflict: ``_p_resolveConflict`` keeps the failures of both. (A ZEO server resolves conflicts itself, so it runs
with this package installed: ``runzeo`` from the same virtualenv.) A throttle used outside a request keeps its
windows in the process's memory.
"""
import hashlib
import ipaddress
import time

from limits import parse
from persistent import Persistent

DEFAULT_ACCOUNT, DEFAULT_ADDRESS = "5/minute", "30/minute"
TREE = "login_failures"
#: Windows are spread over this many objects by their key's digest, so concurrent failures rarely touch one object,
#: and none is ever added or removed: the only conflicts are two failures in one shard, which resolve.
SHARDS = 256


class FailureShard(Persistent):
    """The failure windows of the names and addresses whose digest falls here: key -> (cleared at, failure times
    oldest first, how many are kept). A window whose failures are all older than the longest limit is dropped when the shard is next
    written."""

    def __init__(self):
        self.windows = {}

    def recent(self, key, seconds, now):
        cleared, times, _ = self.windows.get(key, (0.0, (), 0))
        return [t for t in times if t > now - seconds and t > cleared]

    def add(self, key, now, keep, stale_before):
        windows = {k: w for k, w in self.windows.items() if w[1] and w[1][-1] >= stale_before}
        cleared, times, _ = windows.get(key, (0.0, (), keep))
        windows[key] = (cleared, (times + (now,))[-keep:], keep)
        self.windows = windows

    def clear(self, key, now):
        window = self.windows.get(key)
        if window is not None and window[1]:
            self.windows = {**self.windows, key: (now, (), window[2])}

    def _p_resolveConflict(self, old, committed, new):
        """Two processes wrote this shard at once: every failure of both counts, a success clears what came before
        it; a window one side dropped as stale comes back only with the other's failures."""
        merged = {}
        mine, theirs = committed.get("windows", {}), new.get("windows", {})
        for key in mine.keys() | theirs.keys():
            windows = [w for w in (mine.get(key), theirs.get(key)) if w is not None]
            cleared = max(w[0] for w in windows)
            times = sorted({t for w in windows for t in w[1] if t > cleared})
            keep = max(w[2] for w in windows)
            merged[key] = (cleared, tuple(times[-keep:]) if times else (), keep)
        return {**new, "windows": merged}


def client_network(address):
    """What the per-address limit counts: an IPv4 address (IPv4-mapped IPv6 ones too) as itself, an IPv6 address by
    its /64 network (one client, a home line, has the whole of it), anything else as its text."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "-"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network((ip, 64), strict=False))
    return str(ip)


def _key(kind, value):
    return hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()


def _new_shards():
    return tuple(FailureShard() for _ in range(SHARDS))


#: Where a throttle used outside any request (no database) keeps its windows: this process's memory.
_unshared = _new_shards()


def _shards():
    """The shards, in the current request's transaction: a failure is committed with the answer that reports it
    (pyramid_tm)."""
    from pyramid.threadlocal import get_current_request

    request = get_current_request()
    if request is None or not getattr(getattr(request, "registry", None), "_zodb_databases", None):
        return _unshared
    return request.app_root.get(TREE) or _unshared


def _create_shards(db):
    from ZODB.POSException import ConflictError

    from .models import get_app_root

    for attempt in range(5):
        try:
            with db.transaction("login throttle: the failure windows") as conn:
                root = get_app_root(conn.root())
                if TREE not in root:
                    root[TREE] = _new_shards()
            return
        except ConflictError:  # another process starting at the same moment made them
            time.sleep(0.1 * (attempt + 1))


class LoginThrottle:
    def __init__(self, per_account=DEFAULT_ACCOUNT, per_address=DEFAULT_ADDRESS):
        self.per_account, self.per_address = parse(per_account), parse(per_address)

    @classmethod
    def from_settings(cls, settings):
        """The throttle of the application being configured; its database gets the shards now (the Configurator
        has made its registry, with pyramid_zodbconn's databases, the current one)."""
        from pyramid.threadlocal import get_current_registry

        throttle = cls(settings.get("dashboard.login_limit_account", DEFAULT_ACCOUNT),
                       settings.get("dashboard.login_limit_address", DEFAULT_ADDRESS))
        databases = getattr(get_current_registry(), "_zodb_databases", None)
        if databases:
            _create_shards(databases[""])
        return throttle

    def _limits(self, name, address):
        # the exact name, as accounts are looked up: "Carol" logging in must not clear the failures of "carol"
        for item, kind, value in ((self.per_account, "account", name),
                                  (self.per_address, "address", client_network(address))):
            key = _key(kind, value)
            yield item, kind, key, int(key[:8], 16) % SHARDS

    def wait(self, name, address):
        """Seconds until another attempt for this name from this address may be tried (0: now)."""
        now, shards = time.time(), _shards()
        waits = []
        for item, _, key, shard in self._limits(name, address):
            recent = shards[shard].recent(key, item.get_expiry(), now)
            if len(recent) >= item.amount:
                waits.append(recent[-item.amount] + item.get_expiry() - now)
        return max([0] + [max(1, int(w + 0.999)) for w in waits])

    def failed(self, name, address):
        """Count a failed attempt; return what it locked ("account", "address"), if anything."""
        now, shards = time.time(), _shards()
        stale_before = now - max(self.per_account.get_expiry(), self.per_address.get_expiry())
        locked = []
        for item, kind, key, shard in self._limits(name, address):
            shards[shard].add(key, now, item.amount, stale_before)
            if len(shards[shard].recent(key, item.get_expiry(), now)) >= item.amount:
                locked.append(kind)
        return locked

    def succeeded(self, name):
        for _, kind, key, shard in self._limits(name, ""):
            if kind == "account":
                _shards()[shard].clear(key, time.time())
