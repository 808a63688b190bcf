"""Users on the web (issue 15): administrators add users, disable and enable them, reset passwords, grant or remove
the administrator role, end sessions and keep groups, through the JSON API and the pages' own forms; every change
is in the audit log; users change their own password. Real app, real FileStorage, real sessions."""
import pytest

from dashboard.testing import PASSWORD, Client, _logged_in, app_root_of, audit_entries

NEW = "a new password of some length"


def logged_in_as(app, name, password=PASSWORD):
    client = Client(app)
    assert client.login(name, password).status_int == 303, name
    return client


def logs_in(app, name, password):
    return Client(app).login(name, password).status_int == 303


def outcomes(app, target):
    return [e["outcome"] for e in audit_entries(app, provider="users") if e["account"] == target]


@pytest.fixture
def admin(dashboard_app, make_user):
    return _logged_in(dashboard_app, make_user, "root", admin=True)


def test_an_administrator_adds_a_user_through_the_api_who_then_logs_in(dashboard_app, admin):
    made = admin.post_json("/api/admin/users", {"name": "erin", "password": PASSWORD}, status=201)
    assert made == {"name": "erin", "is_admin": False, "disabled": False, "groups": [], "sessions": 0}
    assert logs_in(dashboard_app, "erin", PASSWORD)
    assert admin.get_json("/api/admin/users?prefix=er")["users"][0]["name"] == "erin"
    # refused with the reason: taken names, short passwords, bad names
    assert "already exists" in admin.post_json("/api/admin/users", {"name": "erin", "password": PASSWORD},
                                               status=400)["error"]
    assert "8 characters" in admin.post_json("/api/admin/users", {"name": "fay", "password": "short"},
                                             status=400)["error"]
    assert "names are 1-64 letters" in admin.post_json("/api/admin/users", {"name": "../x", "password": PASSWORD},
                                           status=400)["error"]
    assert outcomes(dashboard_app, "erin") == ["added"]
    entry = [e for e in audit_entries(dashboard_app, provider="users") if e["account"] == "erin"][0]
    assert entry["user"] == "root" and entry["method"] == "POST"


def test_an_administrator_adds_a_user_with_the_admin_pages_form(dashboard_app, admin):
    form = admin.app.get("/admin").forms["add-user"]
    form["name"], form["password"], form["is_admin"] = "gus", PASSWORD, True
    page = form.submit(status=303).follow()
    assert "User gus" in page.text and "Administrator" in page.text and "Done: added" in page.text
    assert logged_in_as(dashboard_app, "gus").app.get("/admin").status_int == 200
    assert outcomes(dashboard_app, "gus") == ["added as administrator"]


def test_disabling_ends_the_users_sessions_and_enabling_lets_them_back(dashboard_app, admin, make_user):
    bob = _logged_in(dashboard_app, make_user, "bob")
    page = admin.app.get("/admin/users/bob")
    page.forms["user-actions"].submit("action", value="disable", status=303)
    assert bob.app.get("/api/me", status=401)
    assert not logs_in(dashboard_app, "bob", PASSWORD)
    assert admin.get_json("/api/admin/users/bob")["disabled"] is True
    admin.patch_json("/api/admin/users/bob", {"disabled": False})
    assert logs_in(dashboard_app, "bob", PASSWORD)
    assert outcomes(dashboard_app, "bob") == ["enabled", "disabled"]  # newest first


def test_a_password_reset_by_an_administrator_ends_the_users_sessions(dashboard_app, admin, make_user):
    bob = _logged_in(dashboard_app, make_user, "bob")
    form = admin.app.get("/admin/users/bob").forms["reset-password"]
    form["password"], form["password2"] = NEW, NEW + "x"
    assert "differ" in form.submit(status=400).text
    form = admin.app.get("/admin/users/bob").forms["reset-password"]
    form["password"], form["password2"] = NEW, NEW
    assert "password reset" in form.submit(status=303).follow().text
    bob.app.get("/api/me", status=401)
    assert not logs_in(dashboard_app, "bob", PASSWORD) and logs_in(dashboard_app, "bob", NEW)
    assert outcomes(dashboard_app, "bob") == ["password reset; sessions ended"]
    assert NEW not in str(audit_entries(dashboard_app))  # the password itself is never logged


def test_granting_and_removing_the_administrator_role(dashboard_app, admin, make_user):
    bob = _logged_in(dashboard_app, make_user, "bob")
    bob.app.get("/admin", status=403)
    assert admin.patch_json("/api/admin/users/bob", {"is_admin": True})["changes"] == ["made administrator"]
    bob.app.get("/admin", status=200)
    admin.app.get("/admin/users/bob").forms["user-actions"].submit("action", value="revoke", status=303)
    bob.app.get("/admin", status=403)
    assert outcomes(dashboard_app, "bob") == ["administrator role removed", "made administrator"]


def test_ending_a_users_sessions(dashboard_app, admin, make_user):
    bob = _logged_in(dashboard_app, make_user, "bob")
    bob_again = logged_in_as(dashboard_app, "bob")
    assert admin.get_json("/api/admin/users/bob")["sessions"] == 2
    assert admin.delete_json("/api/admin/users/bob/sessions")["sessions"] == 0
    assert "0 session(s) held" in admin.app.get("/admin/users/bob").text
    bob.app.get("/api/me", status=401)
    bob_again.app.get("/api/me", status=401)
    assert logs_in(dashboard_app, "bob", PASSWORD)  # the account itself is untouched
    assert outcomes(dashboard_app, "bob") == ["sessions ended"]


