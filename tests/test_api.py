"""The JSON API: every call, and each kind of bad input answered with a 4xx and a message."""
import pytest


def first_dashboard(client):
    return client.get_json("/api/dashboards")["dashboards"][0]


def add(client, did, gadget, **kw):
    return client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": gadget, **kw}, status=201)


def test_new_user_has_a_default_dashboard(user_client):
    dashboards = user_client.get_json("/api/dashboards")["dashboards"]
    assert [d["title"] for d in dashboards] == ["My dashboard"]
    assert user_client.get_json("/api/me") == {"name": "alice", "is_admin": False}


def test_dashboard_crud(user_client):
    created = user_client.post_json("/api/dashboards", {"title": "Work", "layout": "AAA"}, status=201)
    assert created["layout"] == "AAA" and created["columns"] == [[], [], []]
    did = created["id"]
    assert user_client.patch_json(f"/api/dashboards/{did}", {"title": "Office", "position": 0})["title"] == "Office"
    assert [d["title"] for d in user_client.get_json("/api/dashboards")["dashboards"]] == ["Office", "My dashboard"]
    user_client.delete_json(f"/api/dashboards/{did}")
    user_client.get_json(f"/api/dashboards/{did}", status=404)


def test_cannot_delete_the_only_dashboard(user_client):
    did = first_dashboard(user_client)["id"]
    err = user_client.delete_json(f"/api/dashboards/{did}", status=400)
    assert "only dashboard" in err["error"]


def test_add_move_prefs_remove(user_client):
    did = first_dashboard(user_client)["id"]
    a = add(user_client, did, "clock")
    b = add(user_client, did, "notes")
    c = add(user_client, did, "clock", column=1, prefs={"time_zone": "Asia/Tokyo"})
    assert c["prefs"] == {"time_zone": "Asia/Tokyo", "hour_format": "24"}
    dash = user_client.get_json(f"/api/dashboards/{did}")
    assert [[i["id"] for i in col] for col in dash["columns"]] == [[a["id"], b["id"]], [c["id"]]]
    # move b to the top of column 1, then a below it
    user_client.patch_json(f"/api/dashboards/{did}/gadgets/{b['id']}", {"column": 1, "position": 0})
    user_client.patch_json(f"/api/dashboards/{did}/gadgets/{a['id']}", {"column": 1, "position": 1})
    dash = user_client.get_json(f"/api/dashboards/{did}")
    assert [[i["id"] for i in col] for col in dash["columns"]] == [[], [b["id"], a["id"], c["id"]]]
    got = user_client.patch_json(f"/api/dashboards/{did}/gadgets/{a['id']}",
                                 {"prefs": {"hour_format": "12"}, "minimized": True})
    assert got["prefs"]["hour_format"] == "12" and got["minimized"] is True
    user_client.delete_json(f"/api/dashboards/{did}/gadgets/{a['id']}")
    user_client.get_json(f"/api/dashboards/{did}/gadgets/{a['id']}", status=404)


def test_many_moves_between_neighbours_keep_order(user_client):
    """Fractional sort keys run out after ~50 halvings; the column is then renumbered, not scrambled."""
    did = first_dashboard(user_client)["id"]
    ids = [add(user_client, did, "welcome")["id"] for _ in range(3)]
    for _ in range(60):  # keep moving the last one between the first two
        user_client.patch_json(f"/api/dashboards/{did}/gadgets/{ids[2]}", {"column": 0, "position": 1})
        user_client.patch_json(f"/api/dashboards/{did}/gadgets/{ids[1]}", {"column": 0, "position": 1})
    col = [i["id"] for i in user_client.get_json(f"/api/dashboards/{did}")["columns"][0]]
    assert col == [ids[0], ids[1], ids[2]]


def test_layout_change_keeps_gadgets(user_client):
    did = user_client.post_json("/api/dashboards", {"title": "Three", "layout": "AAA"})["id"]
    ids = [add(user_client, did, "welcome", column=n)["id"] for n in range(3)]
    dash = user_client.patch_json(f"/api/dashboards/{did}", {"layout": "A"})
    assert [i["id"] for i in dash["columns"][0]] == ids


def test_directory_search_and_categories(user_client):
    res = user_client.get_json("/api/gadgets")
    ids = {g["id"] for g in res["gadgets"]}
    assert {"clock", "notes", "feed-reader", "welcome"} <= ids
    assert "Time" in res["categories"]
    assert [g["id"] for g in user_client.get_json("/api/gadgets?q=time+zone")["gadgets"]] == ["clock"]
    assert [g["id"] for g in user_client.get_json("/api/gadgets?category=News")["gadgets"]] == ["feed-reader"]
    assert user_client.get_json("/api/gadgets?q=nothing-matches-this")["gadgets"] == []


