"""OAuth 1.0a consumer (RFC 5849) with HMAC-SHA1 or RSA-SHA1 signatures, as Atlassian products speak it."""
import copy
from urllib.parse import parse_qsl, urlsplit

from oauthlib import oauth1
from oauthlib.oauth1.rfc5849 import signature

from .fetch import FetchError, safe_fetch
from .oauth2 import MAX_EXPIRES_IN

LOCATIONS = {"header": oauth1.SIGNATURE_TYPE_AUTH_HEADER, "query": oauth1.SIGNATURE_TYPE_QUERY,
             "body": oauth1.SIGNATURE_TYPE_BODY}


class UnsignableRequest(ValueError):
    """oauthlib cannot sign this request (e.g. a GET with a form body); ``str()`` says why."""


class OAuth1Error(Exception):
    def __init__(self, message, problem=None):
        super().__init__(message)
        self.problem = problem


class Client(oauth1.Client):
    """oauthlib's client, signing header-located parameters without a round trip through its own header.

    oauthlib renders the Authorization header, parses it back to collect the parameters, then renders it again (and
    formats three debug lines); every brokered request pays for that. The parameters it collects are exactly the
    query's, a form body's and ``oauth_params``, so they are taken from there. The same signature methods sign the
    same base string: ``tests/test_broker_oauth1.py`` compares the result with oauthlib's own for every case.
    """

    def get_oauth_signature(self, request):
        if self.signature_type != oauth1.SIGNATURE_TYPE_AUTH_HEADER or self.signature_method not in (
                oauth1.SIGNATURE_HMAC_SHA1, oauth1.SIGNATURE_RSA_SHA1):
            return super().get_oauth_signature(request)
        params = signature.collect_parameters(uri_query=urlsplit(request.uri).query, body=request.body)
        params += [(k, v) for k, v in request.oauth_params if k != "oauth_signature"]
        base_uri = signature.base_string_uri(request.uri, request.headers.get("Host"))
        base = signature.signature_base_string(request.http_method, base_uri, signature.normalize_parameters(params))
        return self.SIGNATURE_METHODS[self.signature_method](base, self)


def client(provider, consumer_key, shared_secret, rsa_key, **kw):
    rsa = provider.signature_method == "RSA-SHA1"
    return Client(consumer_key, client_secret=None if rsa else shared_secret,
                  signature_method=oauth1.SIGNATURE_RSA_SHA1 if rsa else oauth1.SIGNATURE_HMAC_SHA1,
                  rsa_key=rsa_key if rsa else None, signature_type=LOCATIONS[provider.signature_location], **kw)


FORM = "application/x-www-form-urlencoded"


def sign(oauth_client, method, url, body=None, headers=None):
    """Return (url, headers, body) signed; ``UnsignableRequest`` when oauthlib cannot sign such a request."""
    headers = dict(headers or {})
    if body is not None and "Content-Type" not in headers:
        headers["Content-Type"] = FORM
    if oauth_client.signature_type == oauth1.SIGNATURE_TYPE_BODY:
        if method in ("POST", "PUT", "PATCH") and (body is None or headers["Content-Type"] == FORM):
            body, headers["Content-Type"] = body or "", FORM
        else:
            # RFC 5849 3.5.2: the parameters go in a form-encoded body only; a GET or a JSON body takes them in the
            # query, as 3.5.3 allows
            oauth_client = copy.copy(oauth_client)
            oauth_client.signature_type = oauth1.SIGNATURE_TYPE_QUERY
    try:
        return oauth_client.sign(url, http_method=method, body=body, headers=headers)
    except ValueError as exc:
        raise UnsignableRequest(str(exc)) from None


#: The longest token or token secret taken from a provider (oauth_expires_in is believed up to MAX_EXPIRES_IN).
MAX_TOKEN = 255


def _token_call(provider, oauth_client, endpoint, allow_hosts):
    url, headers, body = sign(oauth_client, "POST", provider.endpoints[endpoint], body="")
    try:
        resp = safe_fetch(url, method="POST", body=body or "", headers=headers, allow_hosts=allow_hosts,
                          follow_redirects=False, deadline=15)
    except FetchError as exc:
        raise OAuth1Error(f"could not reach {provider.name}: {exc}") from None
    values = dict(parse_qsl(resp.text()))
    if resp.status != 200 or "oauth_token" not in values:
        problem = values.get("oauth_problem", "")[:100]
        raise OAuth1Error(f"{provider.name} refused the request ({problem or f'HTTP {resp.status}'})", problem)
    if not 0 < len(values["oauth_token"]) <= MAX_TOKEN or len(values.get("oauth_token_secret", "")) > MAX_TOKEN:
        raise OAuth1Error(f"{provider.name} answered with a malformed token")
    return values


def request_token(provider, oauth_client, allow_hosts):
    """Return (token, secret); ``oauth_client`` carries the callback URI."""
    values = _token_call(provider, oauth_client, "request_token", allow_hosts)
    if values.get("oauth_callback_confirmed", "").lower() != "true":  # Authlib says "True"
        # RFC 5849 2.1: an OAuth 1.0 provider, which ignored our callback (open to session fixation)
        raise OAuth1Error(f"{provider.name} did not confirm the callback (oauth_callback_confirmed): it does not "
                          "speak OAuth 1.0a")
    return values["oauth_token"], values.get("oauth_token_secret", "")


def access_token(provider, oauth_client, allow_hosts):
    """Return (token, secret, other values); ``oauth_client`` carries the request token and verifier. Atlassian's
    session extension ``oauth_expires_in`` is in the other values as whole seconds, or absent."""
    values = _token_call(provider, oauth_client, "access_token", allow_hosts)
    expires_in = values.pop("oauth_expires_in", "")
    if expires_in.isascii() and expires_in.isdigit() and 0 < int(expires_in) <= MAX_EXPIRES_IN:
        values["oauth_expires_in"] = int(expires_in)
    return values.pop("oauth_token"), values.pop("oauth_token_secret", ""), values
