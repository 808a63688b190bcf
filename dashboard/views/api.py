"""The JSON API under /api/: everything the pages do. Errors answer {"error": message} with a 4xx status."""
import json
from functools import lru_cache

from pyramid.view import view_config

from .. import operations as ops
from ..broker.broker import provider_state
from ..broker.limits import Busy
from ..models.root import page_of_keys
from ..opensocial.spec import for_instance
from ..rendering import frame_url
from ..security import ADMIN, USER
from .openapi import BODY_SCHEMAS, operation_of
from .pages import categories, directory_entries, directory_json
from .whose import DEFAULT_ID, editable_dashboard

MAX_BODY = 64 * 1024
#: How deeply objects and lists may nest in a request body (the API's own bodies nest three deep).
MAX_DEPTH = 16


def body(request):
    """The request's JSON object, or a 400 that says what is wrong with it."""
    if request.content_length and request.content_length > MAX_BODY:
        raise ops.InputError(f"the request body is larger than {MAX_BODY // 1024} KiB")
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ops.InputError(f"the request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ops.InputError(f"the request body nests deeper than {MAX_DEPTH} levels") from None
    if not isinstance(data, dict):
        raise ops.InputError("the request body must be a JSON object")
    check_json_text(data)
    operation = operation_of(request)
    if operation in BODY_SCHEMAS:
        check_against(data, operation)
    return data


#: How the API's messages name JSON types.
TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
              "object": "an object", "array": "a list", "null": "null"}


@lru_cache(maxsize=None)
def _validator(operation):
    """The validator of an operation's (path pattern, method) request body schema, made when first needed."""
    from jsonschema import Draft7Validator

    return Draft7Validator(BODY_SCHEMAS[operation])


def check_against(data, operation):
    """Refuse ``data`` (400) unless it is what the OpenAPI document (views/openapi.py) says ``operation``'s body is,
    with a message a person understands naming the field."""
    error = min(_validator(operation).iter_errors(data), key=lambda e: (len(e.absolute_path), str(e.path)),
                default=None)
    if error is not None:
        raise ops.InputError(_said(error))


def _said(error):
    where = ".".join(str(part) for part in error.absolute_path) or "the request body"
    rule, value = error.validator, error.validator_value
    if rule == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return ("" if where == "the request body" else f"{where}: ") + f"unknown fields: {', '.join(unknown)}"
    if rule == "required":
        return f"{', '.join(r for r in value if r not in error.instance)} is required"
    if rule == "type":
        kinds = [value] if isinstance(value, str) else value
        return f"{where} must be {' or '.join(TYPE_WORDS.get(k, k) for k in kinds)}"
    if rule in ("minLength", "maxLength"):
        low, high = error.schema.get("minLength", 0), error.schema.get("maxLength")
        return f"{where} must be {low}-{high} characters" if high else f"{where} must be at least {low} characters"
    if rule in ("minimum", "maximum"):
        low, high = error.schema.get("minimum"), error.schema.get("maximum")
        return (f"{where} must be between {low} and {high}" if low is not None and high is not None
                else f"{where} must be at least {low}" if low is not None else f"{where} must be at most {high}")
    if rule == "enum":
        return f"{where} must be one of: {', '.join(map(str, value))}"
    if rule == "maxItems":
        return f"{where} may hold at most {value} items"
    if rule == "pattern":
        return f"{where}: {error.schema.get('description') or f'not in the form {value}'}"
    return f"{where}: {error.message[:200]}"


