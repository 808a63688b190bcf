"""The administrator's pages: plugins (with their errors), declared providers, users and settings."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..security import ADMIN
from .api import clean_hosts


@view_config(route_name="admin", request_method="GET", permission=ADMIN, renderer="admin.jinja2")
def admin_page(request):
    registry = request.registry.dashboard_plugins
    return {"user": request.identity, "dashboards": request.identity.ordered_dashboards(),
            "plugins": list(registry.plugins.values()), "providers": list(registry.providers.values()),
            "users": list(request.app_root.users.values()),
            "allow_hosts": request.app_root.settings.get("fetch_allow_hosts", ()),
            "saved": "saved" in request.params}


@view_config(route_name="admin_settings", request_method="POST", permission=ADMIN)
def admin_settings(request):
    request.app_root.settings["fetch_allow_hosts"] = clean_hosts(request.POST.get("fetch_allow_hosts", ""))
    return HTTPSeeOther(request.route_url("admin", _query={"saved": "1"}))
