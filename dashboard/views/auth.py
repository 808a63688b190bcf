"""Logging in and out."""
import time

from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config

from ..models.users import burn_password_check


def safe_next(request, target):
    """Only same-site paths are followed after login: never another host (no open redirect)."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith(("//", "/\\")):
        return request.application_url + target
    return request.route_url("home")


@view_config(route_name="login", request_method="GET", renderer="login.jinja2")
def login_form(request):
    if request.identity is not None:
        return HTTPSeeOther(safe_next(request, request.params.get("next")))
    return {"next": request.params.get("next", ""), "error": None, "name": "",
            "no_users": len(request.app_root.users) == 0}


@view_config(route_name="login", request_method="POST", renderer="login.jinja2")
def login(request):
    name = request.POST.get("name", "")
    password = request.POST.get("password", "")
    user = request.app_root.users.get(name) if name else None
    if user is None:
        burn_password_check(password)
    if user is None or user.disabled or not user.check_password(password):
        request.response.status = 400
        return {"next": request.POST.get("next", ""), "error": "Wrong user name or password.", "name": name,
                "no_users": False}
    # A fresh session on login, so a session fixed before login is worthless.
    request.session.invalidate()
    headers = remember(request, user.name)
    new_csrf_token(request)
    return HTTPSeeOther(safe_next(request, request.POST.get("next")), headers=headers)


@view_config(route_name="logout", request_method="POST")
def logout(request):
    if request.identity is not None:
        # Frame links issued before now stop working: nothing acts for a user who logged out.
        request.identity.sessions_valid_after = time.time()
    request.session.invalidate()
    return HTTPSeeOther(request.route_url("login"), headers=forget(request))
