"""Accounts on the web: administrators add users, disable and enable them, reset passwords, grant or remove the
administrator role, end a user's sessions, delete users, keep groups and set the default dashboard; every user changes their own
password. HTML forms (with their CSRF token) and the JSON API do the same through ``operations``; every change an
administrator makes is in the audit log (provider ``users`` or ``groups``, account: whom it changed)."""
import logging

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from .. import operations as ops
from ..broker import audit
from ..models import deletion
from ..models.groups import groups_of
from ..models.root import page_of_keys
from ..models.sharing import DEFAULT_ID, default_dashboard, set_default_dashboard
from ..security import ADMIN, USER, renew_session
from .api import api, body
from .auth import count_failure
from .connect import revoke_at_provider
from .errors import error_response

log = logging.getLogger(__name__)
GROUPS_PAGE = 50


def record(request, target, changes, provider="users", actor=None):
    """One audit entry per change an administrator (or a user to their own account) made: who (user), to whom
    (account), what (outcome)."""
    if changes:
        audit.record(request.registry._zodb_databases[""], user=actor or request.identity.name, provider=provider,
                     account=target, method=request.method, url=request.path_url, status=200,
                     outcome="; ".join(changes))


def created(request, data):
    request.response.status = 201
    return data


def _renewed(request, user):
    """Every session of ``user`` has ended (copies of this browser's cookie included); this browser goes on in a new
    one (security.renew_session)."""
    renew_session(request, user)


def _current_password_refused(request, current):
    """A wrong current password counts as a failed login of the user from this address, so a session left open is
    no way round the login throttle; past its limit the password is not checked. The refusal (status, message), or
    None when ``current`` is right."""
    user, address = request.identity, request.remote_addr or ""
    wait = request.registry.dashboard_login_throttle.wait(user.name, address)
    if wait:
        request.response.headers["Retry-After"] = str(wait)
        return 429, f"too many wrong passwords for this name or from this address; try again in {wait} seconds"
    if isinstance(current, str) and user.check_password(current):
        return None
    count_failure(request, user.name, address)
    return 400, "the current password is wrong"


def _own_password_changed(request):
    user = request.identity
    _renewed(request, user)
    record(request, user.name, ["changed their own password; their other sessions ended"])


def apply_user_change(request, user, data):
    """An administrator's change to one user, from the API's PATCH body or a page's form (already as a dict):
    ``disabled``, ``is_admin``, ``password``, ``end_sessions``. A refusal (InputError) aborts the request's
    transaction, so nothing is half-applied, and is recorded only when everything was done."""
    actor = request.identity
    changes = ops.change_user(actor, user, data.get("disabled"), data.get("is_admin"))
    if "password" in data:
        changes += ops.reset_password(actor, user, data["password"])
    elif data.get("end_sessions") is True:
        changes += ops.end_user_sessions(actor, user)
    elif data.get("end_sessions") not in (None, False):
        raise ops.InputError("end_sessions must be true or false")
    if user.name == actor.name and ("password" in data or data.get("end_sessions") is True):
        _renewed(request, actor)
    record(request, user.name, changes)
    return changes


def delete_user(request, user):
    """An administrator deletes ``user`` with everything of theirs (models/deletion.py), their connected accounts'
    tokens revoked at the provider first where it supports revocation (best effort). Not oneself, so never the last
    administrator: the one acting remains."""
    actor = request.identity
    if user.name == actor.name:
        raise ops.InputError("you cannot delete yourself; another administrator can")
    if user.is_admin and not (actor.is_admin and not actor.disabled):
        raise ops.InputError("you cannot delete the last administrator")
    revoked = 0
    for conn in list(user.connections.values()):
        try:
            revoked += revoke_at_provider(request.broker_services, conn)
        except Exception:  # best effort: the account goes from here whatever the provider says
            log.warning("revoking %s's account %s at %s failed", user.name, conn.id, conn.provider_id, exc_info=True)
    changes = deletion.delete_user(request.app_root, user)
    changes.append(f"{revoked} account(s) revoked at their provider")
    record(request, user.name, changes)
    return changes


def apply_member_change(request, group, add=(), remove=()):
    changes = ops.change_members(request.app_root, group, add, remove)
    record(request, group.name, changes, provider="groups")
    return changes


def _admin_values(request, **values):
    return {"user": request.identity, "dashboards": request.identity.ordered_dashboards(), "error": None, **values}


def _error_page(request, renderer_values, error, status=400):
    request.response.status = status
    return {**renderer_values, "error": error}


# Pages


@view_config(route_name="admin_users", request_method="GET", permission=ADMIN)
def users_list_page(request):
    """The list of users is on the administration page (with its search and paging): /admin/users, where the add
    form posts, leads there rather than to a page that is not found."""
    query = {k: request.params[k][:100] for k in ("prefix", "next") if k in request.params}
    return HTTPSeeOther(request.route_url("admin", _query=query, _anchor="users"))


