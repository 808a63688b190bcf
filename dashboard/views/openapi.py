"""The OpenAPI 3 description of the whole JSON API under /api/, served at /api/openapi.json."""
from pyramid.view import view_config

from ..models.dashboards import LAYOUTS, MAX_TITLE
from ..models.users import MIN_PASSWORD, NAME_RE, NAME_RULE
from ..operations import MAX_SHARES, TOKEN_LIFETIME_DAYS

ERROR = {"description": "A message a person understands", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}
ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$", "description": "ids are 1-32 letters, digits, '_' or '-'"}


#: Who may call an operation besides a logged-in browser session (``x-grant`` on each operation). An OAuth 1.0a
#: access token is what the Allow page promises, read access to the user's dashboards and gadgets: READ operations
#: only. A trusted application acts as the user it names on the operations a user has (READ and WRITE), never on an
#: administrator's. Everything not in this document (HTML pages, forms, token and consumer management, the OAuth
#: endpoints) refuses both: ``dashboard.security`` enforces exactly this table.
SESSION, ACCESS_TOKEN, TRUSTED_APP = "session", "access-token", "trusted-app"
READ, WRITE, SESSION_ONLY = (SESSION, ACCESS_TOKEN, TRUSTED_APP), (SESSION, TRUSTED_APP), (SESSION,)
SECURITY = {SESSION: {"session": [], "csrf": []}, ACCESS_TOKEN: {"oauth1": []}, TRUSTED_APP: {"trustedApp": []}}
READ_SECURITY = {**SECURITY, SESSION: {"session": []}}  # reading needs no CSRF token


def _op(summary, ok="200", body=None, admin=False, params=(), grant=None, busy=False, throttled=False):
    grant = grant or (SESSION_ONLY if admin else READ)
    security = SECURITY if body or ok == "201" or grant == WRITE else READ_SECURITY
    op = {"summary": summary, "x-grant": list(grant), "security": [security[g] for g in grant],
          "responses": {ok: {"description": "OK", "content": {"application/json": {}}},
                        "400": ERROR, "401": ERROR, "404": ERROR}}
    if admin:
        op["responses"]["403"] = ERROR
    if busy:
        op["responses"]["503"] = {"description": "Busy: try again after Retry-After seconds",
                                  "content": {"application/json": {}}}
    if throttled:
        op["responses"]["429"] = {"description": "Too many wrong passwords for this name or from this address: try "
                                                 "again after Retry-After seconds", "content": {"application/json": {}}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = [{"name": p, "in": "query", "required": False, "schema": {"type": "string"}}
                            for p in params]
    return op


#: User and group names (models/users.py).
NAME = {"type": "string", "pattern": NAME_RE.pattern, "description": f"user and group names are {NAME_RULE}"}


def _path_params(*names):
    return [{"name": n, "in": "path", "required": True, "schema": NAME if n == "name" else ID}
            for n in names]


DASHBOARD_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE},
    "layout": {"type": "string", "enum": list(LAYOUTS)},
    "position": {"type": "integer", "minimum": 0}}}
INSTANCE_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "gadget": {"type": "string"}, "column": {"type": "integer", "minimum": 0,
                                       "maximum": max(len(columns) for columns in LAYOUTS.values()) - 1},
    "position": {"type": "integer", "minimum": 0}, "prefs": {"type": "object"}, "minimized": {"type": "boolean"}}}
#: Adding names the gadget; a change of an instance cannot make it another gadget.
NEW_INSTANCE_BODY = {**INSTANCE_BODY, "required": ["gadget"]}
INSTANCE_BODY = {**INSTANCE_BODY, "properties": {k: v for k, v in INSTANCE_BODY["properties"].items() if k != "gadget"}}
NAMES = {"type": "array", "maxItems": MAX_SHARES, "items": NAME}
COPY_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE}}}
SHARING_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "users": NAMES, "groups": NAMES, "everyone": {"type": "boolean"}}}
PASSWORD_BODY = {"type": "object", "additionalProperties": False, "required": ["current", "new"], "properties": {
    "current": {"type": "string"}, "new": {"type": "string", "minLength": MIN_PASSWORD}}}
NEW_USER_BODY = {"type": "object", "additionalProperties": False, "required": ["name", "password"], "properties": {
    "name": NAME, "password": {"type": "string", "minLength": MIN_PASSWORD}, "is_admin": {"type": "boolean"}}}
USER_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "disabled": {"type": "boolean"}, "is_admin": {"type": "boolean"},
    "password": {"type": "string", "minLength": MIN_PASSWORD},
    "end_sessions": {"type": "boolean"}}}
NEW_GROUP_BODY = {"type": "object", "additionalProperties": False, "required": ["name"], "properties": {
    "name": NAME, "members": NAMES}}
