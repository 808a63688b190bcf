"""Short-lived signed tokens (HMAC-SHA256), e.g. the frame token that lets a gadget frame act for one instance."""
import base64
import hashlib
import hmac
import time


class TokenError(ValueError):
    pass


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret, purpose, fields, ttl, now=None):
    """Return a token binding ``fields`` (strings without '|') to ``purpose`` for ``ttl`` seconds."""
    expires = int((now or time.time()) + ttl)
    payload = "|".join([purpose, *fields, str(expires)]).encode()
    mac = hmac.new(secret, payload, hashlib.sha256).digest()
    return _b64(payload) + "." + _b64(mac)


def verify(secret, purpose, token, now=None):
    """Return the fields of a valid, unexpired token for ``purpose``; raise TokenError otherwise."""
    try:
        payload_b64, mac_b64 = token.split(".")
        payload, mac = _unb64(payload_b64), _unb64(mac_b64)
    except (ValueError, AttributeError):
        raise TokenError("malformed token") from None
    expected = hmac.new(secret, payload, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        raise TokenError("bad signature")
    parts = payload.decode().split("|")
    if parts[0] != purpose:
        raise TokenError("token for another purpose")
    if int(parts[-1]) < (now or time.time()):
        raise TokenError("expired token")
    return parts[1:-1]
