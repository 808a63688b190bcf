"""Logging in and out."""
from urllib.parse import quote

from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config

from ..broker import audit
from ..models.users import burn_password_check

#: Characters never followed into a redirect: control characters (header splitting) and backslashes.
_UNSAFE_IN_NEXT = frozenset(map(chr, range(0x20))) | {"\x7f", "\\"}


def safe_next(request, target):
    """Only same-site paths are followed after login: never another host (no open redirect), never a header break;
    characters beyond ASCII are percent-encoded (UTF-8), since a header carries latin-1 only."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") \
            and not _UNSAFE_IN_NEXT.intersection(target) and len(target) <= 2000:
        return request.application_url + "".join(c if c.isascii() else quote(c) for c in target)
    return request.route_url("home")


@view_config(route_name="login", request_method="GET", renderer="login.jinja2")
def login_form(request):
    if request.identity is not None:
        return HTTPSeeOther(safe_next(request, request.params.get("next")))
    return {"next": request.params.get("next", ""), "error": None, "name": "",
            "no_users": request.app_root.user_count == 0}  # a counter: anonymous visitors never walk the users


def _refused(request, status, message, name):
    request.response.status = status
    return {"next": request.POST.get("next", ""), "error": message, "name": name, "no_users": False}


def count_failure(request, name, address):
    """A wrong password for ``name`` from ``address`` counts toward the login throttle; each lock it sets is audited."""
    for what in request.registry.dashboard_login_throttle.failed(name, address):
        audit.record(request.registry._zodb_databases[""], user=name, provider="login", account=address,
                     method=request.method, url=request.path_url, status=429,
                     outcome=f"logins locked for this {what} after too many failures")


@view_config(route_name="login", request_method="POST", renderer="login.jinja2")
def login(request):
    name = request.POST.get("name", "")[:200]
    password = request.POST.get("password", "")
    address = request.remote_addr or ""  # the proxy middleware (production.ini) sets it from a trusted proxy only
    throttle = request.registry.dashboard_login_throttle
    wait = throttle.wait(name, address)
    if wait:
        request.response.headers["Retry-After"] = str(wait)
        return _refused(request, 429, f"Too many failed logins for this name or from this address. "
                                      f"Try again in {wait} seconds.", name)
    user = request.app_root.users.get(name) if name else None
    if user is None or user.disabled:  # as long as a wrong password takes: timing tells no name's state
        burn_password_check(password)
    if user is None or user.disabled or not user.check_password(password):
        count_failure(request, name, address)
        return _refused(request, 400, "Wrong user name or password.", name)
    throttle.succeeded(name)
    # A fresh session on login, so a session fixed before login is worthless.
    request.session.invalidate()
    headers = remember(request, user.name)
    new_csrf_token(request)
    return HTTPSeeOther(safe_next(request, request.POST.get("next")), headers=headers)


@view_config(route_name="logout", request_method="POST")
def logout(request):
    headers = forget(request)  # ends this session on the server: a copy of the cookie is worth nothing now
    request.session.invalidate()
    return HTTPSeeOther(request.route_url("login"), headers=headers)