@pytest.mark.parametrize("body, message", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"title": 5}', "title must be text"),
    (b'{"title": ""}', "title must be 1-200 characters"),
    (b'{"title": "' + b"x" * 201 + b'"}', "title must be 1-200 characters"),
    (b'{"title": "ok", "layout": "ABCD"}', "layout must be one of"),
])
def test_create_dashboard_bad_input(user_client, body, message):
    res = user_client.app.post("/api/dashboards", body, status=400, content_type="application/json",
                               headers={"X-CSRF-Token": user_client.csrf})
    assert message in res.json["error"]


def test_oversize_body_refused(user_client):
    body = b'{"title": "' + b"x" * 70000 + b'"}'
    res = user_client.app.post("/api/dashboards", body, status=400, content_type="application/json",
                               headers={"X-CSRF-Token": user_client.csrf})
    assert "larger than" in res.json["error"]


@pytest.mark.parametrize("payload, message", [
    ({"gadget": "no-such-gadget"}, "no gadget"),
    ({"gadget": 7}, "gadget must be text"),
    ({"gadget": "clock", "column": 5}, "column must be between 0 and 2"),  # no layout has more
    ({"gadget": "clock", "column": 2}, "column must be between 0 and 1"),  # this one has two
    ({"gadget": "clock", "column": "left"}, "column must be a whole number"),
    ({"gadget": "clock", "prefs": {"time_zone": "Mars/Olympus"}}, "Time zone must be one of"),
    ({"gadget": "clock", "prefs": {"color": "red"}}, "no preference named color"),
    ({"gadget": "clock", "prefs": "tz=UTC"}, "prefs must be an object"),
    ({"gadget": "feed-reader", "prefs": {"count": "many"}}, "must be a number"),
    ({"gadget": "feed-reader", "prefs": {"count": 500}}, "at most 50"),
    ({"gadget": "feed-reader", "prefs": {"count": True}}, "must be a number"),
    ({"gadget": "feed-reader", "prefs": {"feed_url": "x" * 2001}}, "too long"),
])
def test_add_gadget_bad_input(user_client, payload, message):
    did = first_dashboard(user_client)["id"]
    err = user_client.post_json(f"/api/dashboards/{did}/gadgets", payload, status=400)
    assert message in err["error"], err


@pytest.mark.parametrize("payload, message", [
    ({"column": -1}, "column must be between"),
    ({"position": "top"}, "position must be a whole number"),
    ({"minimized": "yes"}, "minimized must be true or false"),
    ({"prefs": {"hour_format": "13"}}, "must be one of"),
    ({"colour": 1}, "unknown fields: colour"),
])
def test_update_instance_bad_input(user_client, payload, message):
    did = first_dashboard(user_client)["id"]
    iid = add(user_client, did, "clock")["id"]
    err = user_client.patch_json(f"/api/dashboards/{did}/gadgets/{iid}", payload, status=400)
    assert message in err["error"]
    # nothing was half-applied
    assert user_client.get_json(f"/api/dashboards/{did}/gadgets/{iid}")["prefs"]["hour_format"] == "24"


def test_unknown_ids_are_404(user_client):
    did = first_dashboard(user_client)["id"]
    assert user_client.get_json("/api/dashboards/nope", status=404)["error"] == "no such dashboard"
    assert "no such gadget" in user_client.get_json(f"/api/dashboards/{did}/gadgets/nope", status=404)["error"]
    user_client.patch_json(f"/api/dashboards/{did}/gadgets/nope", {"column": 0}, status=404)
    assert "no such gadget" in user_client.delete_json(f"/api/dashboards/{did}/gadgets/nope", status=404)["error"]
    user_client.form_post(f"/d/{did}/g/nope/minimize", status=404)
    user_client.get_json("/api/nothing-here", status=404)


def test_other_users_dashboards_are_404(user_client, other_client):
    did = first_dashboard(user_client)["id"]
    iid = add(user_client, did, "clock")["id"]
    other_client.get_json(f"/api/dashboards/{did}", status=404)
    other_client.patch_json(f"/api/dashboards/{did}", {"title": "mine now"}, status=404)
    other_client.delete_json(f"/api/dashboards/{did}/gadgets/{iid}", status=404)
    other_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock"}, status=404)
    assert user_client.get_json(f"/api/dashboards/{did}")["title"] == "My dashboard"


def test_missing_or_wrong_csrf_token_is_refused(user_client):
    did = first_dashboard(user_client)["id"]
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        res = user_client.app.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock"}, headers=headers,
                                        status=400)
        assert "CSRF" in res.json["error"]
    assert user_client.get_json(f"/api/dashboards/{did}")["columns"] == [[], []]


def test_anonymous_api_is_401(anon_client):
    assert anon_client.get_json("/api/dashboards", status=401)["error"] == "Log in first."