@view_config(route_name="admin_users", request_method="POST", permission=ADMIN)
def add_user_page(request):
    user = ops.create_user(request.app_root, request.POST.get("name", ""), request.POST.get("password", ""),
                           is_admin="is_admin" in request.POST)
    record(request, user.name, ["added" + (" as administrator" if user.is_admin else "")])
    return HTTPSeeOther(request.route_url("admin_user", name=user.name, _query={"done": "added"}))


#: The admin user page's buttons: action -> the change it makes.
USER_ACTIONS = {"disable": {"disabled": True}, "enable": {"disabled": False}, "grant": {"is_admin": True},
                "revoke": {"is_admin": False}, "end_sessions": {"end_sessions": True}}


@view_config(route_name="admin_user", permission=ADMIN, renderer="admin_user.jinja2")
def user_page(request):
    root = request.app_root
    target = ops.get_user(root, request.matchdict["name"])
    values = _admin_values(request, target=target, done=request.params.get("done", "")[:100],
                           live_sessions=ops.live_sessions,
                           all_groups=page_of_keys(groups_of(root), size=GROUPS_PAGE)[0])
    if request.method != "POST":
        return values
    action = request.POST.get("action", "")
    try:
        if action == "password":
            if request.POST.get("password", "") != request.POST.get("password2", ""):
                raise ops.InputError("the two passwords differ")
            changes = apply_user_change(request, target, {"password": request.POST.get("password", "")})
        elif action == "delete":
            if request.POST.get("confirm", "").strip() != target.name:
                raise ops.InputError(f"type the user's name, {target.name}, to confirm that they are to be deleted")
            delete_user(request, target)
            return HTTPSeeOther(request.route_url("admin", _query={"deleted": target.name}, _anchor="users"))
        elif action in ("join", "leave"):
            group = ops.get_group(root, request.POST.get("group", ""))
            changes = apply_member_change(request, group, **{"add" if action == "join" else "remove": [target.name]})
        elif action in USER_ACTIONS:
            changes = apply_user_change(request, target, USER_ACTIONS[action])
        else:
            raise ops.InputError("choose one of the actions on the page")
    except (ops.InputError, ops.NotFound) as exc:
        return _error_page(request, values, str(exc))
    return HTTPSeeOther(request.route_url("admin_user", name=target.name, _query={"done": ", ".join(changes)}))


@view_config(route_name="admin_groups", permission=ADMIN, renderer="admin_groups.jinja2")
def groups_page(request):
    root = request.app_root
    names, following = page_of_keys(groups_of(root), request.params.get("prefix", "")[:100],
                                    request.params.get("next", "")[:100], GROUPS_PAGE)
    values = _admin_values(request, groups=[groups_of(root)[n] for n in names],
                           next_url=following and request.route_url("admin_groups", _query={"next": following}))
    if request.method != "POST":
        return values
    try:
        group = ops.create_group(root, request.POST.get("name", ""))
    except ops.InputError as exc:
        return _error_page(request, values, str(exc))
    record(request, group.name, ["group created"], provider="groups")
    return HTTPSeeOther(request.route_url("admin_group", name=group.name))


@view_config(route_name="admin_group", permission=ADMIN, renderer="admin_group.jinja2")
def group_page(request):
    root = request.app_root
    group = ops.get_group(root, request.matchdict["name"])
    members, following = page_of_keys(group.members, "", request.params.get("next", "")[:100], GROUPS_PAGE)
    values = _admin_values(request, group=group, members=members, next_url=following and request.route_url(
        "admin_group", name=group.name, _query={"next": following}))
    if request.method != "POST":
        return values
    action, names = request.POST.get("action", ""), request.POST.get("names", "")
    try:
        if action == "delete":
            record(request, group.name, ops.delete_group(root, group), provider="groups")
            return HTTPSeeOther(request.route_url("admin_groups"))
        if action not in ("add", "remove"):
            raise ops.InputError("action must be add, remove or delete")
        apply_member_change(request, group, **{action: names})
    except ops.InputError as exc:
        return _error_page(request, values, str(exc))
    return HTTPSeeOther(request.route_url("admin_group", name=group.name))


@view_config(route_name="admin_default_dashboard", request_method="GET", permission=ADMIN)
def edit_default_dashboard(request):
    """The default dashboard in the dashboard editor (views/whose.py: the same pages, API and frames)."""
    return HTTPSeeOther(request.route_url("dashboard", did=DEFAULT_ID))


@view_config(route_name="admin_default_dashboard", request_method="POST", permission=ADMIN)
def default_dashboard_page(request):
    set_default(request, request.POST.get("dashboard", "") if request.POST.get("action") != "clear" else None)
    return HTTPSeeOther(request.route_url("admin", _anchor="default-dashboard"))


def set_default(request, did):
    """The default dashboard becomes a copy of the administrator's dashboard ``did`` (None: an empty one again)."""
    source = ops.get_dashboard(request.identity, did) if did is not None else None
    set_default_dashboard(request.app_root, source)
    record(request, "(new users)", [f"default dashboard set from {request.identity.name}'s {source.title!r}"
                                    if source else "default dashboard cleared"], provider="default-dashboard")


