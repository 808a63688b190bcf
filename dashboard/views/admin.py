"""The administrator's pages: plugins (with their errors), declared providers, users and settings."""
import re
import time

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from .. import operations as ops
from ..broker import audit
from ..models.sharing import default_dashboard
from ..security import ADMIN
from .api import apply_settings, settings_json, users_page


@view_config(route_name="admin", request_method="GET", permission=ADMIN, renderer="admin.jinja2")
def admin_page(request):
    registry = request.registry.dashboard_plugins
    users, following = users_page(request)
    prefix = request.params.get("prefix", "")
    return {"user": request.identity, "dashboards": request.identity.ordered_dashboards(),
            "plugins": list(registry.plugins.values()), "providers": list(registry.providers.values()),
            "users": users, "prefix": prefix,
            "next_url": following and request.route_url("admin", _query={"prefix": prefix, "next": following},
                                                         _anchor="users"),
            "allow_hosts": request.app_root.settings.get("fetch_allow_hosts", ()),
            "settings": settings_json(request.app_root.settings),
            "disabled": set(request.app_root.settings.get("disabled_plugins", ())),
            "default": default_dashboard(request.app_root),
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


@view_config(route_name="admin_specs", request_method="GET", permission=ADMIN, renderer="admin_specs.jinja2")
def specs_page(request, error=None):
    from ..specs import source_status, url_gadget_id

    root = request.app_root
    if error:
        request.response.status = 400
    # "OK" only when users can add its gadget now; otherwise the exact reason
    providers = request.declared_providers
    sources = [{"s": s, "id": url_gadget_id(s.url), "status": source_status(s, request.gadgets, providers)}
               for s in root["spec_urls"].values()]
    return {"sources": sources, "allow": root.settings.get("spec_allow_hosts", ()), "error": error,
            "files": request.registry.dashboard_plugins.plugins.get("gadgets-dir"),
            "user": request.identity, "dashboards": request.identity.ordered_dashboards()}


#: Why a spec file (gadgets/) takes neither script and style hosts nor a shared secret (docs/admin.md, Gadget specs).
FILE_SPEC_REFUSAL = ("spec files in the gadgets directory are configured by their files alone: their frames run only "
                     "their own inline scripts and styles, and an OAuth 1.0a service they declare signs with RSA-SHA1 "
                     "and this server's key; to allow script and style hosts or give a shared secret, serve the spec "
                     "and add it here by URL")


#: A host (name or address, IPv6 in brackets) with an optional port, as a CSP source after https://.
SCRIPT_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,62}\.)*[a-z0-9-]{0,63}|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$")


def script_hosts(request):
    """The https hosts a form gives for one spec's scripts and styles, or InputError saying what is wrong."""
    hosts = [h.lower().removeprefix("https://").rstrip("/")
             for h in request.POST.get("script_hosts", "").replace(",", " ").split()]
    bad = [h for h in hosts if not SCRIPT_HOST.match(h) or h.startswith(("http:", "*"))]
    if len(hosts) > 20 or bad:
        raise ops.InputError(f"give at most 20 https hosts (name or address, with a port if not 443), separated by "
                             f"spaces or lines{': not ' + ', '.join(bad) if bad else ''}")
    return tuple(dict.fromkeys(h.removesuffix(":443") for h in hosts))


def record_hosts(request, url, before, hosts):
    """The audit entry of a change to the https hosts a spec URL's scripts, styles and frames may come from: who,
    which spec URL (gadget: its gadget's id) and the hosts before and now."""
    from ..specs import url_gadget_id

    if tuple(before) != tuple(hosts):
        audit.record(request.registry._zodb_databases[""], user=request.identity.name, provider="gadget-specs",
                     gadget=url_gadget_id(url), method=request.method, url=request.path_url, status=303,
                     outcome=f"script, style and frame hosts of the spec URL {url}: "
                             f"{' '.join(hosts) or 'none'} (were: {' '.join(before) or 'none'})")


@view_config(route_name="admin_specs", request_method="POST", permission=ADMIN, renderer="admin_specs.jinja2")
def specs_change(request):
    """Allow hosts, add a spec URL (fetched and checked now), set the https hosts one spec's scripts and styles may
    come from, refresh or remove one."""
    from ..models.provider_side import SpecSource
    from ..specs import SpecError, fetch_spec, refresh_source

    root, action = request.app_root, request.POST.get("action")
    settings = root.settings
    if action == "hosts":
        hosts = request.POST.get("spec_allow_hosts", "").replace(",", " ").split()
        if len(hosts) > 100 or not all(re.match(r"^[A-Za-z0-9.\-:\[\]]{1,255}$", h) for h in hosts):
            return specs_page(request, "give host names (or addresses), separated by spaces or lines")
        settings["spec_allow_hosts"] = tuple(h.lower() for h in hosts)
    elif action == "add":
        url = request.POST.get("url", "").strip()
        if url in root["spec_urls"]:
            return specs_page(request, "this spec URL is already added")
        try:
            hosts = script_hosts(request)
            body, bundles = fetch_spec(url, settings.get("spec_allow_hosts", ()),
                                       tuple(settings.get("fetch_allow_hosts", ())), hosts)
        except (SpecError, ops.InputError) as exc:
            return specs_page(request, f"{url}: {exc}")
        source = root["spec_urls"][url] = SpecSource(url, request.identity.name)
        source.body, source.bundles, source.fetched_at, source.script_hosts = body, bundles, time.time(), hosts
        record_hosts(request, url, (), hosts)
    elif action == "script_hosts" and "file" in request.POST:
        return specs_page(request, f"{request.POST['file'][:200]}: {FILE_SPEC_REFUSAL}")
    elif action == "script_hosts":
        source = root["spec_urls"].get(request.POST.get("url", ""))
        if source is None:
            raise ops.NotFound("no such spec URL")
        try:
            hosts = script_hosts(request)
        except ops.InputError as exc:
            return specs_page(request, f"{source.url}: {exc}")
        record_hosts(request, source.url, source.script_hosts, hosts)
        source.script_hosts = hosts
    elif action in ("refresh", "remove"):
        source = root["spec_urls"].get(request.POST.get("url", ""))
        if source is None:
            raise ops.NotFound("no such spec URL")
        if action == "remove":
            del root["spec_urls"][source.url]
        else:
            refresh_source(source, settings)
    else:
        raise ops.InputError("action must be hosts, add, script_hosts, refresh or remove")
    return HTTPSeeOther(request.route_url("admin_specs"))
