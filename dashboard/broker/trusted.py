"""Trusted-application identity: the logged-in user's name, signed with this server's private key.

Wire format (version 1), three request headers:

    X-Trusted-App-Id:        <this server's consumer key>
    X-Trusted-App-Identity:  v1;user=<percent-encoded user name>;ts=<unix seconds>;exp=<unix seconds>
    X-Trusted-App-Signature: <base64 of the RSA-PSS (SHA-256, MGF1-SHA-256, salt = digest length) signature>

The signed message is the UTF-8 of these lines joined by "\\n":

    v1
    <HTTP method, upper case>
    <the full request URL>
    <ts>
    <exp>
    <user name>

The provider verifies with the public key from our Consumer Info page, refuses exp <= now or exp - ts > 60,
and refuses a signature it has seen before (exp bounds how long it must remember them).
"""
import base64
import time
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

LIFETIME = 30
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def message(method, url, ts, exp, user):
    return "\n".join(["v1", method.upper(), url, str(ts), str(exp), user]).encode()


def signed_headers(private_key_pem, app_id, method, url, user, now=None):
    ts = int(now or time.time())
    exp = ts + LIFETIME
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    signature = key.sign(message(method, url, ts, exp, user), PSS, hashes.SHA256())
    return {"X-Trusted-App-Id": app_id,
            "X-Trusted-App-Identity": f"v1;user={quote(user, safe='')};ts={ts};exp={exp}",
            "X-Trusted-App-Signature": base64.b64encode(signature).decode()}


class Expired(ValueError):
    """The identity's validity has passed (or its lifetime is longer than allowed)."""


def decode_signature(text):
    """The signature's bytes from its header: standard base64 with padding, nothing else (no whitespace, no
    URL-safe alphabet, no characters a lenient decoder would skip), so one signature has exactly one spelling."""
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() != text:
        raise ValueError("the signature is not in canonical base64")
    return raw


def verify(public_key_pem, method, url, headers, now=None):
    """Return (user name, ts) of a valid, unexpired identity; raise ValueError (``Expired`` when it has expired)
    otherwise. Replays are the caller's to refuse."""
    from urllib.parse import unquote

    version, *parts = headers["X-Trusted-App-Identity"].split(";")
    if version != "v1":
        raise ValueError("unknown identity version")
    fields = dict(part.split("=", 1) for part in parts)
    ts, exp, user = int(fields["ts"]), int(fields["exp"]), unquote(fields["user"], errors="strict")
    now = now or time.time()
    if exp <= now or exp - ts > 60:
        raise Expired("the identity has expired")
    key = serialization.load_pem_public_key(public_key_pem.encode())
    key.verify(decode_signature(headers["X-Trusted-App-Signature"]), message(method, url, ts, exp, user), PSS,
               hashes.SHA256())
    return user, ts
