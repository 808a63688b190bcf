"""oauthlib's OAuth 1.0a endpoints, configured for this server, and failures as OAuth Problem Reporting."""
from oauthlib.oauth1 import AccessTokenEndpoint, AuthorizationEndpoint, RequestTokenEndpoint, ResourceEndpoint
from pyramid.settings import asbool

from .validator import Validator, random_string

TOKEN_LENGTH = 32


def validator_for(request):
    settings = request.registry.settings
    return Validator(request.app_root, request.registry.dashboard_secretbox,
                     enforce_ssl=asbool(settings.get("dashboard.oauth.enforce_ssl", False)))


def _endpoint(cls, request):
    return cls(validator_for(request), token_generator=lambda: random_string(TOKEN_LENGTH))


def request_token_endpoint(request):
    return _endpoint(RequestTokenEndpoint, request)


def authorization_endpoint(request):
    return _endpoint(AuthorizationEndpoint, request)


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


def oauth_request_args(request):
    headers = {k: v for k, v in request.headers.items()}
    body = request.body.decode("utf-8", "replace") if request.body else None
    if request.content_type != "application/x-www-form-urlencoded":
        body = None  # only form bodies take part in the signature
    return request.url, request.method, body, headers


def is_oauth_request(request):
    auth = request.headers.get("Authorization", "")
    return auth[:6].lower() == "oauth " or "oauth_signature" in request.params
