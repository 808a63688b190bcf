"""Who the request is and what they may do.

Three kinds of caller:

- a browser **session** (the signed session cookie naming a session the server still holds for the user: logout, a
  password change or an administrator ends it; it also ends after ``dashboard.session_timeout`` seconds unused and
  ``dashboard.session_lifetime`` seconds after login);
- an OAuth 1.0a **access token** a user allowed (the request signed with it);
- a **trusted application** naming one of our users (its signed identity).

A signed request (the last two) is accepted only on the JSON API operations whose ``x-grant`` in the OpenAPI
document (``views/openapi.py``) names its kind; anywhere else, and whenever its signature, token or identity fails,
it is refused with 401 and an OAuth ``oauth_problem``. It never falls back to the session cookie it may also carry.
"""
import secrets
import time

from pyramid.authentication import SessionAuthenticationHelper
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.events import ContextFound, subscriber
from pyramid.security import Allowed, Denied

from .provider.endpoints import OAuthProblem, access_token_user, is_oauth_request
from .provider.trusted_inbound import is_trusted_request, trusted_user

#: Permissions used by views: "user" for any logged-in, enabled account; "admin" for administrators.
USER, ADMIN = "user", "admin"
#: The OAuth endpoints that consumers sign with their own key (and a request token): not access-token requests.
CONSUMER_ENDPOINTS = ("oauth_request_token", "oauth_access_token")
SESSION_ID = "dashboard.sid"
#: Where the session keeps its CSRF token (Pyramid's default key for SessionCSRFStoragePolicy).
CSRF_KEY = "_csrft_"


def signed_kind(request):
    """"trusted-app", "access-token" or None (a plain request, perhaps with a session cookie)."""
    from .views.openapi import ACCESS_TOKEN, TRUSTED_APP

    if is_trusted_request(request):
        return TRUSTED_APP
    if is_oauth_request(request):
        route = request.matched_route
        return None if route is not None and route.name in CONSUMER_ENDPOINTS else ACCESS_TOKEN
    return None


def granted(request):
    """The kinds of caller the OpenAPI document grants this request's operation to (empty when it is not in it)."""
    from .views.openapi import GRANTS, operation_of

    return GRANTS.get(operation_of(request), frozenset())


@subscriber(ContextFound)
def signed_requests_only_where_granted(event):
    """Refuse a signed request outside its grant before any view runs, then authenticate it, so that every refusal
    carries its ``oauth_problem``."""
    request = event.request
    kind = signed_kind(request)
    if kind is None:
        return
    allowed = granted(request)
    if "anyone" in allowed:
        return
    if kind not in allowed:
        raise OAuthProblem("permission_denied")
    if request.identity is None:
        raise request._dashboard_problem


class SecurityPolicy:
    def __init__(self):
        self.helper = SessionAuthenticationHelper()

    def identity(self, request):
        # Computed once per request (each retry attempt is a new request): an OAuth nonce may be checked only once.
        if not hasattr(request, "_dashboard_identity"):
            try:
                request._dashboard_identity = self._identity(request)
            except OAuthProblem as problem:  # the guard above reports it
                request._dashboard_identity, request._dashboard_problem = None, problem
        return request._dashboard_identity

    def _identity(self, request):
        kind = signed_kind(request)
        if kind is not None:
            name = trusted_user(request) if is_trusted_request(request) else access_token_user(request)
            return request.app_root.users.get(name)  # both checked that the user exists and may log in
        name = self.helper.authenticated_userid(request)
        if not name:
            return None
        user = request.app_root.users.get(name)
        if user is None or user.disabled or not user.session_valid(request.session.get(SESSION_ID)):
            return None
        return user

    def authenticated_userid(self, request):
        user = request.identity
        return user.name if user is not None else None

    def permits(self, request, context, permission):
        user = request.identity
        if user is None:
            return Denied("not logged in")
        if permission == ADMIN and not user.is_admin:
            return Denied("administrators only")
        return Allowed("ok")

    def remember(self, request, userid, **kw):
        """Start a session for ``userid`` (the caller has made the session cookie fresh)."""
        settings = request.registry.settings
        user = request.app_root.users[userid]
        request.session[SESSION_ID] = user.start_session(session_lifetime(settings))
        return self.helper.remember(request, userid, **kw)

    def forget(self, request, **kw):
        user = request.app_root.users.get(self.helper.authenticated_userid(request) or "")
        if user is not None:
            user.end_session(request.session.get(SESSION_ID))
            user.sessions_valid_after = time.time()  # and the frame links pages showed stop acting for them
        return self.helper.forget(request, **kw)


class SessionCSRF(SessionCSRFStoragePolicy):
    """Pyramid's session CSRF storage, except that checking a token never makes one: a request without a session
    (a cross-site POST, which carries no SameSite=Lax cookie) is refused without a new session whose cookie would
    replace the one its browser holds."""

    def check_csrf_token(self, request, supplied_token):
        expected = request.session.get(self.key)
        return isinstance(expected, str) and isinstance(supplied_token, str) and \
            secrets.compare_digest(expected.encode(), supplied_token.encode())


def renew_session(request, user):
    """Go on in a new session after ``user``'s sessions were ended (a password change): the old session id, and every
    copy of this browser's cookie with it, is worth nothing; the CSRF token stays, so the open page keeps working."""
    from pyramid.security import remember

    csrf = request.session.get(CSRF_KEY)
    request.session.invalidate()
    remember(request, user.name)
    if csrf:
        request.session[CSRF_KEY] = csrf


def session_lifetime(settings):
    """Seconds a session lasts after login however much it is used (``dashboard.session_lifetime``, 24 hours)."""
    return int(settings.get("dashboard.session_lifetime", 24 * 3600))


def session_timeout(settings):
    """Seconds a session lasts unused (``dashboard.session_timeout``, 8 hours)."""
    return int(settings.get("dashboard.session_timeout", 8 * 3600))
