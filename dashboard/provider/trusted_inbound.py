"""Requests from applications we trust to name our users (the inbound side of trusted applications).

They use the wire format documented in the admin guide (``dashboard.broker.trusted``): another instance of this
server speaks it as it is.
"""
import fnmatch
import hashlib
import ipaddress
import logging
import secrets
import time

from ..broker import trusted

log = logging.getLogger(__name__)
HEADER = "X-Trusted-App-Id"


def is_trusted_request(request):
    return HEADER in request.headers


def _ip_allowed(remote, patterns):
    try:
        ip = ipaddress.ip_address(remote)
    except ValueError:
        return False
    for pattern in patterns:
        try:
            if ip in ipaddress.ip_network(pattern, strict=False):
                return True
        except ValueError:
            if fnmatch.fnmatchcase(str(ip), pattern):  # e.g. 10.1.*
                return True
    return False


def trusted_user(request):
    """The user name a trusted application's valid request acts as, or None (and the reason in the log)."""
    root = request.app_root
    app = root["trusted_apps"].get(request.headers.get(HEADER, ""))

    def refuse(why):
        log.warning("trusted-application request refused (%s): %s %s", why, request.method, request.path)

    if app is None:
        return refuse("unknown application")
    if not _ip_allowed(request.remote_addr or "", app.ip_patterns):
        return refuse(f"address {request.remote_addr} not allowed for {app.app_id}")
    if not any(fnmatch.fnmatchcase(request.path, p) for p in app.path_patterns):
        return refuse(f"path not allowed for {app.app_id}")
    try:
        user_name = trusted.verify(app.public_key, request.method, request.url, request.headers)
        ts = int(request.headers["X-Trusted-App-Identity"].split("ts=")[1].split(";")[0])
    except Exception:  # bad signature, malformed or expired identity
        return refuse("invalid or expired identity")
    now = time.time()
    if now - ts > app.timeout or ts - now > 30:
        return refuse("outside the certificate timeout")
    seen = root["trusted_seen"]
    digest = hashlib.sha256(request.headers["X-Trusted-App-Signature"].encode()).hexdigest()
    if digest in seen:
        return refuse("replayed")
    seen[digest] = now + 120
    if secrets.randbelow(100) == 0:
        for old, expires in list(seen.items())[:1000]:
            if expires < now:
                del seen[old]
    user = root.users.get(user_name)
    if user is None or user.disabled:
        return refuse("no such user, or the user may not log in")
    return user.name
