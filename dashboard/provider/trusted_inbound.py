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
from .endpoints import OAuthProblem
from .validator import forget_expired

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
    """The user name a trusted application's valid request acts as; otherwise raise ``OAuthProblem`` (the reason
    is also logged)."""
    root = request.app_root
    app = root["trusted_apps"].get(request.headers.get(HEADER, ""))

    def refuse(problem, why):
        log.warning("trusted-application request refused (%s): %s %s", why, request.method, request.path)
        raise OAuthProblem(problem)

    if app is None:
        refuse("consumer_key_unknown", "unknown application")
    if not _ip_allowed(request.remote_addr or "", app.ip_patterns):
        refuse("permission_denied", f"address {request.remote_addr} not allowed for {app.app_id}")
    if not any(fnmatch.fnmatchcase(request.path, p) for p in app.path_patterns):
        refuse("permission_denied", f"path not allowed for {app.app_id}")
    try:
        signature = trusted.decode_signature(request.headers.get("X-Trusted-App-Signature", ""))
        user_name, ts = trusted.verify(app.public_key, request.method, request.url, request.headers)
    except trusted.Expired:
        refuse("timestamp_refused", "expired identity")
    except Exception:  # bad signature, malformed identity
        refuse("signature_invalid", "invalid identity or signature")
    now = time.time()
    if now - ts > app.timeout or ts - now > 30:
        refuse("timestamp_refused", "outside the certificate timeout")
    seen = root["trusted_seen"]
    # What was verified (the signature's bytes), not the header's text, which lenient decoders read many ways.
    digest = hashlib.sha256(signature).hexdigest()
    if digest in seen:
        refuse("nonce_used", "replayed")
    seen[digest] = now + 120
    if secrets.randbelow(100) == 0:
        forget_expired(seen, now, after=secrets.token_hex(32))  # from a random point: digests are random
    user = root.users.get(user_name)
    if user is None or user.disabled:
        refuse("permission_denied", "no such user, or the user may not log in")
    return user.name
