"""SSRF-safe HTTP fetching for every request the server makes on a user's behalf.

http(s) only; no userinfo; every address the host resolves to must be public unless an
administrator allow-listed the host or its network; the connection goes to the address that was
checked (no second DNS lookup to rebind); redirects are re-checked hop by hop (or not followed).

Every fetch is bounded: one deadline covers connecting, sending and reading every byte across all redirects (a
watchdog thread shuts the socket down when it passes, so an upstream that trickles a byte at a time cannot hold a
thread past it), and a response larger than the byte limit is cut off by closing the connection, never read to its
end. Errors name their cause: a refused connection, an address that cannot be reached, no answer, an answer that did
not finish in time, too many bytes.
"""
from __future__ import annotations

import heapq
import ipaddress
import itertools
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

import urllib3

#: Seconds a whole fetch may take (connect, send, every read, every redirect hop); ``dashboard.fetch_deadline``.
DEFAULT_DEADLINE = 10.0
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
USER_AGENT = "GadgetDashboard/0.1 (+server-side fetch)"


class FetchError(Exception):
    """The fetch was refused or failed; ``str()`` is safe to show to the user."""


@dataclass
class FetchResponse:
    status: int
    headers: dict
    body: bytes
    url: str

    def text(self):
        charset = "utf-8"
        ctype = self.headers.get("content-type", "")
        if "charset=" in ctype:
            charset = ctype.split("charset=", 1)[1].split(";")[0].strip().strip('"') or charset
        try:
            return self.body.decode(charset, errors="replace")
        except (LookupError, UnicodeError):  # a charset Python does not know or cannot replace in (idna): UTF-8
            return self.body.decode("utf-8", errors="replace")


def with_query(url, params):
    """``url`` with ``params`` (a mapping or pairs; list values repeat the name) added to any query it has."""
    query = urlencode(params, doseq=True)
    return url + ("&" if "?" in url else "?") + query if query else url


def _allowed_by_admin(host, ip, allow_hosts):
    for entry in allow_hosts:
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == host.lower():
            return True
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


#: NAT64's well-known prefix (RFC 6052): the IPv4 address in its last 32 bits is where the packets go.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: Not globally routable, whatever this Python's ``is_global`` says (its tables vary by release): IETF protocol
#: assignments (192.0.0.0/24, RFC 6890), site-local (fec0::/10, deprecated by RFC 3879) and local-use NAT64
#: (64:ff9b:1::/48, RFC 8215, where the IPv4 address may sit anywhere).
_NOT_GLOBAL = tuple(ipaddress.ip_network(n) for n in ("192.0.0.0/24", "fec0::/10", "64:ff9b:1::/48"))


def _embedded_ipv4(ip):
    """The IPv4 addresses an IPv6 address carries to: mapped, 6to4 (2002::/16), Teredo (2001::/32, server and
    client), NAT64 (64:ff9b::/96)."""
    if ip in _NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    found = [ip.ipv4_mapped, ip.sixtofour] + list(ip.teredo or ())
    return [v4 for v4 in found if v4 is not None]


def _is_public(ip):
    """True for a globally routable address only; an IPv6 address that embeds an IPv4 one is as public as that."""
    if any(ip.version == network.version and ip in network for network in _NOT_GLOBAL):
        return False
    if ip.version == 6:
        embedded = _embedded_ipv4(ip)
        if embedded:
            # NAT64 and mapped addresses stand for the IPv4 one; 6to4 and Teredo must be global themselves too
            public = all(_is_public(v4) for v4 in embedded)
            return public if ip in _NAT64 or ip.ipv4_mapped else public and _is_public_itself(ip)
    return _is_public_itself(ip)


def _is_public_itself(ip):
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


def check_url(url, allow_hosts=()):
    """Return (scheme, host, port, path_with_query, address) for a URL that may be fetched, or raise FetchError."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchError("the URL is malformed") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs can be fetched, not {parts.scheme or 'a relative URL'}")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise FetchError("URLs with a user name or password in them are not fetched")
    host = parts.hostname
    if not host:
        raise FetchError("the URL has no host")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(f"the host {host} could not be found") from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if not (_is_public(ip) or _allowed_by_admin(host, ip, allow_hosts)):
            raise FetchError(f"the host {host} resolves to a private or local address, which is not fetched "
                             "(an administrator can allow it)")
        addresses.append(str(ip))
    if not addresses:
        raise FetchError(f"the host {host} has no address")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, host, port, path, addresses[0]


class _Deadline:
    """One fetch's deadline; when it passes, the watchdog shuts the fetch's socket down, which ends any read or
    write blocked on it at once (the fetching thread then sees ``expired``)."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = self.done = False
        self._sock = None
        self._lock = threading.Lock()

    def remaining(self):
        return max(self.at - time.monotonic(), 0.001)

    def attach(self, sock):
        with self._lock:
            self._sock = sock
            if self.expired:
                _shut(sock)

    def expire(self):
        with self._lock:
            if self.done:
                return
            self.expired = True
            if self._sock is not None:
                _shut(self._sock)


def _shut(sock):
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, also under TLS: no TLS close to send
    except OSError:
        pass