def test_admin_api(admin_client, user_client):
    plugins = {p["name"]: p for p in admin_client.get_json("/api/admin/plugins")["plugins"]}
    assert plugins["clock"]["distribution"] == "dashboard-clock" and plugins["clock"]["gadgets"] == ["clock"]
    assert {u["name"] for u in admin_client.get_json("/api/admin/users")["users"]} == {"root", "alice"}
    assert admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]}) == {
        "fetch_allow_hosts": ["127.0.0.1"], "access_token_lifetime_days": 1825}
    assert admin_client.get_json("/api/admin/settings")["fetch_allow_hosts"] == ["127.0.0.1"]
    assert admin_client.put_json("/api/admin/settings", {"access_token_lifetime_days": 30})[
        "access_token_lifetime_days"] == 30
    err = admin_client.put_json("/api/admin/settings", {"access_token_lifetime_days": 0, "fetch_allow_hosts": []},
                                status=400)["error"]
    assert "between 1 and 3650" in err
    assert admin_client.get_json("/api/admin/settings")["fetch_allow_hosts"] == ["127.0.0.1"]  # nothing half-applied
    assert "fetch_allow_hosts must be a list" in admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": 5}, status=400)["error"]
    user_client.get_json("/api/admin/plugins", status=403)
    user_client.put_json("/api/admin/settings", {"fetch_allow_hosts": []}, status=403)


def test_openapi_describes_every_api_route_and_method(dashboard_app, anon_client):
    doc = anon_client.get_json("/api/openapi.json")
    assert doc["openapi"].startswith("3.")
    introspector = dashboard_app.registry.introspector
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops if method != "parameters"}
    for view in introspector.get_category("views"):
        intr = view["introspectable"]
        route = intr["route_name"] or ""
        if not route.startswith("api_"):
            continue
        pattern = introspector.get("routes", route)["pattern"]
        methods = intr["request_methods"] or ("GET",)
        for method in ([methods] if isinstance(methods, str) else methods):
            assert (pattern, method.lower()) in documented, f"{method} {pattern} is not in the OpenAPI document"


def test_gadget_data_as_json(user_client):
    did = first_dashboard(user_client)["id"]
    clock = add(user_client, did, "clock", prefs={"time_zone": "Asia/Tokyo"})
    data = user_client.get_json(f"/api/dashboards/{did}/gadgets/{clock['id']}/data")
    assert data["state"] == "none" and data["data"]["zone"] == "Asia/Tokyo"
    welcome = add(user_client, did, "welcome")
    assert "Welcome" in user_client.get_json(f"/api/dashboards/{did}/gadgets/{welcome['id']}/data")["html"]
    feed = add(user_client, did, "feed-reader", prefs={"feed_url": "http://127.0.0.1:9/feed"})
    got = user_client.get_json(f"/api/dashboards/{did}/gadgets/{feed['id']}/data")
    assert "private or local" in got["error"]


def test_remove_then_undo_brings_the_gadget_back_with_its_state(user_client, dashboard_app):
    did = first_dashboard(user_client)["id"]
    a = add(user_client, did, "clock")
    b = add(user_client, did, "clock", prefs={"time_zone": "Asia/Tokyo"})
    add(user_client, did, "notes")
    user_client.patch_json(f"/api/dashboards/{did}/gadgets/{b['id']}", {"minimized": True})
    gone = user_client.delete_json(f"/api/dashboards/{did}/gadgets/{b['id']}")
    assert gone["restore_url"].endswith(f"/api/dashboards/{did}/gadgets/{b['id']}/restore")
    back = user_client.post_json(f"/api/dashboards/{did}/gadgets/{b['id']}/restore", {})
    # the same instance (same id, preferences, minimized) at the same place
    assert back["id"] == b["id"] and back["prefs"]["time_zone"] == "Asia/Tokyo" and back["minimized"] is True
    dash = user_client.get_json(f"/api/dashboards/{did}")
    assert [i["id"] for i in dash["columns"][0]][:2] == [a["id"], b["id"]]
    # only once, and never someone else's or an instance that is still there
    err = user_client.post_json(f"/api/dashboards/{did}/gadgets/{b['id']}/restore", {}, status=404)
    assert "was not removed recently" in err["error"]
    user_client.post_json(f"/api/dashboards/{did}/gadgets/{a['id']}/restore", {}, status=404)


def test_only_the_last_removed_gadgets_are_kept_for_undo(user_client):
    from dashboard.models.dashboards import MAX_REMOVED

    did = first_dashboard(user_client)["id"]
    ids = [add(user_client, did, "clock")["id"] for _ in range(MAX_REMOVED + 1)]
    for iid in ids:
        user_client.delete_json(f"/api/dashboards/{did}/gadgets/{iid}")
    user_client.post_json(f"/api/dashboards/{did}/gadgets/{ids[0]}/restore", {}, status=404)
    user_client.post_json(f"/api/dashboards/{did}/gadgets/{ids[-1]}/restore", {})
