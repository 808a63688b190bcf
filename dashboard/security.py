"""Who the request is and what they may do: a session-based Pyramid security policy."""
from pyramid.authentication import SessionAuthenticationHelper
from pyramid.security import Allowed, Denied

#: Permissions used by views: "user" for any logged-in, enabled account; "admin" for administrators.
USER, ADMIN = "user", "admin"


class SecurityPolicy:
    def __init__(self):
        self.helper = SessionAuthenticationHelper()

    def identity(self, request):
        name = self.helper.authenticated_userid(request)
        if not name:
            return None
        user = request.app_root.users.get(name)
        if user is None or user.disabled:
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
        return self.helper.remember(request, userid, **kw)

    def forget(self, request, **kw):
        return self.helper.forget(request, **kw)
