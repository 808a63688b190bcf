"""The authorization matrix: every route, for anonymous, the owner, another user and an administrator.

The test fails when a route exists that this table does not cover, so a new route cannot ship unchecked.
"""
import json

import pytest

from dashboard.testing import Client, _logged_in

ROLES = ("anon", "owner", "other", "admin")
# route name, method, path, body, expected status for anon / owner / other / admin
MATRIX = [
    ("home", "GET", "/", None, (303, 303, 303, 303)),
    ("login", "GET", "/login", None, (200, 303, 303, 303)),
    ("login", "POST", "/login", {"name": "x", "password": "wrong"}, (400, 400, 400, 400)),
    ("logout", "POST", "/logout", {}, (303, 303, 303, 303)),
    # the first-run page exists only while the server has no account
    ("setup", "GET", "/setup", None, (404, 404, 404, 404)),
    ("setup", "POST", "/setup", {"code": "x", "name": "x", "password": "y" * 8, "password2": "y" * 8},
     (404, 404, 404, 404)),
    ("dashboard_new", "POST", "/dashboards/new", {"title": "New"}, (401, 303, 303, 303)),
    ("dashboard", "GET", "/d/{did}", None, (303, 200, 404, 404)),
    ("dashboard_action", "POST", "/d/{did}/rename", {"title": "Renamed"}, (401, 303, 404, 404)),
    ("dashboard_action", "POST", "/d/{did}/delete", {}, (401, 303, 404, 404)),
    ("gadget_prefs", "GET", "/d/{did}/g/{iid}/prefs", None, (303, 200, 404, 404)),
    ("gadget_prefs", "POST", "/d/{did}/g/{iid}/prefs", {"time_zone": "UTC"}, (401, 303, 404, 404)),
    ("gadget_maximized", "GET", "/d/{did}/g/{iid}/max", None, (303, 200, 404, 404)),
    ("gadget_action", "POST", "/d/{did}/g/{iid}/move", {"column": "1", "position": "0"}, (401, 303, 404, 404)),
    ("gadget_action", "POST", "/d/{did}/g/{iid}/remove", {}, (401, 303, 404, 404)),
    ("gadget_restore", "POST", "/d/{did}/g/{iid}/restore", {}, (401, 303, 404, 404)),
    ("directory", "GET", "/directory", None, (303, 200, 200, 200)),
    # A frame is reached by its signed link (a capability), not by the session.
    ("frame", "GET", "/frame/{did}/{iid}?st={st}", None, (200, 200, 200, 200)),
    ("frame", "GET", "/frame/{did}/{iid}", None, (403, 403, 403, 403)),
    ("admin", "GET", "/admin", None, (303, 403, 403, 200)),
    ("admin_plugin", "POST", "/admin/plugins/nope", {"action": "disable"}, (401, 403, 403, 404)),
    ("admin_settings", "POST", "/admin/settings", {"fetch_allow_hosts": ""}, (401, 403, 403, 303)),
    ("api_me", "GET", "/api/me", None, (401, 200, 200, 200)),
    ("api_openapi", "GET", "/api/openapi.json", None, (200, 200, 200, 200)),
    ("api_gadgets", "GET", "/api/gadgets", None, (401, 200, 200, 200)),
    ("api_gadget_render", "GET", "/api/gadgets/clock/render", None, (401, 200, 200, 200)),
    # a gadget spec is public, like a directory entry; its data needs the user's approval
    ("gadget_spec", "GET", "/gadgets/clock/spec.xml", None, (200, 200, 200, 200)),
    ("gadget_thumbnail", "GET", "/gadgets/clock/thumbnail", None, (200, 200, 200, 200)),
    ("api_dashboards", "GET", "/api/dashboards", None, (401, 200, 200, 200)),
    ("api_dashboards", "POST", "/api/dashboards", {"title": "T"}, (401, 201, 201, 201)),
    ("api_dashboard", "GET", "/api/dashboards/{did}", None, (401, 200, 404, 404)),
    ("api_dashboard", "PATCH", "/api/dashboards/{did}", {"title": "T"}, (401, 200, 404, 404)),
    ("api_dashboard", "DELETE", "/api/dashboards/{did}", None, (401, 200, 404, 404)),
    ("api_instances", "POST", "/api/dashboards/{did}/gadgets", {"gadget": "clock"}, (401, 201, 404, 404)),
    ("api_instance", "GET", "/api/dashboards/{did}/gadgets/{iid}", None, (401, 200, 404, 404)),
    ("api_instance", "PATCH", "/api/dashboards/{did}/gadgets/{iid}", {"minimized": True}, (401, 200, 404, 404)),
    ("api_instance", "DELETE", "/api/dashboards/{did}/gadgets/{iid}", None, (401, 200, 404, 404)),
    # nothing was removed, so there is nothing to bring back, for the owner either
    ("api_instance_restore", "POST", "/api/dashboards/{did}/gadgets/{iid}/restore", None, (401, 404, 404, 404)),
    ("api_instance_data", "GET", "/api/dashboards/{did}/gadgets/{iid}/data", None, (401, 200, 404, 404)),
    ("api_admin_plugins", "GET", "/api/admin/plugins", None, (401, 403, 403, 200)),
    ("api_admin_providers", "GET", "/api/admin/providers", None, (401, 403, 403, 200)),
    ("api_admin_users", "GET", "/api/admin/users", None, (401, 403, 403, 200)),
    ("api_admin_settings", "GET", "/api/admin/settings", None, (401, 403, 403, 200)),
    ("api_admin_settings", "PUT", "/api/admin/settings", {"fetch_allow_hosts": []}, (401, 403, 403, 200)),
    ("__static/", "GET", "/static/dashboard.css", None, (200, 200, 200, 200)),
    ("connect", "GET", "/connect/github?d={did}&i={iid}", None, (303, 400, 400, 400)),
    ("connect_callback_oauth2", "GET", "/connect/callback/oauth2?state=x&code=y", None, (303, 400, 400, 400)),
    ("connect_callback_oauth1", "GET", "/connect/callback/oauth1?oauth_token=x", None, (303, 400, 400, 400)),
    ("connections", "GET", "/connections", None, (303, 200, 200, 200)),
    ("connection_revoke", "POST", "/connections/nope/revoke", {}, (401, 404, 404, 404)),
    ("gadget_account", "POST", "/d/{did}/g/{iid}/account", {"connection": "x"}, (401, 400, 404, 404)),
    # The proxy, like the frame, is reached by the frame token; a gadget without a provider gets nothing.
    ("proxy", "GET", "/proxy/{did}/{iid}?st={st}&path=x", None, (403, 403, 403, 403)),
    ("proxy", "POST", "/proxy/{did}/{iid}?st={st}&path=x", {}, (403, 403, 403, 403)),
    # reached by the frame token whoever sends it; the form's csrf_token is no preference of the notes gadget
    ("frame_prefs", "POST", "/frame/{did}/{iid}/prefs", {"st": "{st}"}, (400, 400, 400, 400)),
    ("admin_providers", "GET", "/admin/providers", None, (303, 403, 403, 200)),
    ("admin_provider", "POST", "/admin/providers/nope", {}, (401, 403, 403, 404)),
    ("admin_audit", "GET", "/admin/audit", None, (303, 403, 403, 200)),
    # Our OAuth 1.0a provider: the token endpoints answer unsigned requests with an oauth_problem (401).
    ("oauth_request_token", "POST", "/plugins/servlet/oauth/request-token", {}, (401, 401, 401, 401)),
    ("oauth_access_token", "POST", "/plugins/servlet/oauth/access-token", {}, (401, 401, 401, 401)),
    ("oauth_authorize", "GET", "/plugins/servlet/oauth/authorize?oauth_token=x", None, (303, 400, 400, 400)),
    ("oauth_request_token", "GET", "/plugins/servlet/oauth/request-token", None, (401, 401, 401, 401)),
    ("oauth_access_token", "GET", "/plugins/servlet/oauth/access-token", None, (401, 401, 401, 401)),
    ("oauth_authorize", "POST", "/plugins/servlet/oauth/authorize", {"oauth_token": "x", "decision": "allow"},
     (401, 400, 400, 400)),
    ("oauth_consumer_info", "GET", "/plugins/servlet/oauth/consumer-info", None, (200, 200, 200, 200)),
    ("issued_tokens", "GET", "/tokens", None, (303, 200, 200, 200)),
    ("issued_token_revoke", "POST", "/tokens/nope/revoke", {}, (401, 404, 404, 404)),
    ("admin_consumer_info", "POST", "/admin/consumer-info", {"action": "regenerate"}, (401, 403, 403, 400)),
    ("admin_trusted", "GET", "/admin/trusted", None, (303, 403, 403, 200)),
    ("admin_trusted", "POST", "/admin/trusted", {"id": ""}, (401, 403, 403, 400)),
    ("admin_trusted_app", "POST", "/admin/trusted/nope", {}, (401, 403, 403, 404)),
    ("admin_specs", "GET", "/admin/specs", None, (303, 403, 403, 200)),
    ("admin_specs", "POST", "/admin/specs", {"action": "nope"}, (401, 403, 403, 400)),
    ("admin_consumers", "GET", "/admin/consumers", None, (303, 403, 403, 200)),
    ("admin_consumers", "POST", "/admin/consumers", {"key": ""}, (401, 403, 403, 400)),
    ("admin_consumer", "POST", "/admin/consumers/nope", {"action": "remove"}, (401, 403, 403, 404)),
    ("notes_save", "POST", "/p/notes/save", {"st": "{st}", "text": "hi"}, (303, 303, 303, 303)),
    # Copies and sharing (the owner's own dashboard: not shared with anyone yet; SHARED_MATRIX covers viewers)
    ("dashboard_action", "POST", "/d/{did}/copy", {}, (401, 303, 404, 404)),
    ("dashboard_share", "GET", "/d/{did}/share", None, (303, 200, 404, 404)),
    ("dashboard_share", "POST", "/d/{did}/share", {"users": "nobody-such"}, (401, 400, 404, 404)),
    ("shared_list", "GET", "/shared", None, (303, 200, 200, 200)),
    ("shared_dashboard", "GET", "/u/alice/d/{did}", None, (303, 303, 404, 404)),
    ("shared_copy", "POST", "/u/alice/d/{did}/copy", {}, (401, 303, 404, 404)),
    ("api_shared", "GET", "/api/shared", None, (401, 200, 200, 200)),
    ("api_shared_dashboard", "GET", "/api/shared/alice/{did}", None, (401, 200, 404, 404)),
    ("api_shared_copy", "POST", "/api/shared/alice/{did}/copy", None, (401, 201, 404, 404)),
    ("api_dashboard_copy", "POST", "/api/dashboards/{did}/copy", None, (401, 201, 404, 404)),
    ("api_dashboard_sharing", "GET", "/api/dashboards/{did}/sharing", None, (401, 200, 404, 404)),
    ("api_dashboard_sharing", "PUT", "/api/dashboards/{did}/sharing", {"users": []}, (401, 200, 404, 404)),
    # Accounts: one's own password, and what administrators do to users and groups
    ("account_password", "GET", "/account/password", None, (303, 200, 200, 200)),
    ("account_password", "POST", "/account/password", {"current": "wrong", "new": "x" * 8, "new2": "x" * 8},
     (401, 400, 400, 400)),
    ("api_me_password", "POST", "/api/me/password", {"current": "wrong", "new": "x" * 8}, (401, 400, 400, 400)),
    ("admin_users", "POST", "/admin/users", {"name": "", "password": ""}, (401, 403, 403, 400)),
    ("admin_users", "GET", "/admin/users", None, (303, 403, 403, 303)),
    ("admin_user", "GET", "/admin/users/bob", None, (303, 403, 403, 200)),
    ("admin_user", "POST", "/admin/users/nobody-such", {"action": "end_sessions"}, (401, 403, 403, 404)),
    ("admin_groups", "GET", "/admin/groups", None, (303, 403, 403, 200)),
    ("admin_groups", "POST", "/admin/groups", {"name": ""}, (401, 403, 403, 400)),
    ("admin_group", "GET", "/admin/groups/nope", None, (303, 403, 403, 404)),
    ("admin_group", "POST", "/admin/groups/nope", {"action": "add", "names": "bob"}, (401, 403, 403, 404)),
    ("admin_default_dashboard", "POST", "/admin/default-dashboard", {"action": "clear"}, (401, 403, 403, 303)),
    # to the default dashboard in the editor, /d/default (test_default_dashboard_editor.py checks it for each role)
    ("admin_default_dashboard", "GET", "/admin/default-dashboard", None, (303, 403, 403, 303)),
    ("api_admin_users", "POST", "/api/admin/users", {"name": "new1", "password": "x" * 8}, (401, 403, 403, 201)),
    ("api_admin_user", "GET", "/api/admin/users/bob", None, (401, 403, 403, 200)),
    ("api_admin_user", "PATCH", "/api/admin/users/nobody-such", {"disabled": True}, (401, 403, 403, 404)),
    ("api_admin_user", "DELETE", "/api/admin/users/nobody-such", None, (401, 403, 403, 404)),
    ("api_admin_user_sessions", "DELETE", "/api/admin/users/nobody-such/sessions", None, (401, 403, 403, 404)),
    ("api_admin_groups", "GET", "/api/admin/groups", None, (401, 403, 403, 200)),
    ("api_admin_groups", "POST", "/api/admin/groups", {"name": "g1"}, (401, 403, 403, 201)),
    ("api_admin_group", "GET", "/api/admin/groups/nope", None, (401, 403, 403, 404)),
    ("api_admin_group", "PATCH", "/api/admin/groups/nope", {"add": ["bob"]}, (401, 403, 403, 404)),
    ("api_admin_group", "DELETE", "/api/admin/groups/nope", None, (401, 403, 403, 404)),
    ("api_admin_default_dashboard", "GET", "/api/admin/default-dashboard", None, (401, 403, 403, 200)),
    ("api_admin_default_dashboard", "PUT", "/api/admin/default-dashboard", {"from": None}, (401, 403, 403, 200)),
]


