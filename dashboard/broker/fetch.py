"""SSRF-safe HTTP fetching for every request the server makes on a user's behalf.

http(s) only; no userinfo; every address the host resolves to must be public unless an
administrator allow-listed the host or its network; the connection goes to the address that was
checked (no second DNS lookup to rebind); redirects are re-checked hop by hop (or not followed);
timeouts and a response size cap always apply.
"""
from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

import urllib3

DEFAULT_TIMEOUT = 10.0
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
            charset = ctype.split("charset=", 1)[1].split(";")[0].strip() or charset
        return self.body.decode(charset, errors="replace")


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


def _is_public(ip):
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
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


_pools = {}
_pools_lock = threading.Lock()
MAX_POOLS = 256


def _pool(scheme, address, port, host, timeout):
    """A keep-alive connection pool to exactly the address that was checked (reused across requests)."""
    key = (scheme, address, port, host, timeout)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            if len(_pools) >= MAX_POOLS:
                for old in _pools.values():
                    old.close()
                _pools.clear()
            if scheme == "https":
                pool = urllib3.HTTPSConnectionPool(address, port, server_hostname=host, assert_hostname=host,
                                                   cert_reqs="CERT_REQUIRED", retries=False, timeout=timeout,
                                                   maxsize=10)
            else:
                pool = urllib3.HTTPConnectionPool(address, port, retries=False, timeout=timeout, maxsize=10)
            _pools[key] = pool
        return pool


def safe_fetch(url, *, allow_hosts=(), method="GET", headers=None, body=None, follow_redirects=True,
               max_redirects=3, timeout=DEFAULT_TIMEOUT, max_bytes=DEFAULT_MAX_BYTES):
    """Fetch ``url`` under the rules above and return a ``FetchResponse``; raise ``FetchError`` when refused."""
    for _hop in range(max_redirects + 1):
        scheme, host, port, path, address = check_url(url, allow_hosts)
        hdrs = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **(headers or {})}
        default_port = 443 if scheme == "https" else 80
        hdrs["Host"] = host if port == default_port else f"{host}:{port}"
        pool = _pool(scheme, address, port, host, timeout)
        try:
            resp = pool.urlopen(method, path, body=body, headers=hdrs, redirect=False,
                                preload_content=False, timeout=urllib3.Timeout(connect=timeout, read=timeout))
            chunks, size = [], 0
            for chunk in resp.stream(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    resp.drain_conn()
                    raise FetchError(f"the response is larger than {max_bytes // 1024} KiB")
                chunks.append(chunk)
            resp.release_conn()
        except urllib3.exceptions.TimeoutError:
            raise FetchError(f"{host} did not answer within {timeout:g} seconds") from None
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError(f"could not reach {host}: {type(exc).__name__}") from None
        result = FetchResponse(resp.status, {k.lower(): v for k, v in resp.headers.items()}, b"".join(chunks), url)
        if resp.status in (301, 302, 303, 307, 308) and follow_redirects and "location" in result.headers:
            url = urljoin(url, result.headers["location"])
            if resp.status == 303:
                method, body = "GET", None
            continue
        return result
    raise FetchError(f"more than {max_redirects} redirects")
