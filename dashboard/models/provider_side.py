"""The service provider side: applications allowed to use our resources (consumers) and what we issued to them."""
import time
from datetime import datetime, timezone

from persistent import Persistent

from .ids import new_id


class Consumer(Persistent):
    """An application that may access our users' resources once a user allows it (OAuth 1.0a).

    The signature method is bound to how it was registered: with a public key it can only sign RSA-SHA1, with a
    shared secret only HMAC-SHA1.
    """

    def __init__(self, key, name, description="", public_key=None, shared_secret_enc=None, callback=""):
        self.key = key
        self.name = name
        self.description = description
        self.public_key = public_key
        self.shared_secret_enc = shared_secret_enc
        self.callback = callback
        self.created = datetime.now(timezone.utc)

    @property
    def signature_method(self):
        return "RSA-SHA1" if self.public_key else "HMAC-SHA1"


class IssuedToken(Persistent):
    """A request token (10 minutes, single use) or an access token we issued to a consumer."""

    def __init__(self, token, secret_enc, consumer_key, kind, lifetime, callback=""):
        #: What pages and forms use to name it; the token itself never leaves the OAuth exchange.
        self.id = new_id()
        self.token = token
        self.secret_enc = secret_enc
        self.consumer_key = consumer_key
        self.kind = kind  # "request" or "access"
        self.created = time.time()
        self.expires = self.created + lifetime
        self.callback = callback
        self.user = None
        self.verifier = None

    def expired(self, now=None):
        return (now or time.time()) >= self.expires


class TrustedApp(Persistent):
    """An application whose signed requests may act as one of our users by name (inbound trusted application).

    Only within ``timeout`` seconds of signing, only from ``ip_patterns``, only to ``path_patterns``, only for a user
    who exists and may log in, and never twice with the same signature.
    """

    def __init__(self, app_id, name, public_key, ip_patterns, path_patterns, timeout=10):
        self.app_id = app_id
        self.name = name
        self.public_key = public_key
        self.ip_patterns = list(ip_patterns)
        self.path_patterns = list(path_patterns)
        self.timeout = timeout
        self.created = datetime.now(timezone.utc)


class SpecSource(Persistent):
    """A gadget spec URL an administrator added, with the last copy fetched (or why the last fetch failed)."""

    #: The spec's external message bundles as last fetched: href -> bytes (None for sources stored before bundles).
    bundles = None
    #: The https hosts (host or host:port) an administrator allowed this spec's scripts and styles to come from; its
    #: frame's CSP lists exactly these.
    script_hosts = ()

    def __init__(self, url, added_by):
        self.url = url
        self.added_by = added_by
        self.body = None
        self.error = None
        self.fetched_at = 0.0


# Issued tokens are kept in ``root["oauth_tokens"]`` (token -> IssuedToken) and indexed so that no request walks
# them all: ``oauth_tokens_by_user`` ((user, id) -> token, access tokens), ``oauth_token_ids`` (id -> token, access
# tokens) and ``oauth_tokens_by_consumer`` ((consumer key, token), every token). Only these two functions change them.


def store_token(root, issued):
    """Store ``issued`` (a request token, or an access token with its user) with its index entries."""
    root["oauth_tokens"][issued.token] = issued
    root["oauth_tokens_by_consumer"].add((issued.consumer_key, issued.token))
    if issued.kind in ("access", "revoked"):
        root["oauth_tokens_by_user"][(issued.user or "", issued.id)] = issued.token
        root["oauth_token_ids"][issued.id] = issued.token


def remove_token(root, token):
    """Forget the token ``token`` (a string) and its index entries; None if there was none."""
    issued = root["oauth_tokens"].pop(token, None)
    if issued is not None:
        by_consumer = root["oauth_tokens_by_consumer"]
        if (issued.consumer_key, issued.token) in by_consumer:
            by_consumer.remove((issued.consumer_key, issued.token))
        if root["oauth_token_ids"].get(issued.id) == issued.token:
            del root["oauth_token_ids"][issued.id]
            root["oauth_tokens_by_user"].pop((issued.user or "", issued.id), None)
    return issued


def token_by_id(root, token_id):
    """The access (or revoked) token named ``token_id`` on pages and forms, or None."""
    token = root["oauth_token_ids"].get(token_id) if isinstance(token_id, str) else None
    return root["oauth_tokens"].get(token) if token is not None else None


def remove_tokens_of_user(root, user_name):
    """Forget every access (or revoked) token issued for ``user_name``, read through the index by user: only theirs
    are loaded. Returns how many went."""
    index = root["oauth_tokens_by_user"]
    keys = []
    for key in index.keys(min=(user_name, "")):
        if key[0] != user_name:
            break
        keys.append(key)
    for key in keys:
        remove_token(root, index[key])
        index.pop(key, None)  # gone with its token, or left by one already forgotten
    return len(keys)


def tokens_of_consumer(root, consumer_key):
    """The tokens issued to one consumer, read through the index: only theirs are loaded."""
    found = []
    for key, token in root["oauth_tokens_by_consumer"].keys(min=(consumer_key, "")):
        if key != consumer_key:
            break
        found.append(token)
    return found
