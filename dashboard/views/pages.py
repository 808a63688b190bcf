"""The dashboard pages. Every change is an ordinary form POST (with its CSRF token) that works without script."""
from urllib.parse import urlencode

from markupsafe import escape
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render
from pyramid.response import Response
from pyramid.view import view_config

from .. import operations as ops
from ..broker.broker import provider_state
from ..broker.credentials import accounts_at, connection_for
from ..declarations import is_asset_spec
from ..models import LAYOUTS
from ..opensocial.spec import for_instance, view_params
from ..rendering import FRAME_SANDBOX, frame_path
from ..security import USER
from .page_cache import KeptPage, frame_src_marker, page_key
from .whose import DEFAULT_ID, editable_dashboard, is_default


def directory_entries(request, query="", category=""):
    """Gadgets matching a free-text query and category, sorted by title."""
    query = query.strip().lower()
    found = []
    for gadget in request.gadgets.values():
        text = " ".join([gadget.title, gadget.description, gadget.author, gadget.category]).lower()
        if query and not all(word in text for word in query.split()):
            continue
        if category and gadget.category != category:
            continue
        found.append(gadget)
    return sorted(found, key=lambda g: g.title.lower())


def packaged_thumbnail(gadget):
    """True when the thumbnail is a file in a plugin's package (spec gadgets, plugins or not, give URLs only)."""
    return bool(gadget.thumbnail) and is_asset_spec(gadget.thumbnail) and \
        gadget.plugin not in ("spec-urls", "gadgets-dir")


def thumbnail_url(request, gadget):
    """Where the directory loads a gadget's thumbnail: the core serves thumbnails packaged with plugins."""
    if packaged_thumbnail(gadget):
        return request.route_url("gadget_thumbnail", gid=gadget.id)
    return gadget.thumbnail


def directory_json(request, gadget):
    """A directory entry, with whether the service provider it needs can be used yet."""
    data = gadget.as_json()
    data["thumbnail"] = thumbnail_url(request, gadget)
    if gadget.plugin != "spec-urls":  # this server's own gadgets can be shown by other containers
        data["spec_url"] = request.route_url("gadget_spec", gid=gadget.id)
    if gadget.provider:
        provider = request.providers.get(gadget.provider)
        data["provider_name"] = provider.name if provider else gadget.provider
        data["provider_state"] = provider_state(request.broker_services, gadget.provider)
    return data


def categories(request):
    return sorted({g.category for g in request.gadgets.values()})


def back_to(request, did, error=None, **query):
    """To the dashboard ``did`` (an id: an edit's view does not read its copy of the dashboard again once the edit
    changed it, group_commit.py)."""
    if error:
        query["error"] = error
    return HTTPSeeOther(request.route_url("dashboard", did=did, _query=query))


@view_config(route_name="home", permission=USER)
def home(request):
    first = request.identity.ordered_dashboards()[0]
    return HTTPSeeOther(request.route_url("dashboard", did=first.id))


@view_config(route_name="dashboard", request_method="GET", permission=USER)
def dashboard_page(request):
    user = request.identity
    dash = editable_dashboard(request, request.matchdict["did"])
    columns, dashboards = dash.columns(), user.ordered_dashboards()
    cache = request.registry.dashboard_page_cache  # None while templates are reloaded (development.ini)
    key = page_key(request, user, dash, columns, dashboards, get_csrf_token(request)) if cache is not None else None
    page = cache.get(key) if key is not None else None
    if page is None:
        page = KeptPage(render("dashboard:templates/dashboard.jinja2",  # an asset: see views/frames.py
                               _page_values(request, user, dash, columns, dashboards), request))
        if key is not None:
            cache.put(key, page)
    # Frame URLs are made for every load: their tokens carry the time they were issued.
    srcs = {inst.id: escape(request.script_name + frame_path(request, user, dash, inst)) for col in columns
            for inst in col}
    return Response(page.fill(srcs), content_type="text/html", charset="utf-8")


def _page_values(request, user, dash, columns, dashboards):
    gadgets = request.gadgets
    # Paths by string formatting from two route paths, not one route generation per gadget and link: the page
    # lists many gadgets, and generating routes was a large part of its cost.
    page_path = request.route_path("dashboard", did=dash.id)
    api_path = request.route_path("api_instances", did=dash.id)
    items = [[{"inst": inst, "gadget": for_instance(gadgets.get(inst.gadget_id), inst),
               "path": escape(f"{page_path}/g/{inst.id}"), "api": escape(f"{api_path}/{inst.id}"),
               "src": frame_src_marker(inst.id)} for inst in col]
             for col in columns]
    # provider id -> the user's connected accounts there, for the per-gadget account chooser; each item notes the
    # account its instance uses (chosen, or the default one). None on the default dashboard: each new user connects
    # their own.
    accounts = {} if is_default(dash) else {
        pid: accounts_at(user, pid) for pid in {c.provider_id for c in user.connections.values()}}
    for item in (item for col in items for item in col):
        provider_id = item["gadget"].provider if item["gadget"] else None
        used = connection_for(user, item["inst"], provider_id) if provider_id in accounts else None
        item["account"] = used.id if used else None
    return {"accounts": accounts, "user": user, "dash": dash, "dashboards": dashboards, "columns": items,
            "widths": LAYOUTS[dash.layout], "layouts": list(LAYOUTS), "sandbox": FRAME_SANDBOX,
            "error": request.params.get("error", "")[:300], "removed": removed_notice(request, dash),
            "for_new_users": is_default(dash)}


