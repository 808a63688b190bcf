"""The administrator's pages: plugins (with their errors), declared providers, users and settings."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from .. import operations as ops
from ..security import ADMIN
from .api import apply_settings, settings_json


@view_config(route_name="admin", request_method="GET", permission=ADMIN, renderer="admin.jinja2")
def admin_page(request):
    registry = request.registry.dashboard_plugins
    return {"user": request.identity, "dashboards": request.identity.ordered_dashboards(),
            "plugins": list(registry.plugins.values()), "providers": list(registry.providers.values()),
            "users": list(request.app_root.users.values()),
            "allow_hosts": request.app_root.settings.get("fetch_allow_hosts", ()),
            "settings": settings_json(request.app_root.settings),
            "disabled": set(request.app_root.settings.get("disabled_plugins", ())),
            "saved": "saved" in request.params}


@view_config(route_name="admin_settings", request_method="POST", permission=ADMIN)
def admin_settings(request):
    apply_settings(request.app_root.settings, request.POST.get("fetch_allow_hosts", ""),
                   request.POST.get("access_token_lifetime_days") or None)
    return HTTPSeeOther(request.route_url("admin", _query={"saved": "1"}))


@view_config(route_name="admin_plugin", request_method="POST", permission=ADMIN)
def enable_plugin(request):
    """Enable or disable a loaded plugin without uninstalling it; its gadgets' instances and prefs are kept."""
    name = request.matchdict["name"]
    if name not in request.registry.dashboard_plugins.plugins:
        raise ops.NotFound(f"no plugin named {name!r} is installed")
    action = request.POST.get("action")
    if action not in ("enable", "disable"):
        raise ops.InputError("action must be enable or disable")
    disabled = set(request.app_root.settings.get("disabled_plugins", ()))
    disabled = disabled - {name} if action == "enable" else disabled | {name}
    request.app_root.settings["disabled_plugins"] = tuple(sorted(disabled))
    return HTTPSeeOther(request.route_url("admin", _anchor="plugins"))
