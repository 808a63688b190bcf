"""What an attack review of this round found, each kept from coming back:
an access token got frame links (which act as the user, and write); a spec's url Content could add directives to
its frame's CSP; a password change kept the session it was made in (and every copy of its cookie); X-Forwarded-For
from anyone chose the address login attempts were counted against; a deleted group's shares passed to a new group
of the same name; anyone could keep the first-run page locked."""
import pytest

from dashboard.opensocial.spec import SpecError, _http_href, _origin
from dashboard.testing import PASSWORD, Client, app_root_of
from test_sessions import attempt, copy_of, throttled  # noqa: F401
from test_signed_requests import oauth_headers, send, trusted_headers, world  # noqa: F401


def test_signed_callers_get_no_frame_links(world):
    did = world["ids"]["did"]
    for headers in (oauth_headers(f"/api/dashboards/{did}"), trusted_headers(world, f"/api/dashboards/{did}")):
        answer = send(world["anon"], "GET", f"/api/dashboards/{did}", headers).json
        instances = [i for column in answer["columns"] for i in column]
        assert instances and all(i["frame_url"] is None for i in instances)
    path = f"/api/dashboards/{did}/gadgets/{world['ids']['iid']}/data"
    data = send(world["anon"], "GET", path, oauth_headers(path)).json
    assert "st=" not in str(data) and world["ids"]["st"] not in str(data)
    # while a session still gets them
    assert world["alice"].get_json(f"/api/dashboards/{did}")["columns"][0][0]["frame_url"]


@pytest.mark.parametrize("href", ["https://a.example.com;script-src-elem * 'unsafe-inline'",
                                  "https://a.example.com *", "https://a.example.com,https://b.example.com",
                                  "https://a.example.com/'x", "https://a_b.example.com/"])
def test_a_url_contents_href_cannot_add_to_the_frames_policy(href):
    with pytest.raises(SpecError, match="not a plain http"):
        _http_href({"href": href}, None, "Content")


def test_a_frames_origin_is_built_from_the_parsed_host_and_port():
    assert _origin("https://A.Example.com:8443/x?y#z") == "https://a.example.com:8443"
    assert _origin("http://[::1]:8080/") == "http://[::1]:8080"


def test_a_password_change_ends_this_sessions_copies_too_and_the_page_goes_on(user_client):
    stolen = copy_of(user_client)
    user_client.post_json("/api/me/password", {"current": PASSWORD, "new": "a brand new password"})
    stolen.app.get("/api/me", status=401)
    assert user_client.get_json("/api/me")["name"] == "alice"  # in a new session
    user_client.post_json("/api/dashboards", {"title": "after"})  # with the page's CSRF token still


def test_x_forwarded_for_from_a_client_does_not_choose_the_counted_address(throttled):  # noqa: F811
    app = throttled(address="5/minute")
    statuses = []
    for n in range(8):
        client = Client(app)
        client.refresh_csrf()
        statuses.append(client.app.post("/login", {"name": f"n{n}", "password": "x", "csrf_token": client.csrf},
                                        headers={"X-Forwarded-For": f"203.0.113.{n}"},
                                        extra_environ={"REMOTE_ADDR": "192.0.2.9"}, status="*").status_int)
    assert statuses == [400] * 5 + [429] * 3


def test_a_deleted_groups_shares_do_not_pass_to_a_new_group_of_that_name(dashboard_app, make_user, admin_client):
    from dashboard.models.groups import add_group, add_member, groups_of, remove_group
    from dashboard.models.sharing import set_sharing, shared_with, sharing_of

    for name in ("alice", "bob", "carol"):
        make_user(name)
    with app_root_of(dashboard_app) as root:
        group = add_group(root, "team")
        add_member(group, root.users["bob"])
        did = root.users["alice"].ordered_dashboards()[0].id
        set_sharing(root, "alice", did, groups=["team"])
        assert shared_with(root, root.users["bob"]) == [("alice", did)]
        remove_group(root, groups_of(root)["team"])
        assert sharing_of(root, "alice", did) is None
        again = add_group(root, "team")
        add_member(again, root.users["carol"])
        assert shared_with(root, root.users["carol"]) == []


def test_nobody_can_keep_the_first_run_page_locked_for_others(dashboard_settings, capsys):
    from dashboard import main
    from test_first_run import CODE

    app = main({}, **dashboard_settings)
    code = CODE.search(capsys.readouterr().err).group(1)
    try:
        attacker = Client(app)
        attacker.refresh_csrf()
        for _ in range(8):
            attacker.app.post("/setup", {"csrf_token": attacker.csrf, "code": "2222-2222-2222", "name": "eve",
                                         "password": PASSWORD, "password2": PASSWORD},
                              extra_environ={"REMOTE_ADDR": "198.51.100.66"}, status=(400, 429))
        admin = Client(app)
        admin.refresh_csrf()
        admin.app.post("/setup", {"csrf_token": admin.csrf, "code": code, "name": "ann", "password": PASSWORD,
                                  "password2": PASSWORD}, extra_environ={"REMOTE_ADDR": "192.0.2.1"}, status=303)
    finally:
        app.registry._zodb_databases[""].close()
