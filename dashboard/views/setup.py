"""The first-run page: the setup code the server printed, and the first administrator's name and password."""
from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.security import remember
from pyramid.view import view_config

from .. import first_run
from ..models import User


def _first_run_only(request):
    if request.app_root.user_count:
        raise HTTPNotFound("This server already has accounts: log in instead.")


def _page(request, error=None, status=200, name=""):
    request.response.status = status
    return {"error": error, "name": name}


@view_config(route_name="setup", request_method="GET", renderer="setup.jinja2")
def setup_form(request):
    _first_run_only(request)
    return _page(request)


@view_config(route_name="setup", request_method="POST", renderer="setup.jinja2")
def setup(request):
    _first_run_only(request)
    address = request.remote_addr or ""  # the proxy middleware (production.ini) sets it from a trusted proxy only
    throttle = request.registry.dashboard_login_throttle
    name = request.POST.get("name", "").strip()[:64]
    wait = throttle.wait(f"(setup {address})", address)
    if wait:
        request.response.headers["Retry-After"] = str(wait)
        return _page(request, f"Too many wrong setup codes. Try again in {wait} seconds.", 429, name)
    settings = request.app_root.settings
    outcome = first_run.check_code(settings, request.POST.get("code", ""))
    if outcome != "ok":
        if outcome == "wrong":
            throttle.failed(f"(setup {address})", address)
            return _page(request, "That is not the setup code the server printed.", 400, name)
        return _page(request, "The setup code has expired. Restart the server: it prints a new one.", 400, name)
    password = request.POST.get("password", "")
    if password != request.POST.get("password2", ""):
        return _page(request, "The two passwords differ.", 400, name)
    try:
        user = User(name, password, is_admin=True)
    except ValueError as exc:
        return _page(request, f"{str(exc)[0].upper()}{str(exc)[1:]}.", 400, name)
    request.app_root.add_user(user)
    first_run.use_code(settings)
    request.session.invalidate()
    headers = remember(request, user.name)
    new_csrf_token(request)
    return HTTPSeeOther(request.route_url("home"), headers=headers)