def check_json_text(data):
    """Refuse what JSON can carry but text cannot: lone surrogates (``"\\ud800"``), which no page could show
    once stored, and nesting beyond ``MAX_DEPTH`` (walked without recursion)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ops.InputError(f"the request body nests deeper than {MAX_DEPTH} levels")
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, item in items:
            for text in (key, item):
                if isinstance(text, str) and not text.isascii():
                    try:
                        text.encode("utf-8")
                    except UnicodeEncodeError:
                        raise ops.InputError("the request body holds a lone surrogate (\\ud800-\\udfff), "
                                             "which is not text") from None
            if isinstance(item, (dict, list)):
                pending.append((item, depth + 1))


def instance_json(request, user, dash, inst, owner=None):
    """``owner``: the dashboard's owner when ``user`` views it shared (the frame URL then acts as the viewer)."""
    gadget = for_instance(request.gadgets.get(inst.gadget_id), inst)
    return {"id": inst.id, "gadget": inst.gadget_id, "title": gadget.title if gadget else inst.gadget_id,
            "available": gadget is not None, "column": inst.column, "minimized": inst.minimized,
            "prefs": {**(gadget.default_prefs() if gadget else {}), **inst.prefs},
            "frame_url": frame_url(request, user, dash, inst, owner)}


def dashboard_json(request, user, dash, full=True, owner=None):
    data = {"id": dash.id, "title": dash.title, "layout": dash.layout}
    if owner is not None:
        data["owner"] = owner.name
    if full:
        data["columns"] = [[instance_json(request, user, dash, i, owner) for i in col] for col in dash.columns()]
    return data


def api(route, method="GET", permission=USER, **kw):
    return view_config(route_name=route, request_method=method, permission=permission, renderer="json", **kw)


@api("api_me")
def me(request):
    user = request.identity
    return {"name": user.name, "is_admin": user.is_admin}


@api("api_gadgets")
def gadgets(request):
    found = directory_entries(request, request.params.get("q", "")[:200], request.params.get("category", "")[:100])
    return {"gadgets": [directory_json(request, g) for g in found], "categories": categories(request)}


@api("api_dashboards")
def list_dashboards(request):
    user = request.identity
    return {"dashboards": [dashboard_json(request, user, d, full=False) for d in user.ordered_dashboards()]}


@api("api_dashboards", "POST")
def create_dashboard(request):
    data = body(request)
    dash = ops.create_dashboard(request.identity, data.get("title"), data.get("layout", "AA"))
    request.response.status = 201
    return dashboard_json(request, request.identity, dash)


@api("api_dashboard")
def get_dashboard(request):
    user = request.identity
    return dashboard_json(request, user, editable_dashboard(request, request.matchdict["did"]))


@api("api_dashboard", "PATCH")
def update_dashboard(request):
    user = request.identity
    did = request.matchdict["did"]
    dash = editable_dashboard(request, did)  # not read here: the edit reads it, where it is written
    data = body(request)
    if did == DEFAULT_ID and data.get("position") is not None:
        raise ops.InputError("the default dashboard has no place among your dashboards: give title or layout")

    def update(user, dash):
        ops.update_dashboard(user, dash, data.get("title"), data.get("layout"), data.get("position"))
        return dashboard_json(request, user, dash)

    return request.edit(update, user, dash)


@api("api_dashboard", "DELETE")
def delete_dashboard(request):
    user = request.identity
    ops.delete_dashboard(user, ops.get_dashboard(user, request.matchdict["did"]), request.app_root)
    return {"deleted": request.matchdict["did"]}


def copy_title(request):
    return (body(request) if request.body else {}).get("title")


@api("api_dashboard_copy", "POST")
def copy_dashboard(request):
    user = request.identity
    dash = ops.copy_dashboard(user, ops.get_dashboard(user, request.matchdict["did"]), copy_title(request))
    request.response.status = 201
    return dashboard_json(request, user, dash)


@api("api_dashboard_sharing")
def get_sharing(request):
    user = request.identity
    return ops.sharing_json(request.app_root, user, ops.get_dashboard(user, request.matchdict["did"]))


@api("api_dashboard_sharing", "PUT")
def put_sharing(request):
    """Share read-only with exactly these users, groups and (or not) everyone logged in."""
    user, root = request.identity, request.app_root
    dash = ops.get_dashboard(user, request.matchdict["did"])
    data = body(request)
    ops.share_dashboard(root, user, dash, data.get("users", []), data.get("groups", []), data.get("everyone", False))
    return ops.sharing_json(root, user, dash)