def test_every_route_is_in_the_matrix(dashboard_app):
    routes = {r["name"] for r in dashboard_app.registry.introspector.get_category("routes")
              for r in [r["introspectable"]]}
    assert routes == {row[0] for row in MATRIX}


def test_every_method_of_every_route_is_in_the_matrix(dashboard_app):
    """Each (route, method) a view answers has a row: a POST added beside a GET cannot ship unchecked."""
    rows = {(row[0], row[1]) for row in MATRIX}
    missing = set()
    for view in dashboard_app.registry.introspector.get_category("views"):
        view = view["introspectable"]
        methods = view["request_methods"]
        if not view["route_name"]:
            continue
        if methods is None:  # any method: one row of the route covers it
            if not any(route == view["route_name"] for route, _ in rows):
                missing.add((view["route_name"], "ANY"))
            continue
        missing |= {(view["route_name"], m) for m in ([methods] if isinstance(methods, str) else methods)} - rows
    assert not missing


@pytest.fixture
def world(dashboard_app, make_user):
    owner = _logged_in(dashboard_app, make_user, "alice")
    clients = {"owner": owner,
               "other": _logged_in(dashboard_app, make_user, "bob"),
               "admin": _logged_in(dashboard_app, make_user, "root", admin=True),
               "anon": Client(dashboard_app)}
    clients["anon"].refresh_csrf()
    owner.post_json("/api/dashboards", {"title": "Spare"})  # so the first one may be deleted
    did = owner.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = owner.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})
    st = inst["frame_url"].split("st=")[1]
    return clients, {"did": did, "iid": inst["id"], "st": st}


