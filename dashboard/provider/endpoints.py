"""oauthlib's OAuth 1.0a endpoints, configured for this server, and failures as OAuth Problem Reporting."""
from oauthlib.oauth1 import AccessTokenEndpoint, AuthorizationEndpoint, RequestTokenEndpoint, ResourceEndpoint
from oauthlib.oauth1.rfc5849 import errors
from pyramid.settings import asbool

from .validator import Validator, random_string, user_of

TOKEN_LENGTH = 32


class OAuthProblem(Exception):
    """A signed request refused, with its OAuth Problem Reporting code (answered 401 with WWW-Authenticate)."""

    ADVICE = {
        "permission_denied": "this request is not one an access token or a trusted application may make: they call "
                             "only the JSON API operations whose x-grant names them (see /api/openapi.json)",
        "nonce_used": "this nonce was already used with this timestamp: sign every request with a new nonce",
        "timestamp_refused": "the timestamp is too far from this server's clock",
        "signature_invalid": "the signature does not verify",
        "signature_method_rejected": "this signature method is not the one the consumer was registered with "
                                     "(or the connection is not secure)",
        "token_rejected": "this access token is unknown here or belongs to another consumer",
        "token_revoked": "this access token was revoked",
        "token_expired": "this access token has expired",
        "consumer_key_unknown": "no consumer with this key is registered here",
        "parameter_absent": "an OAuth parameter is missing",
        "parameter_rejected": "an OAuth parameter is malformed",
    }

    def __init__(self, problem):
        super().__init__(problem)
        self.problem = problem
        self.advice = self.ADVICE.get(problem, problem)


def validator_for(request, authorizing_user=None, defer_nonce=False):
    settings = request.registry.settings
    return Validator(request.app_root, request.registry.dashboard_secretbox,
                     enforce_ssl=asbool(settings.get("dashboard.oauth.enforce_ssl", False)),
                     authorizing_user=authorizing_user, defer_nonce=defer_nonce)


def _endpoint(cls, request):
    """A token endpoint: its nonce is recorded when a token is issued (see ``Validator.defer_nonce``)."""
    return cls(validator_for(request, defer_nonce=True), token_generator=lambda: random_string(TOKEN_LENGTH))


def request_token_endpoint(request):
    return _endpoint(RequestTokenEndpoint, request)


def authorization_endpoint(request, user_name):
    """The endpoint that records ``user_name`` as the user who allowed the request token (never in the redirect)."""
    return AuthorizationEndpoint(validator_for(request, user_name), token_generator=lambda: random_string(TOKEN_LENGTH))


def access_token_endpoint(request):
    return _endpoint(AccessTokenEndpoint, request)


def resource_endpoint(request):
    return ResourceEndpoint(validator_for(request))


def problem_for(body):
    """An OAuth Problem Reporting code for oauthlib's error body; never says whether a key or token exists."""
    text = (body or "").lower()
    if "timestamp" in text:
        return "timestamp_refused"
    if "nonce" in text:
        return "nonce_used"
    if "signature method" in text or "plaintext" in text:
        return "signature_method_rejected"
    if "insecure" in text or "https" in text:
        return "signature_method_rejected"
    if "missing" in text or "duplicate" in text or "invalid_request" in text and "oauth_" in text:
        return "parameter_absent" if "missing" in text else "parameter_rejected"
    return "signature_invalid"


def access_token_user(request):
    """The user name an OAuth 1.0a access token acts for, when the request is validly signed with it; otherwise
    raise ``OAuthProblem`` with the reason.

    oauthlib's ResourceEndpoint answers only valid or not, and records the nonce before it checks the signature
    (so anyone could fill the nonce store). Here every check runs, with dummy secrets for unknown consumers and
    tokens, in the same order whatever is wrong; the nonce is recorded only for a request whose signature verifies,
    and then a replay is reported as such.
    """
    endpoint = resource_endpoint(request)
    validator = endpoint.request_validator
    try:
        oauth = endpoint._create_request(*oauth_request_args(request))
        endpoint._check_transport_security(oauth)
        endpoint._check_mandatory_parameters(oauth)
    except errors.OAuth1Error as exc:
        raise OAuthProblem(problem_for(f"{exc.error} {exc.description}")) from None
    except ValueError:  # not properly URL-encoded
        raise OAuthProblem("parameter_rejected") from None
    if not oauth.resource_owner_key:
        raise OAuthProblem("parameter_absent")
    consumer = validator.root["consumers"].get(oauth.client_key)
    stored = validator.root["oauth_tokens"].get(oauth.resource_owner_key) \
        if validator.check_access_token(oauth.resource_owner_key) else None
    token = validator.access_token(oauth.resource_owner_key, oauth.client_key)
    if token is None:
        oauth.resource_owner_key = validator.dummy_access_token
    if consumer is None:
        oauth.client_key = validator.dummy_client
    signature_ok = endpoint._check_signature(oauth)
    if consumer is None:
        raise OAuthProblem("consumer_key_unknown")
    if oauth.signature_method != consumer.signature_method:
        raise OAuthProblem("signature_method_rejected")
    if stored is None or stored.consumer_key != consumer.key or stored.kind not in ("access", "revoked"):
        raise OAuthProblem("token_rejected")
    if stored.kind == "revoked":
        raise OAuthProblem("token_revoked")
    if token is None:
        raise OAuthProblem("token_expired")
    if not signature_ok:
        raise OAuthProblem("signature_invalid")
    if not validator.validate_timestamp_and_nonce(oauth.client_key, oauth.timestamp, oauth.nonce, oauth,
                                                  access_token=token.token):
        raise OAuthProblem("nonce_used")
    user = user_of(validator.root, token)
    if user is None:
        raise OAuthProblem("permission_denied")
    return user.name


def oauth_request_args(request):
    headers = {k: v for k, v in request.headers.items()}
    body = request.body.decode("utf-8", "replace") if request.body else None
    if request.content_type != "application/x-www-form-urlencoded":
        body = None  # only form bodies take part in the signature
    return request.url, request.method, body, headers


def is_oauth_request(request):
    """Signed with OAuth 1.0a in the Authorization header or the query. (Form bodies are read only by the token
    endpoints: nothing parses a body to decide who the caller is.)"""
    auth = request.headers.get("Authorization", "")
    return auth[:6].lower() == "oauth " or "oauth_signature" in request.GET
