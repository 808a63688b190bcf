"""OAuth 2.0 authorization code grant with PKCE (S256, always), refresh and revocation (RFC 6749, 7636, 7009)."""
import base64
import hashlib
import json
import math
import secrets
from urllib.parse import quote_plus, urlencode

from .fetch import FetchError, safe_fetch, with_query


class OAuth2Error(Exception):
    """The provider refused; ``code`` is its OAuth error code (e.g. ``invalid_grant``) or None."""

    def __init__(self, message, code=None, transient=False):
        super().__init__(message)
        self.code = code
        self.transient = transient


def new_verifier():
    return secrets.token_urlsafe(64)[:96]  # 43-128 characters of [A-Za-z0-9-._~]


def challenge_of(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(provider, client_id, redirect_uri, state, verifier, scopes):
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": state,
              "code_challenge": challenge_of(verifier), "code_challenge_method": "S256"}
    if scopes:
        params["scope"] = " ".join(scopes)
    return with_query(provider.endpoints["authorize"], params)


def _basic(client_id, client_secret):
    """HTTP Basic for a client (RFC 6749 2.3.1): id and secret are each form-encoded first, so that a ``:``, ``%``
    or ``+`` in them reaches the provider as it is."""
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def _token_request(provider, client_id, client_secret, data, allow_hosts):
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
               "Authorization": _basic(client_id, client_secret)}
    try:
        resp = safe_fetch(provider.endpoints["token"], method="POST", body=urlencode(data), headers=headers,
                          allow_hosts=allow_hosts, follow_redirects=False, deadline=15)
    except FetchError as exc:
        raise OAuth2Error(f"could not reach {provider.name}: {exc}", transient=True) from None
    try:
        payload = json.loads(resp.body or b"{}")
    except ValueError:
        payload = {}
    if resp.status == 429 or resp.status >= 500:
        raise OAuth2Error(f"{provider.name} is unavailable (HTTP {resp.status})", transient=True)
    if resp.status != 200 or not isinstance(payload, dict) or "access_token" not in payload:
        code = payload.get("error") if isinstance(payload, dict) else None
        code = code[:100] if isinstance(code, str) else None
        raise OAuth2Error(f"{provider.name} refused the request ({code or f'HTTP {resp.status}'})", code=code)
    return _checked(provider, payload)


#: The longest token kept (JWTs of some providers run to several KiB), and the longest lifetime believed (OAuth 1.0a
#: sessions' too).
MAX_TOKEN = 16384
MAX_EXPIRES_IN = 10 * 365 * 86400


def _checked(provider, payload):
    """The token response with the fields a connection keeps as RFC 6749 5.1 types them (``expires_in`` a whole
    number of seconds, also when sent as a string); OAuth2Error (not transient) for anything else, so that nothing
    half-understood is stored."""
    def token(value):
        return isinstance(value, str) and 0 < len(value) <= MAX_TOKEN

    expires_in, refresh_token = payload.get("expires_in"), payload.get("refresh_token")
    if isinstance(expires_in, str) and expires_in.isascii() and expires_in.isdigit():
        expires_in = int(expires_in)
    if isinstance(expires_in, float) and math.isfinite(expires_in):
        expires_in = int(expires_in)
    if expires_in == 0 and type(expires_in) is int:
        expires_in = None  # some providers say 0 for a token that does not expire
    lifetime_ok = expires_in is None or type(expires_in) is int and 0 < expires_in <= MAX_EXPIRES_IN
    if not token(payload["access_token"]) or refresh_token not in (None, "") and not token(refresh_token) \
            or not lifetime_ok:
        raise OAuth2Error(f"{provider.name} answered with a malformed token", code="invalid_token_response")
    return {**payload, "expires_in": expires_in}


def exchange_code(provider, client_id, client_secret, code, redirect_uri, verifier, allow_hosts):
    return _token_request(provider, client_id, client_secret,
                          {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                           "code_verifier": verifier, "client_id": client_id}, allow_hosts)


def refresh(provider, client_id, client_secret, refresh_token, allow_hosts):
    return _token_request(provider, client_id, client_secret,
                          {"grant_type": "refresh_token", "refresh_token": refresh_token}, allow_hosts)


def revoke(provider, client_id, client_secret, token, allow_hosts):
    """Ask the provider to revoke ``token`` when it declares a revocation endpoint; errors are ignored."""
    if "revoke" not in provider.endpoints:
        return False
    try:
        resp = safe_fetch(provider.endpoints["revoke"], method="POST", body=urlencode({"token": token}),
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "Authorization": _basic(client_id, client_secret)},
                          allow_hosts=allow_hosts, follow_redirects=False)
    except FetchError:
        return False
    return resp.status == 200