@pytest.mark.parametrize("route, method, path, body, expected", MATRIX,
                         ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_authorization(world, route, method, path, body, expected):
    clients, ids = world
    # the owner goes last: their request may change what the others would see
    got = {role: request_as(clients[role], route, method, path.format(**ids), body, ids)
           for role in ("anon", "other", "admin", "owner")}
    assert tuple(got[r].status_int for r in ROLES) == expected, {r: got[r].text[:200] for r in ROLES}


def request_as(client, route, method, url, body, ids):
    if method == "GET":
        return client.app.get(url, status="*")
    if route.startswith("api_"):
        return client.app.request(url, method=method, status="*", content_type="application/json",
                                  body=json.dumps(body or {}).encode(), headers={"X-CSRF-Token": client.csrf or ""})
    data = {k: v.format(**ids) for k, v in (body or {}).items()}
    return client.app.post(url, {"csrf_token": client.csrf, **data}, status="*")


# A dashboard alice shared with carol: every route that names it, for its owner, the viewer, another user (dave),
# anonymous and an administrator (root, not a viewer: administrators do not see others' dashboards). Viewers read
# and copy; nothing that changes the dashboard or its gadgets is theirs.
SHARED_ROLES = ("owner", "viewer", "other", "anon", "admin")
SHARED_MATRIX = [
    ("GET", "/u/alice/d/{did}", None, (303, 200, 404, 303, 404)),
    ("POST", "/u/alice/d/{did}/copy", {}, (303, 303, 404, 401, 404)),
    ("GET", "/api/shared/alice/{did}", None, (200, 200, 404, 401, 404)),
    ("POST", "/api/shared/alice/{did}/copy", None, (201, 201, 404, 401, 404)),
    ("GET", "/d/{did}", None, (200, 404, 404, 303, 404)),
    ("GET", "/d/{did}/share", None, (200, 404, 404, 303, 404)),
    ("POST", "/d/{did}/share", {"users": "carol"}, (303, 404, 404, 401, 404)),
    ("POST", "/d/{did}/rename", {"title": "Mine"}, (303, 404, 404, 401, 404)),
    ("POST", "/d/{did}/g/{iid}/prefs", {}, (303, 404, 404, 401, 404)),
    ("POST", "/d/{did}/g/{iid}/remove", {}, (303, 404, 404, 401, 404)),
    ("GET", "/api/dashboards/{did}", None, (200, 404, 404, 401, 404)),
    ("PATCH", "/api/dashboards/{did}", {"title": "T"}, (200, 404, 404, 401, 404)),
    ("GET", "/api/dashboards/{did}/sharing", None, (200, 404, 404, 401, 404)),
    ("PUT", "/api/dashboards/{did}/sharing", {"users": ["carol"]}, (200, 404, 404, 401, 404)),
    ("PATCH", "/api/dashboards/{did}/gadgets/{iid}", {"minimized": True}, (200, 404, 404, 401, 404)),
    ("GET", "/api/dashboards/{did}/gadgets/{iid}/data", None, (200, 404, 404, 401, 404)),
    # the viewer's own frame link reads the gadget; saving from it (notes) or setting preferences is refused
    ("GET", "/frame/{did}/{iid}?st={viewer_st}", None, (200, 200, 200, 200, 200)),
    ("POST", "/p/notes/save", {"st": "{viewer_st}", "text": "changed"}, (403, 403, 403, 403, 403)),
    ("POST", "/frame/{did}/{iid}/prefs", {"st": "{viewer_st}"}, (403, 403, 403, 403, 403)),
]


@pytest.fixture
def shared_world(dashboard_app, make_user):
    owner = _logged_in(dashboard_app, make_user, "alice")
    clients = {"owner": owner, "viewer": _logged_in(dashboard_app, make_user, "carol"),
               "other": _logged_in(dashboard_app, make_user, "dave"),
               "admin": _logged_in(dashboard_app, make_user, "root", admin=True), "anon": Client(dashboard_app)}
    clients["anon"].refresh_csrf()
    owner.post_json("/api/dashboards", {"title": "Spare"})
    did = owner.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = owner.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})
    owner.put_json(f"/api/dashboards/{did}/sharing", {"users": ["carol"]})
    shared = clients["viewer"].get_json(f"/api/shared/alice/{did}")
    viewer_st = shared["columns"][0][0]["frame_url"].split("st=")[1]
    return clients, {"did": did, "iid": inst["id"], "viewer_st": viewer_st}


@pytest.mark.parametrize("method, path, body, expected", SHARED_MATRIX, ids=[f"{m} {p}" for m, p, _, _ in SHARED_MATRIX])
def test_shared_dashboard_authorization(shared_world, method, path, body, expected):
    clients, ids = shared_world
    route = "api_" if path.startswith("/api/") else "page"
    got = {role: request_as(clients[role], route, method, path.format(**ids), body, ids)
           for role in ("anon", "other", "admin", "viewer", "owner")}
    assert tuple(got[r].status_int for r in SHARED_ROLES) == expected, {r: got[r].text[:200] for r in SHARED_ROLES}
    if path.startswith("/u/") and method == "GET":
        assert "Shared with you by alice" in got["viewer"].text