def removed_notice(request, dash):
    """(instance id, title) of the gadget just removed, while it can still be brought back."""
    iid = request.params.get("removed", "")
    inst = (dash.removed or {}).get(iid)
    if inst is None:
        return None
    gadget = request.gadgets.get(inst.gadget_id)
    return inst.id, gadget.title if gadget else inst.gadget_id


@view_config(route_name="dashboard_new", request_method="POST", permission=USER)
def dashboard_new(request):
    dash = ops.create_dashboard(request.identity, request.POST.get("title", ""), request.POST.get("layout", "AA"))
    return back_to(request, dash.id)


@view_config(route_name="dashboard_action", request_method="POST", permission=USER)
def dashboard_action(request):
    user = request.identity
    action, did = request.matchdict["action"], request.matchdict["did"]
    dash = editable_dashboard(request, did, default_ok=action not in ("delete", "copy"))
    form = request.POST
    try:
        if action == "rename":
            request.edit(lambda u, d: ops.update_dashboard(u, d, title=form.get("title", "")), user, dash)
        elif action == "layout":
            request.edit(lambda u, d: ops.update_dashboard(u, d, layout=form.get("layout", "")), user, dash)
        elif action == "add":
            request.edit(lambda d: ops.add_gadget(d, request.gadgets, form.get("gadget", ""),
                                                  form.get("column", "0")).id, dash)
        elif action == "delete":
            ops.delete_dashboard(user, dash, request.app_root)
            return HTTPSeeOther(request.route_url("home"))
        elif action == "copy":
            return back_to(request, ops.copy_dashboard(user, dash, request.POST.get("title") or None).id)
    except ops.InputError as exc:  # shown on the dashboard page itself
        return back_to(request, did, str(exc))
    return back_to(request, did)


@view_config(route_name="gadget_action", request_method="POST", permission=USER)
def gadget_action(request):
    did = request.matchdict["did"]
    dash = editable_dashboard(request, did)
    iid, action, form = request.matchdict["iid"], request.matchdict["action"], request.POST

    def change(dash):
        inst = ops.get_instance(dash, iid)
        if action == "move" and "direction" in form:
            ops.move_gadget_towards(dash, inst, form["direction"])
        elif action == "move":
            ops.move_gadget(dash, inst, form.get("column", ""), form.get("position", ""))
        elif action == "remove":
            dash.remove(inst.id)
        elif action == "minimize":
            inst.minimized = not inst.minimized

    try:
        request.edit(change, dash)
        if action == "remove":
            return back_to(request, did, removed=iid)  # the page offers "Undo"
    except ops.InputError as exc:
        return back_to(request, did, str(exc))
    return back_to(request, did)


@view_config(route_name="gadget_restore", request_method="POST", permission=USER)
def gadget_restore(request):
    did, removed = request.matchdict["did"], request.matchdict["iid"]
    dash = editable_dashboard(request, did)
    try:
        iid = request.edit(lambda d: ops.restore_gadget(d, removed).id, dash)
    except (ops.InputError, ops.NotFound) as exc:
        return back_to(request, did, str(exc))
    return HTTPSeeOther(request.route_url("dashboard", did=did, _anchor=f"g-{iid}"))


@view_config(route_name="gadget_prefs", permission=USER, renderer="prefs.jinja2")
def gadget_prefs(request):
    dash = editable_dashboard(request, request.matchdict["did"])
    inst = ops.get_instance(dash, request.matchdict["iid"])
    gadget = request.gadgets.get(inst.gadget_id)
    if gadget is None:
        raise ops.InputError("this gadget is not available any more, so its preferences cannot be changed")
    values, error = {**gadget.default_prefs(), **inst.prefs}, None
    if request.method == "POST":
        raw = {}
        for pref in gadget.prefs:
            if pref.type == "bool":
                raw[pref.name] = pref.name in request.POST
            elif pref.name in request.POST:
                raw[pref.name] = request.POST[pref.name]
        try:
            iid = inst.id
            request.edit(lambda d: ops.set_prefs(request.gadgets, ops.get_instance(d, iid), raw), dash)
            return back_to(request, request.matchdict["did"])
        except ops.InputError as exc:
            error = str(exc)
            values.update(raw)  # show what the person typed, with the reason it was refused
            request.response.status = 400
    return {"dash": dash, "inst": inst, "gadget": gadget, "values": values, "error": error,
            "dashboards": request.identity.ordered_dashboards(), "user": request.identity}