@api("api_shared")
def shared_with_me(request):
    viewer = request.identity
    return {"dashboards": [dashboard_json(request, viewer, dash, full=False, owner=owner)
                           for owner, dash in ops.shared_with_me(request.app_root, viewer)]}


@api("api_shared_dashboard")
def shared_dashboard(request):
    viewer = request.identity
    owner, dash = ops.get_shared(request.app_root, viewer, request.matchdict["name"], request.matchdict["did"])
    return dashboard_json(request, viewer, dash, owner=owner)


@api("api_shared_copy", "POST")
def copy_shared(request):
    viewer = request.identity
    _, source = ops.get_shared(request.app_root, viewer, request.matchdict["name"], request.matchdict["did"])
    dash = ops.copy_dashboard(viewer, source, copy_title(request))
    request.response.status = 201
    return dashboard_json(request, viewer, dash)


@api("api_instances", "POST")
def add_instance(request):
    user = request.identity
    dash = editable_dashboard(request, request.matchdict["did"])
    data = body(request)

    def add(user, dash):
        inst = ops.add_gadget(dash, request.gadgets, data.get("gadget"), data.get("column", 0), data.get("prefs"))
        if "position" in data:
            ops.move_gadget(dash, inst, inst.column, data["position"])
        return instance_json(request, user, dash, inst)

    added = request.edit(add, user, dash)
    request.response.status = 201
    return added


@api("api_instance")
def get_instance(request):
    user = request.identity
    dash = editable_dashboard(request, request.matchdict["did"])
    return instance_json(request, user, dash, ops.get_instance(dash, request.matchdict["iid"]))


@api("api_instance", "PATCH")
def update_instance(request):
    user = request.identity
    dash = editable_dashboard(request, request.matchdict["did"])
    iid, data = request.matchdict["iid"], body(request)
    if "minimized" in data and not isinstance(data["minimized"], bool):
        raise ops.InputError("minimized must be true or false")

    def update(user, dash):
        inst = ops.get_instance(dash, iid)
        if "prefs" in data:
            ops.set_prefs(request.gadgets, inst, data["prefs"])
        if "column" in data or "position" in data:
            ops.move_gadget(dash, inst, data.get("column", inst.column), data.get("position", 0))
        if "minimized" in data:
            inst.minimized = data["minimized"]
        return instance_json(request, user, dash, inst)

    return request.edit(update, user, dash)


@api("api_instance", "DELETE")
def delete_instance(request):
    did, iid = request.matchdict["did"], request.matchdict["iid"]
    # its id, not the instance removed: an edit returns no object of the committer's connection
    request.edit(lambda d: d.remove(ops.get_instance(d, iid).id).id, editable_dashboard(request, did))
    return {"deleted": iid, "restore_url": request.route_url("api_instance_restore", did=did, iid=iid)}


@api("api_instance_restore", "POST")
def restore_instance(request):
    """Undo a removal: the instance comes back with its preferences, state and account."""
    user = request.identity
    dash = editable_dashboard(request, request.matchdict["did"])
    iid = request.matchdict["iid"]
    return request.edit(lambda user, dash: instance_json(request, user, dash, ops.restore_gadget(dash, iid)),
                        user, dash)


