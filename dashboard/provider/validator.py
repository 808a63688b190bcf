"""oauthlib's RequestValidator over ZODB: consumers, request/access tokens, verifiers and nonces.

Keys and tokens follow what real products use (Atlassian consumer keys such as ``jira:12345`` or
``hardcoded-consumer``; 32-character alphanumeric tokens), not only oauthlib's defaults. Every failure is
indistinguishable from the outside: unknown keys are checked against dummies, so timing and answers match.
"""
import re
import secrets
import string
import time
from itertools import islice
from urllib.parse import urlsplit

from oauthlib.oauth1 import RequestValidator

KEY_RE = re.compile(r"^[A-Za-z0-9._:\-/@+]{1,255}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9]{16,64}$")  # ours are 32; RFC 5849 and others use 16+
VERIFIER_RE = re.compile(r"^[A-Za-z0-9]{32}$")
NONCE_RE = re.compile(r"^[A-Za-z0-9._~\-]{6,128}$")  # RFC 5849 1.2 uses a 6-character nonce
REQUEST_TOKEN_LIFETIME = 600
TIMESTAMP_WINDOW = 300
ALPHANUMERIC = string.ascii_letters + string.digits


def random_string(length):
    return "".join(secrets.choice(ALPHANUMERIC) for _ in range(length))


def forget_expired(tree, now, after=None, count=1000):
    """Forget the entries of ``tree`` (key -> when it expires) that have expired among the ``count`` after the key
    ``after`` (from the first without it), never a walk of them all. Returns the key to go on after next time, or
    None when the tree's end was reached."""
    items = list(islice(tree.items() if after is None else tree.items(min=after, excludemin=True), count))
    for key, expires in items:
        if expires < now:
            del tree[key]
    return items[-1][0] if len(items) == count else None