class _Watchdog:
    """One daemon thread that expires deadlines in time order."""

    def __init__(self):
        self._heap, self._order = [], itertools.count()
        self._cond = threading.Condition()
        self._thread = None

    def watch(self, deadline):
        with self._cond:
            heapq.heappush(self._heap, (deadline.at, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fetch-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self):
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                at, _, deadline = self._heap[0]
                wait = at - time.monotonic()
                if not deadline.done and wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            deadline.expire()


_watchdog = _Watchdog()
_current = threading.local()  # the deadline of the fetch running in this thread


class _WatchedConnection:
    """Hands every socket a fetch uses, new or kept alive, to that fetch's deadline."""

    def _new_conn(self):
        sock = super()._new_conn()
        _attach(sock)
        return sock

    def request(self, *args, **kw):
        if self.sock is not None:
            _attach(self.sock)
        return super().request(*args, **kw)


def _attach(sock):
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.attach(sock)


class _HTTPConnection(_WatchedConnection, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_WatchedConnection, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_pools = {}
_pools_lock = threading.Lock()
MAX_POOLS = 256


def _pool(scheme, address, port, host):
    """A keep-alive connection pool to exactly the address that was checked (reused across requests)."""
    key = (scheme, address, port, host)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            if len(_pools) >= MAX_POOLS:
                for old in _pools.values():
                    old.close()
                _pools.clear()
            if scheme == "https":
                pool = _HTTPSPool(address, port, server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED",
                                  retries=False, maxsize=10)
            else:
                pool = _HTTPPool(address, port, retries=False, maxsize=10)
            _pools[key] = pool
        return pool


def _failure(exc, host, deadline, answered):
    """The FetchError that names why a fetch failed (``answered``: the response's headers had arrived)."""
    if deadline.expired or isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        if answered:
            return FetchError(f"{host} did not send its whole answer within {deadline.seconds:g} seconds")
        return FetchError(f"{host} did not answer within {deadline.seconds:g} seconds")
    # urllib3 2.x: NewConnectionError (refused, unreachable) is a subclass of ConnectTimeoutError; test it first.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        cause = exc.__cause__
        if isinstance(cause, ConnectionRefusedError):
            return FetchError(f"{host} refused the connection")
        reason = getattr(cause, "strerror", None) or type(cause).__name__
        return FetchError(f"could not connect to {host}: {reason}")
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        return FetchError(f"{host} did not accept the connection within {deadline.seconds:g} seconds")
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return FetchError(f"{host} closed the connection before its answer was complete")
    return FetchError(f"could not reach {host}: {type(exc).__name__}")


def _read(resp, max_bytes):
    """The body, or FetchError past ``max_bytes``: the connection is then closed, never read to its end."""
    declared = resp.headers.get("content-length", "")
    chunks, size = [], 0
    if not (declared.isdigit() and int(declared) > max_bytes):
        for chunk in resp.stream(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                break
            chunks.append(chunk)
        else:
            return b"".join(chunks)
    resp.close()  # closes the connection: an endless body costs nothing more
    raise FetchError(f"the response is larger than {max_bytes // 1024} KiB")


def safe_fetch(url, *, allow_hosts=(), method="GET", headers=None, body=None, follow_redirects=True,
               max_redirects=3, deadline=None, max_bytes=DEFAULT_MAX_BYTES):
    """Fetch ``url`` under the rules above and return a ``FetchResponse``; raise ``FetchError`` when refused.

    ``deadline`` (seconds, default ``DEFAULT_DEADLINE``) bounds the whole fetch, redirects included."""
    limit = _Deadline(deadline or DEFAULT_DEADLINE)
    _watchdog.watch(limit)
    _current.deadline = limit
    try:
        for _hop in range(max_redirects + 1):
            result = _fetch_once(url, allow_hosts, method, headers, body, limit, max_bytes)
            if result.status in (301, 302, 303, 307, 308) and follow_redirects and "location" in result.headers:
                url = urljoin(url, result.headers["location"])
                if result.status == 303:
                    method, body = "GET", None
                continue
            return result
        raise FetchError(f"more than {max_redirects} redirects")
    finally:
        with limit._lock:
            limit.done = True
        _current.deadline = None


def _fetch_once(url, allow_hosts, method, headers, body, limit, max_bytes):
    scheme, host, port, path, address = check_url(url, allow_hosts)
    hdrs = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **(headers or {})}
    default_port = 443 if scheme == "https" else 80
    name = f"[{host}]" if ":" in host else host  # an IPv6 literal, as in its URL
    hdrs["Host"] = name if port == default_port else f"{name}:{port}"
    resp = None
    try:
        remaining = limit.remaining()
        resp = _pool(scheme, address, port, host).urlopen(
            method, path, body=body, headers=hdrs, redirect=False, preload_content=False,
            timeout=urllib3.Timeout(connect=remaining, read=remaining))
        content = b"" if method == "HEAD" else _read(resp, max_bytes)  # HEAD's Content-Length is a GET's
        if limit.expired:  # a body read to a close the watchdog made would look complete
            raise urllib3.exceptions.ProtocolError("cut off at the deadline")
        resp.release_conn()
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        if resp is not None:
            resp.close()
        raise _failure(exc, host, limit, resp is not None) from None
    return FetchResponse(resp.status, {k.lower(): v for k, v in resp.headers.items()}, content, url)