@api("api_instance_data")
def instance_data(request):
    """A gadget's rendered data as JSON (its ``data`` callable's result, or its HTML), e.g. for other applications."""
    from ..rendering import GadgetContext, failure_message, gadget_data, render_gadget

    user = request.identity
    dash = editable_dashboard(request, request.matchdict["did"])
    inst = ops.get_instance(dash, request.matchdict["iid"])
    gadget = request.gadgets.get(inst.gadget_id)
    if gadget is None:
        raise ops.InputError("this gadget is not available: its plugin is not installed or not enabled")
    ctx = GadgetContext(request, user, dash, inst, gadget)
    result = {"gadget": gadget.id, "title": gadget.title, "state": ctx.broker.state()}
    if gadget.data is not None and result["state"] in ("ok", "none"):
        try:
            result["data"] = json.loads(json.dumps(gadget_data(ctx), default=str))  # kept as the frame keeps it
        except Busy as exc:  # answered at once, as the frame and the proxy do
            request.response.status = 503
            request.response.headers["Retry-After"] = str(exc.retry_after)
            result.update(state="busy", error=str(exc))
        except Exception as exc:  # the same isolation as in the frame: report, never a 500
            result["error"] = failure_message(gadget, exc)
    else:
        html, error, state = render_gadget(request, ctx)
        result.update({"html": html, "error": error, "state": state or result["state"]})
    return result


# Administration


@api("api_admin_plugins", permission=ADMIN)
def admin_plugins(request):
    plugins = request.registry.dashboard_plugins.plugins.values()
    disabled = set(request.app_root.settings.get("disabled_plugins", ()))
    return {"plugins": [{**p.as_json(), "enabled": p.name not in disabled} for p in plugins]}


@api("api_admin_providers", permission=ADMIN)
def admin_providers(request):
    services = request.broker_services
    return {"providers": [{**p.as_json(), "state": provider_state(services, p.id)}
                          for p in services.providers.values()]}


#: Users on one page of the admin page and of /api/admin/users.
USERS_PAGE = 50


def users_page(request):
    """One page of users whose names start with ``?prefix=``, from the name ``?next=`` on: (users, the next page's
    ``next`` or None). Only those users are loaded, however many there are."""
    users = request.app_root.users
    names, following = page_of_keys(users, request.params.get("prefix", "")[:100],
                                    request.params.get("next", "")[:100], USERS_PAGE)
    return [users[name] for name in names], following


@api("api_admin_users", permission=ADMIN)
def admin_users(request):
    users, following = users_page(request)
    return {"users": [ops.user_json(u) for u in users], "next": following}


DAY = 24 * 3600


def settings_json(settings):
    return {"fetch_allow_hosts": list(settings.get("fetch_allow_hosts", ())),
            "access_token_lifetime_days": settings.get("access_token_lifetime", 5 * 365 * DAY) // DAY}


@api("api_admin_settings", permission=ADMIN)
def admin_settings(request):
    return settings_json(request.app_root.settings)


@api("api_admin_settings", "PUT", permission=ADMIN)
def admin_settings_put(request):
    data = body(request)
    apply_settings(request.app_root.settings, data.get("fetch_allow_hosts"), data.get("access_token_lifetime_days"))
    return settings_json(request.app_root.settings)


def apply_settings(settings, hosts=None, lifetime_days=None):
    """Validate both settings first, then store them: nothing is half-applied."""
    hosts = clean_hosts(hosts) if hosts is not None else None
    if lifetime_days is not None:
        lifetime_days = ops.clean_int(lifetime_days, "the access token lifetime (days)", *ops.TOKEN_LIFETIME_DAYS)
    if hosts is not None:
        settings["fetch_allow_hosts"] = hosts
    if lifetime_days is not None:
        # How long access tokens we issue to other applications live (new tokens; issued ones keep theirs).
        settings["access_token_lifetime"] = lifetime_days * DAY


def clean_hosts(hosts):
    if isinstance(hosts, str):
        hosts = hosts.replace(",", "\n").split()
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise ops.InputError("fetch_allow_hosts must be a list of host names, addresses or networks")
    hosts = [h.strip() for h in hosts if h.strip()]
    if len(hosts) > 100 or any(len(h) > 255 or " " in h for h in hosts):
        raise ops.InputError("fetch_allow_hosts holds at most 100 entries of at most 255 characters")
    return tuple(hosts)