class Validator(RequestValidator):
    def __init__(self, root, box, enforce_ssl=False, authorizing_user=None, defer_nonce=False):
        super().__init__()
        self.root, self.box, self._enforce_ssl = root, box, enforce_ssl
        #: The token endpoints (oauthlib checks the nonce before the consumer and the signature): a new nonce is
        #: recorded only once the token is issued, so that requests nobody signed store nothing.
        self.defer_nonce, self._unrecorded_nonce = defer_nonce, None
        #: The user answering the Allow page (recorded with the verifier; never added to the callback URL).
        self.authorizing_user = authorizing_user
        self._dummy_secret = random_string(32)

    # What is allowed at all: never PLAINTEXT.
    allowed_signature_methods = ("HMAC-SHA1", "RSA-SHA1")
    timestamp_lifetime = TIMESTAMP_WINDOW

    @property
    def enforce_ssl(self):
        return self._enforce_ssl

    @property
    def dummy_client(self):
        return "dummy-consumer-key"

    @property
    def dummy_request_token(self):
        return "D" * 32

    @property
    def dummy_access_token(self):
        return "A" * 32

    def check_client_key(self, client_key):
        return bool(KEY_RE.match(client_key))

    def check_request_token(self, token):
        return bool(TOKEN_RE.match(token))

    def check_access_token(self, token):
        return bool(TOKEN_RE.match(token))

    def check_nonce(self, nonce):
        return bool(NONCE_RE.match(nonce))

    def check_verifier(self, verifier):
        return bool(VERIFIER_RE.match(verifier))

    def check_realms(self, realms):
        return True

    # Consumers

    def _consumer(self, client_key):
        return self.root["consumers"].get(client_key)

    def validate_client_key(self, client_key, request):
        consumer = self._consumer(client_key)
        # The signature method is bound to how the consumer was registered.
        return consumer is not None and request.signature_method == consumer.signature_method

    def get_client_secret(self, client_key, request):
        consumer = self._consumer(client_key)
        if consumer is None or consumer.shared_secret_enc is None:
            return self._dummy_secret  # never empty: an empty secret must not verify anything
        return self.box.decrypt(consumer.shared_secret_enc)

    def get_rsa_key(self, client_key, request):
        consumer = self._consumer(client_key)
        if consumer is None or not consumer.public_key:
            return self.root.settings["consumer_public_key"]  # a key nobody else signs with
        return consumer.public_key

    def validate_redirect_uri(self, client_key, redirect_uri, request):
        consumer = self._consumer(client_key)
        if consumer is None:
            return False
        # A registered callback must match exactly (so not oob either); without one, any http(s) callback or oob.
        if consumer.callback:
            return redirect_uri == consumer.callback
        return redirect_uri == "oob" or plain_http_url(redirect_uri)

    def get_default_realms(self, client_key, request):
        return []

    def get_realms(self, token, request):
        return []

    def validate_requested_realms(self, client_key, realms, request):
        return True

    def validate_realms(self, client_key, token, request, uri=None, realms=None):
        return True

    def verify_realms(self, token, realms, request):
        return True

    # Nonces: per consumer (and token), remembered for as long as a timestamp stays acceptable.

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, request_token=None,
                                     access_token=None):
        nonces = self.root["oauth_nonces"]
        key = (client_key, nonce, str(timestamp), request_token or access_token or "")
        if key in nonces:
            return False
        if self.defer_nonce:
            self._unrecorded_nonce = key
        else:
            self._record_nonce(key)
        return True

    def _record_nonce(self, key):
        nonces = self.root["oauth_nonces"]
        now = time.time()
        nonces[key] = now + 2 * TIMESTAMP_WINDOW
        if secrets.randbelow(100) == 0:  # now and then, forget nonces whose timestamps can no longer pass
            # on from where the last prune stopped, so that every nonce is looked at in turn: the first thousand
            # only never reached the ones after a busy consumer's live nonces, and they were kept for ever
            cursor = self.root["oauth_nonces_pruned"]
            cursor["at"] = forget_expired(nonces, now, cursor.get("at"))

    def _record_deferred_nonce(self):
        if self._unrecorded_nonce is not None:
            self._record_nonce(self._unrecorded_nonce)
            self._unrecorded_nonce = None

    # Tokens

    def _token(self, token, kind, client_key=None):
        found = self.root["oauth_tokens"].get(token)
        if found is None or found.kind != kind or found.expired():
            return None
        if client_key is not None and found.consumer_key != client_key:
            return None  # another consumer's token
        return found

    def access_token(self, token, client_key):
        """The unexpired access token ``token`` issued to ``client_key``, or None."""
        return self._token(token, "access", client_key)

    def get_request_token_secret(self, client_key, token, request):
        found = self._token(token, "request", client_key)
        return self.box.decrypt(found.secret_enc) if found else self._dummy_secret

    def get_access_token_secret(self, client_key, token, request):
        found = self._token(token, "access", client_key)
        return self.box.decrypt(found.secret_enc) if found else self._dummy_secret

    def validate_request_token(self, client_key, token, request):
        return self._token(token, "request", client_key) is not None

    def validate_access_token(self, client_key, token, request):
        found = self._token(token, "access", client_key)
        if user_of(self.root, found) is None:
            return False
        request.user = found.user
        return True

    def verify_request_token(self, token, request):
        return self._token(token, "request") is not None

    def get_redirect_uri(self, token, request):
        found = self._token(token, "request")
        return found.callback if found else "oob"

    def validate_verifier(self, client_key, token, verifier, request):
        found = self._token(token, "request", client_key)
        if found is None or found.verifier is None or user_of(self.root, found) is None:
            return False
        ok = secrets.compare_digest(found.verifier, verifier)
        if ok:
            request.user = found.user
        return ok

    def invalidate_request_token(self, client_key, request_token, request):
        # Request tokens and their verifiers are single use.
        from ..models.provider_side import remove_token

        remove_token(self.root, request_token)

    def save_request_token(self, token, request):
        from ..models.provider_side import IssuedToken, store_token

        self._record_deferred_nonce()
        store_token(self.root, IssuedToken(
            token["oauth_token"], self.box.encrypt(token["oauth_token_secret"]), request.client_key, "request",
            REQUEST_TOKEN_LIFETIME, callback=request.redirect_uri or "oob"))

    def save_verifier(self, token, verifier, request):
        found = self._token(token, "request")
        found.verifier = verifier["oauth_verifier"]
        found.user = self.authorizing_user

    def save_access_token(self, token, request):
        from ..models.provider_side import IssuedToken, store_token

        self._record_deferred_nonce()
        issued = IssuedToken(token["oauth_token"], self.box.encrypt(token["oauth_token_secret"]),
                             request.client_key, "access", self.root.settings["access_token_lifetime"])
        issued.user = request.user
        store_token(self.root, issued)  # indexed by user, id and consumer: no page walks every token


def plain_http_url(url):
    """An http(s) URL with a host and no fragment, of printable ASCII without spaces: one that can be a Location and
    take our query parameters at its end."""
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # the port raises ValueError when out of range
    except ValueError:
        return False
    return (parts.scheme in ("http", "https") and bool(host) and "#" not in url
            and url.isascii() and url.isprintable() and " " not in url and len(url) <= 2000)


def user_of(root, token):
    """The user a request or access token was issued for, if that very user still exists and may log in; else None.
    A token older than the user is a former user's of the same name (deleted since): it is not this one's."""
    user = root.users.get(token.user) if token is not None and token.user is not None else None
    if user is None or user.disabled or token.created < user.created.timestamp():
        return None
    return user
