"""Who the request is and what they may do: a session-based Pyramid security policy."""
from pyramid.authentication import SessionAuthenticationHelper
from pyramid.security import Allowed, Denied

#: Permissions used by views: "user" for any logged-in, enabled account; "admin" for administrators.
USER, ADMIN = "user", "admin"


class SecurityPolicy:
    def __init__(self):
        self.helper = SessionAuthenticationHelper()

    def identity(self, request):
        # Computed once per request (each retry attempt is a new request): an OAuth nonce may be checked only once.
        if not hasattr(request, "_dashboard_identity"):
            request._dashboard_identity = self._identity(request)
        return request._dashboard_identity

    def _identity(self, request):
        from .provider.endpoints import is_oauth_request
        from .provider.trusted_inbound import is_trusted_request, trusted_user

        if is_trusted_request(request):
            name = trusted_user(request)
        elif is_oauth_request(request):
            # The token endpoints authenticate the consumer themselves; elsewhere a signed request acts as the user.
            oauth_endpoint = request.path_info.startswith("/plugins/servlet/oauth/")
            name = None if oauth_endpoint else self._oauth_user(request)
        else:
            name = self.helper.authenticated_userid(request)
        if not name:
            return None
        user = request.app_root.users.get(name)
        if user is None or user.disabled:
            return None
        return user

    @staticmethod
    def _oauth_user(request):
        """The user an OAuth 1.0a access token was issued for, when the request is validly signed with it."""
        from .provider.endpoints import oauth_request_args, resource_endpoint

        try:
            valid, oauth_request = resource_endpoint(request).validate_protected_resource_request(
                *oauth_request_args(request))
        except Exception:  # malformed OAuth parameters: simply not authenticated
            return None
        return getattr(oauth_request, "user", None) if valid else None

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
        return self.helper.remember(request, userid, **kw)

    def forget(self, request, **kw):
        return self.helper.forget(request, **kw)