GROUP_BODY = {"type": "object", "additionalProperties": False, "properties": {"add": NAMES, "remove": NAMES}}
SETTINGS_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "fetch_allow_hosts": {"type": "array", "items": {"type": "string"}},
    "access_token_lifetime_days": {"type": "integer", "minimum": TOKEN_LIFETIME_DAYS[0],
                                   "maximum": TOKEN_LIFETIME_DAYS[1]}}}
DEFAULT_BODY = {"type": "object", "additionalProperties": False, "required": ["from"], "properties": {
    "from": {"nullable": True, **ID}}}

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "Gadget Dashboard API", "version": "1",
             "description": "Everything the pages do. Browsers authenticate with the session cookie and send the "
                            "CSRF token in X-CSRF-Token on every change; other applications sign requests with "
                            "OAuth 1.0a (HMAC-SHA1 or RSA-SHA1) with an access token a user allowed."},
    "components": {
        "schemas": {"Error": {"type": "object", "required": ["error", "status"], "properties": {
            "error": {"type": "string"}, "status": {"type": "integer"}}}},
        "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "dashboard_session"},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            "oauth1": {"type": "apiKey", "in": "header", "name": "Authorization",
                       "description": "OAuth 1.0a: request token /plugins/servlet/oauth/request-token, authorize "
                                      "/plugins/servlet/oauth/authorize, access token /plugins/servlet/oauth/access-token."
                                      " An access token reads (x-grant lists access-token on the operations it may "
                                      "call); a refusal answers 401 with WWW-Authenticate: OAuth realm, oauth_problem"},
            "trustedApp": {"type": "apiKey", "in": "header", "name": "X-Trusted-App-Id",
                           "description": "A trusted application's signed identity (X-Trusted-App-Identity and "
                                          "X-Trusted-App-Signature, see the admin guide): acts as the user it names "
                                          "on the operations whose x-grant lists trusted-app"}}},
    "paths": {
        "/api/me": {"get": _op("Who is calling")},
        "/api/me/password": {"post": _op("Change the caller's own password (the current one is required); every "
                                         "other session of theirs ends; a wrong current password counts as a "
                                         "failed login",
                                         body=PASSWORD_BODY, grant=SESSION_ONLY, throttled=True)},
        "/api/shared": {"get": _op("Dashboards other users shared with the caller (read-only), with their owner")},
        "/api/shared/{name}/{did}": {
            "parameters": _path_params("name", "did"),
            "get": _op("A dashboard shared with the caller: the owner's layout, gadgets and preferences; each "
                       "frame_url acts as the caller, with the caller's own connected accounts; it is null for an access token or a "
                       "trusted application, whose grant is this API's")},
        "/api/shared/{name}/{did}/copy": {
            "parameters": _path_params("name", "did"),
            "post": _op("Copy a dashboard shared with the caller into the caller's own", "201", COPY_BODY,
                        grant=WRITE)},
        "/api/dashboards/{did}/copy": {
            "parameters": _path_params("did"),
            "post": _op("Copy one of the caller's dashboards (gadgets, layout, preferences; not accounts)", "201",
                        COPY_BODY, grant=WRITE)},
        "/api/dashboards/{did}/sharing": {
            "parameters": _path_params("did"),
            "get": _op("With whom the dashboard is shared read-only"),
            "put": _op("Share read-only with exactly these users, groups and (or not) everyone logged in",
                       body=SHARING_BODY, grant=WRITE)},
        "/api/gadgets": {"get": _op("The gadget directory", params=("q", "category"))},
        "/api/dashboards": {"get": _op("The caller's dashboards"),
                            "post": _op("Create a dashboard", "201", DASHBOARD_BODY, grant=WRITE)},
        "/api/dashboards/{did}": {"parameters": _path_params("did"), "get": _op(
            "A dashboard with its gadgets. did default names the default dashboard new users start with: an "
            "administrator's session edits it here and under its gadgets as their own (audited); anyone else gets 403"),
                                  "patch": _op("Rename, change layout or reorder", body=DASHBOARD_BODY, grant=WRITE),
                                  "delete": _op("Delete a dashboard (not the last one)", grant=WRITE)},
        "/api/dashboards/{did}/gadgets": {"parameters": _path_params("did"),
                                          "post": _op("Add a gadget", "201", NEW_INSTANCE_BODY, grant=WRITE)},
        "/api/dashboards/{did}/gadgets/{iid}": {
            "parameters": _path_params("did", "iid"), "get": _op("A gadget instance"),
            "patch": _op("Move, set preferences, minimize", body=INSTANCE_BODY, grant=WRITE),
            "delete": _op("Remove a gadget (kept for undo)", grant=WRITE)},
        "/api/gadgets/{gid}/render": {
            "parameters": _path_params("gid"),
            "get": _op("A gadget rendered for the requesting user with the preferences given in the query "
                       "(what this server's exported gadget specs show in other containers)")},
        "/api/dashboards/{did}/gadgets/{iid}/restore": {
            "parameters": _path_params("did", "iid"),
            "post": _op("Undo a removal: the gadget returns with its preferences and state", grant=WRITE)},
        "/api/dashboards/{did}/gadgets/{iid}/data": {
            "parameters": _path_params("did", "iid"),
            "get": _op("A gadget's rendered data as JSON: data, or html; state tells approval and connection "
                       "(503 with Retry-After when too many of the caller's fetches are in flight)", busy=True)},
        "/api/admin/plugins": {"get": _op("Plugins, what they declare, errors", admin=True)},
        "/api/admin/providers": {"get": _op("Declared service providers and their approval", admin=True)},
        "/api/admin/users": {"get": _op("Users, 50 a page, in name order: those whose names start with prefix, "
                                        "from the name next on (the next page's next is in the answer, null "
                                        "on the last page)", admin=True, params=("prefix", "next")),
                             "post": _op("Add a user (audited)", "201", NEW_USER_BODY, admin=True)},
        "/api/admin/users/{name}": {
            "parameters": _path_params("name"),
            "get": _op("A user: role, disabled, groups, live sessions", admin=True),
            "patch": _op("Disable or enable, grant or remove administrator, reset the password (ends the user's "
                         "sessions), end_sessions; an administrator cannot disable themselves or remove their own "
                         "role. Audited", body=USER_BODY, admin=True),
            "delete": _op("Delete the user (not oneself): their dashboards, gadgets, connected accounts (revoked at "
                          "the provider where it supports revocation), access tokens issued for them, sessions, group "
                          "memberships and what is shared with them go; what they shared is seen no more; the audit "
                          "log keeps its entries. The name may be used again, inheriting nothing. Audited",
                          admin=True)},
        "/api/admin/users/{name}/sessions": {
            "parameters": _path_params("name"),
            "delete": _op("End every session of the user (audited)", admin=True)},
        "/api/admin/groups": {
            "get": _op("Groups, 50 a page, in name order (prefix, next as for users)", admin=True,
                       params=("prefix", "next")),
            "post": _op("Create a group, with members (audited)", "201", NEW_GROUP_BODY, admin=True)},
        "/api/admin/groups/{name}": {
            "parameters": _path_params("name"),
            "get": _op("A group and its members", admin=True),
            "patch": _op("Add and remove members (audited)", body=GROUP_BODY, admin=True),
            "delete": _op("Delete a group (audited)", admin=True)},
        "/api/admin/default-dashboard": {
            "get": _op("The dashboard new users start with (null: an empty one)", admin=True),
            "put": _op("Make a copy of one of the caller's dashboards the default for users added from now on "
                       "(from: null for an empty one). Audited", body=DEFAULT_BODY, admin=True)},
        "/api/admin/settings": {"get": _op("Administrator settings", admin=True),
                                "put": _op("Change administrator settings", body=SETTINGS_BODY,
                                           admin=True)},
        "/api/openapi.json": {"get": {"summary": "This document", "security": [], "x-grant": ["anyone"],
                                      "responses": {"200": {"description": "OK"}}}},
    },
}