def test_an_administrator_cannot_disable_themselves_nor_remove_their_own_role(dashboard_app, admin):
    for change in ({"disabled": True}, {"is_admin": False}):
        assert "cannot disable yourself" in admin.patch_json("/api/admin/users/root", change, status=400)["error"]
    page = admin.app.get("/admin/users/root")
    assert 'value="disable"' not in page.text and 'value="revoke"' not in page.text
    res = admin.form_post("/admin/users/root", {"action": "revoke"}, status=400)
    assert "cannot disable yourself" in res.text
    me = admin.get_json("/api/admin/users/root")
    assert me["is_admin"] and not me["disabled"]
    # ending their own sessions keeps the one they act from; other sessions of theirs end
    elsewhere = logged_in_as(dashboard_app, "root")
    admin.delete_json("/api/admin/users/root/sessions")
    admin.get_json("/api/me")
    elsewhere.app.get("/api/me", status=401)


def test_unknown_fields_and_wrong_types_change_nothing(dashboard_app, admin, make_user):
    make_user("bob")
    admin.patch_json("/api/admin/users/bob", {"disabled": "yes"}, status=400)
    admin.patch_json("/api/admin/users/bob", {"disabled": True, "password": "short"}, status=400)
    admin.patch_json("/api/admin/users/bob", {"nickname": "b"}, status=400)
    assert admin.get_json("/api/admin/users/bob")["disabled"] is False
    assert logs_in(dashboard_app, "bob", PASSWORD)
    assert outcomes(dashboard_app, "bob") == []


def test_groups_through_the_api_and_the_pages(dashboard_app, admin, make_user):
    for name in ("bob", "carol", "dave"):
        make_user(name)
    group = admin.post_json("/api/admin/groups", {"name": "ops", "members": ["bob", "carol"]}, status=201)
    assert group == {"name": "ops", "members": ["bob", "carol"]}
    assert admin.get_json("/api/admin/users/bob")["groups"] == ["ops"]
    admin.post_json("/api/admin/groups", {"name": "ops"}, status=400)
    admin.post_json("/api/admin/groups", {"name": "qa", "members": ["nobody-such"]}, status=400)
    assert [g["name"] for g in admin.get_json("/api/admin/groups")["groups"]] == ["ops"]  # qa was not half-made
    # the group page's form adds and removes by name
    form = admin.app.get("/admin/groups/ops").forms["members-form"]
    form["names"] = "dave"
    form.submit("action", value="add", status=303)
    form = admin.app.get("/admin/groups/ops").forms["members-form"]
    form["names"] = "bob, carol"
    form.submit("action", value="remove", status=303)
    assert admin.get_json("/api/admin/groups/ops")["members"] == ["dave"]
    assert admin.get_json("/api/admin/users/bob")["groups"] == []
    # a user's page adds them to a group too
    form = admin.app.get("/admin/users/carol").forms["join-group"]
    form["group"] = "ops"
    form.submit("action", value="join", status=303)
    assert admin.get_json("/api/admin/users/carol")["groups"] == ["ops"]
    # created on the groups page; deleting a group takes it from its members
    form = admin.app.get("/admin/groups").forms["new-group"]
    form["name"] = "sales"
    assert form.submit(status=303).follow().status_int == 200
    admin.delete_json("/api/admin/groups/ops")
    assert admin.get_json("/api/admin/users/dave")["groups"] == []
    admin.get_json("/api/admin/groups/ops", status=404)
    with app_root_of(dashboard_app) as root:
        assert root.users["carol"].groups == () and list(root["groups"]) == ["sales"]
    changes = [(e["account"], e["outcome"]) for e in audit_entries(dashboard_app, provider="groups")]
    assert changes[::-1] == [("ops", "group created; added bob; added carol"), ("ops", "added dave"),
                             ("ops", "removed bob; removed carol"), ("ops", "added carol"),
                             ("sales", "group created"), ("ops", "group deleted")]


def test_users_change_their_own_password_and_their_other_sessions_end(dashboard_app, make_user):
    bob = _logged_in(dashboard_app, make_user, "bob")
    elsewhere = logged_in_as(dashboard_app, "bob")
    assert "current password is wrong" in bob.post_json("/api/me/password", {"current": "nope", "new": NEW},
                                                        status=400)["error"]
    elsewhere.get_json("/api/me")  # a refused change ends nothing
    bob.post_json("/api/me/password", {"current": PASSWORD, "new": NEW})
    bob.get_json("/api/me")  # the session that changed it stays
    elsewhere.app.get("/api/me", status=401)
    assert logs_in(dashboard_app, "bob", NEW) and not logs_in(dashboard_app, "bob", PASSWORD)
    assert outcomes(dashboard_app, "bob") == ["changed their own password; their other sessions ended"]


def test_the_own_password_page(dashboard_app, make_user):
    bob = _logged_in(dashboard_app, make_user, "bob")
    elsewhere = logged_in_as(dashboard_app, "bob")
    form = bob.app.get("/account/password").forms["password-form"]
    form["current"], form["new"], form["new2"] = "wrong password", NEW, NEW
    assert "The current password is wrong." in form.submit(status=400).text
    form = bob.app.get("/account/password").forms["password-form"]
    form["current"], form["new"], form["new2"] = PASSWORD, NEW, NEW
    assert "your other sessions have ended" in form.submit(status=303).follow().text
    elsewhere.app.get("/account/password", status=303)  # to the login page
    assert logs_in(dashboard_app, "bob", NEW)
    assert outcomes(dashboard_app, "bob") == ["changed their own password; their other sessions ended"]