@view_config(route_name="directory", permission=USER, renderer="directory.jinja2")
def directory(request):
    user = request.identity
    query, category = request.params.get("q", "")[:200], request.params.get("category", "")[:100]
    wanted = request.params.get("dashboard", "")
    target = editable_dashboard(request, wanted) if wanted == DEFAULT_ID else \
        user.dashboards.get(wanted) or user.ordered_dashboards()[0]
    entries = [directory_json(request, g) for g in directory_entries(request, query, category)]
    return {"user": user, "gadgets": entries, "q": query, "category": category,
            "categories": categories(request), "target": target,
            "dashboards": user.ordered_dashboards()}


@view_config(route_name="gadget_maximized", request_method="GET", permission=USER, renderer="maximized.jinja2")
def gadget_maximized(request):
    """One gadget filling the page, in its canvas view when it has one."""
    user = request.identity
    dash = editable_dashboard(request, request.matchdict["did"])
    inst = ops.get_instance(dash, request.matchdict["iid"])
    gadget = for_instance(request.gadgets.get(inst.gadget_id), inst)
    src = request.script_name + frame_path(request, user, dash, inst) + "&view=canvas"
    params = view_params(request.params.get("view-params", ""))  # gadgets.views.requestNavigateTo's
    if params and params != "{}":
        src += "&" + urlencode({"view-params": params})
    return {"user": user, "dash": dash, "inst": inst, "gadget": gadget, "src": src, "sandbox": FRAME_SANDBOX,
            "dashboards": user.ordered_dashboards()}


# Sharing: a dashboard shared read-only with users, groups or everyone logged in, and copies


@view_config(route_name="dashboard_share", permission=USER, renderer="share.jinja2")
def share_page(request):
    """With whom the dashboard is shared, and the form that changes it (names separated by spaces or commas)."""
    user, root = request.identity, request.app_root
    dash = ops.get_dashboard(user, request.matchdict["did"])
    values = {"user": user, "dash": dash, "dashboards": user.ordered_dashboards(), "error": None,
              "sharing": ops.sharing_json(root, user, dash),
              "viewer_url": request.route_url("shared_dashboard", name=user.name, did=dash.id)}
    if request.method == "POST":
        try:
            ops.share_dashboard(root, user, dash, request.POST.get("users", ""), request.POST.get("groups", ""),
                                request.POST.get("everyone") == "yes")
        except ops.InputError as exc:
            request.response.status = 400
            return {**values, "error": str(exc), "sharing": {
                "users": [request.POST.get("users", "")], "groups": [request.POST.get("groups", "")],
                "everyone": request.POST.get("everyone") == "yes"}}
        return HTTPSeeOther(request.route_url("dashboard_share", did=dash.id))
    return values


@view_config(route_name="shared_list", request_method="GET", permission=USER, renderer="shared.jinja2")
def shared_list(request):
    user = request.identity
    return {"user": user, "dashboards": user.ordered_dashboards(),
            "shared": ops.shared_with_me(request.app_root, user)}


@view_config(route_name="shared_dashboard", request_method="GET", permission=USER, renderer="shared_dashboard.jinja2")
def shared_dashboard(request):
    """A dashboard shared with the viewer: the owner's layout, gadgets and preferences, each frame acting as the
    viewer (their own accounts). Never kept (views/page_cache.py keeps only owners' pages), so each load checks the
    sharing again: unsharing takes effect on the next load."""
    viewer = request.identity
    owner, dash = ops.get_shared(request.app_root, viewer, request.matchdict["name"], request.matchdict["did"])
    if owner.name == viewer.name:
        return HTTPSeeOther(request.route_url("dashboard", did=dash.id))
    gadgets = request.gadgets
    columns = [[{"inst": inst, "gadget": for_instance(gadgets.get(inst.gadget_id), inst),
                 "src": request.script_name + frame_path(request, viewer, dash, inst, owner)} for inst in col]
               for col in dash.columns()]
    return {"user": viewer, "owner": owner, "dash": dash, "columns": columns, "widths": LAYOUTS[dash.layout],
            "sandbox": FRAME_SANDBOX, "dashboards": viewer.ordered_dashboards()}


@view_config(route_name="shared_copy", request_method="POST", permission=USER)
def shared_copy(request):
    """A copy of a dashboard shared with the viewer, theirs to change."""
    viewer = request.identity
    _, dash = ops.get_shared(request.app_root, viewer, request.matchdict["name"], request.matchdict["did"])
    return back_to(request, ops.copy_dashboard(viewer, dash, request.POST.get("title") or None).id)