def grants(document=DOCUMENT):
    """(path pattern, HTTP method) -> the kinds of caller the document grants that operation to."""
    return {(path, method.upper()): frozenset(op["x-grant"]) for path, item in document["paths"].items()
            for method, op in item.items() if method != "parameters"}


GRANTS = grants()


def operation_of(request):
    """The (path pattern, method) of the document's operation a request is for (HEAD as GET), or None."""
    route = request.matched_route
    if route is None:
        return None
    return "/" + route.pattern.lstrip("/"), "GET" if request.method == "HEAD" else request.method


def _json_schema(schema):
    """An OpenAPI 3.0 schema as JSON Schema: ``nullable: true`` is its type or null."""
    if isinstance(schema, list):
        return [_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable") and "type" in schema:
        out["type"] = [schema["type"], "null"]
    return out


def body_schemas(document=DOCUMENT):
    """(path pattern, HTTP method) -> the JSON Schema of its request body: what the API accepts is what this
    document says (views/api.py ``body`` checks every request against it), never a second copy in the views."""
    return {(path, method.upper()): _json_schema(op["requestBody"]["content"]["application/json"]["schema"])
            for path, item in document["paths"].items() for method, op in item.items()
            if method != "parameters" and "requestBody" in op}


BODY_SCHEMAS = body_schemas()


@view_config(route_name="api_openapi", request_method="GET", renderer="json")
def openapi(request):
    return DOCUMENT