@view_config(route_name="account_password", permission=USER, renderer="account_password.jinja2")
def own_password_page(request):
    values = {"user": request.identity, "dashboards": request.identity.ordered_dashboards(), "error": None,
              "done": "done" in request.params}
    if request.method != "POST":
        return values
    try:
        if request.POST.get("new", "") != request.POST.get("new2", ""):
            raise ops.InputError("the two new passwords differ")
        refused = _current_password_refused(request, request.POST.get("current", ""))
        if refused:
            return _error_page(request, values, refused[1], refused[0])
        ops.change_own_password(request.identity, request.POST.get("current", ""), request.POST.get("new", ""))
        _own_password_changed(request)
    except ops.InputError as exc:
        return _error_page(request, values, str(exc))
    return HTTPSeeOther(request.route_url("account_password", _query={"done": "1"}))


# JSON API (administrators' operations are granted to the session only: see openapi.py)


@api("api_me_password", "POST")
def own_password(request):
    data = body(request)
    refused = _current_password_refused(request, data.get("current"))
    if refused:
        return error_response(request, *refused)
    ops.change_own_password(request.identity, data.get("current"), data.get("new"))
    _own_password_changed(request)
    return {"changed": True, "other_sessions_ended": True}


@api("api_admin_users", "POST", permission=ADMIN)
def add_user(request):
    data = body(request)
    user = ops.create_user(request.app_root, data.get("name"), data.get("password"), data.get("is_admin", False))
    record(request, user.name, ["added" + (" as administrator" if user.is_admin else "")])
    return created(request, ops.user_json(user))


@api("api_admin_user", ("GET", "PATCH"), permission=ADMIN)
def user_resource(request):
    """GET: the user; PATCH: change them (what changed is in the answer's ``changes``)."""
    user = ops.get_user(request.app_root, request.matchdict["name"])
    if request.method == "GET":
        return ops.user_json(user)
    data = body(request)
    changes = apply_user_change(request, user, data)
    return {**ops.user_json(user), "changes": changes}


@api("api_admin_user", "DELETE", permission=ADMIN)
def remove_user(request):
    user = ops.get_user(request.app_root, request.matchdict["name"])
    return {"deleted": user.name, "changes": delete_user(request, user)}


@api("api_admin_user_sessions", "DELETE", permission=ADMIN)
def end_sessions(request):
    user = ops.get_user(request.app_root, request.matchdict["name"])
    changes = apply_user_change(request, user, {"end_sessions": True})
    return {**ops.user_json(user), "changes": changes}


@api("api_admin_groups", permission=ADMIN)
def list_groups(request):
    tree = groups_of(request.app_root)
    names, following = page_of_keys(tree, request.params.get("prefix", "")[:100],
                                    request.params.get("next", "")[:100], GROUPS_PAGE)
    return {"groups": [ops.group_json(tree[n]) for n in names], "next": following}


@api("api_admin_groups", "POST", permission=ADMIN)
def create_group(request):
    data = body(request)
    group = ops.create_group(request.app_root, data.get("name"))
    changes = ops.change_members(request.app_root, group, add=data.get("members", []))  # before any record
    record(request, group.name, ["group created"] + changes, provider="groups")
    return created(request, ops.group_json(group))


@api("api_admin_group", permission=ADMIN)
def get_group(request):
    return ops.group_json(ops.get_group(request.app_root, request.matchdict["name"]))


@api("api_admin_group", "PATCH", permission=ADMIN)
def change_group(request):
    group = ops.get_group(request.app_root, request.matchdict["name"])
    data = body(request)
    changes = apply_member_change(request, group, data.get("add", []), data.get("remove", []))
    return {**ops.group_json(group), "changes": changes}


@api("api_admin_group", "DELETE", permission=ADMIN)
def delete_group(request):
    group = ops.get_group(request.app_root, request.matchdict["name"])
    record(request, group.name, ops.delete_group(request.app_root, group), provider="groups")
    return {"deleted": group.name}


def default_dashboard_json(request):
    dash = default_dashboard(request.app_root)
    if dash is None:
        return {"default": None}
    gadgets = request.gadgets
    return {"default": {"title": dash.title, "layout": dash.layout, "columns": [
        [{"gadget": i.gadget_id, "title": gadgets[i.gadget_id].title if i.gadget_id in gadgets else i.gadget_id,
          "prefs": dict(i.prefs)} for i in col] for col in dash.columns()]}}


@api("api_admin_default_dashboard", permission=ADMIN)
def get_default_dashboard(request):
    return default_dashboard_json(request)


@api("api_admin_default_dashboard", "PUT", permission=ADMIN)
def put_default_dashboard(request):
    data = body(request)
    if "from" not in data:
        raise ops.InputError("give from: the id of one of your dashboards, or null for an empty default")
    set_default(request, data["from"])
    return default_dashboard_json(request)
