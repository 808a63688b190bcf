"""An administrator deletes a user (issue 15), on the user's page (typing their name to confirm) or through the JSON
API: their dashboards, gadgets, connected accounts (revoked at the Authlib provider on 127.0.0.1), the access tokens
issued for them, sessions, shares with them and group memberships go; what they shared is seen no more; the audit
log keeps its entries; a user made later under the same name inherits nothing. Real app, real FileStorage."""
import pytest
from webtest import TestApp

from brokerworld import World, make_app
from dashboard.models.provider_side import Consumer, IssuedToken, store_token
from dashboard.testing import Client, app_root_of, audit_entries
from dashboard.testing.oauth2 import OAuth2Provider
from test_signed_requests import oauth_headers, send

CALLBACK = "http://localhost/connect/callback/oauth2"
CONSUMER, SECRET, TOKEN, TOKEN_SECRET = "jira:app/1", "a shared secret of some length", "B0" * 16, "bob-token-secret"


@pytest.fixture
def world(dashboard_settings, monkeypatch):
    """bob has a gadget of ACME (a provider like GitHub that declares revocation) with his account connected, a dashboard shared with alice, one alice shared with him,
    a group, an access token issued to an application; alice keeps a copy of his session cookie's value."""
    provider = OAuth2Provider(CALLBACK, users=["octocat"])
    monkeypatch.setenv("DASHBOARD_GITHUB_URL", provider.url)
    monkeypatch.setenv("ACME_URL", provider.url)
    app, admin, alice = make_app(dashboard_settings, "plugins_for_tests.acme")
    w = World(app, provider, admin, alice)
    w.approve("acme")
    w.bob = Client(app)
    w.bob.login("bob")
    w.did, w.inst = w.add("acme-raw", client=w.bob)
    assert "octocat" in w.connect(w.did, w.inst, "acme", client=w.bob).text
    w.get(w.bob, w.inst["frame_url"])  # a use of his account, in the audit log
    w.bob.put_json(f"/api/dashboards/{w.did}/sharing", {"users": ["alice"], "everyone": True})
    w.alice_did = alice.get_json("/api/dashboards")["dashboards"][0]["id"]
    alice.put_json(f"/api/dashboards/{w.alice_did}/sharing", {"users": ["bob"]})
    admin.post_json("/api/admin/groups", {"name": "team", "members": ["alice", "bob"]}, status=201)
    box = app.registry.dashboard_secretbox
    with app_root_of(app) as root:
        root["consumers"][CONSUMER] = Consumer(CONSUMER, "App", shared_secret_enc=box.encrypt(SECRET))
        issued = IssuedToken(TOKEN, box.encrypt(TOKEN_SECRET), CONSUMER, "access", 3600)
        issued.user = "bob"
        store_token(root, issued)
    w.token_call = lambda: send(w.admin, "GET", "/api/me", oauth_headers("/api/me", token=TOKEN,
                                                                       token_secret=TOKEN_SECRET))
    assert w.token_call().json["name"] == "bob"
    w.cookie = TestApp(app)  # a copy of bob's session cookie, elsewhere
    for name, value in w.bob.app.cookies.items():
        w.cookie.set_cookie(name, value)
    assert w.cookie.get("/api/me").json["name"] == "bob"
    w.frame_url = w.inst["frame_url"]
    yield w
    provider.close()


def test_deleting_a_user_takes_everything_of_theirs_and_the_name_inherits_nothing(world):
    admin, alice = world.admin, world.alice
    assert [d["owner"] for d in alice.get_json("/api/shared")["dashboards"]] == ["bob"]
    changes = admin.delete_json("/api/admin/users/bob")["changes"]
    assert changes == ["deleted with 1 dashboard(s), 1 connected account(s), 1 access token(s) issued to "
                       "applications, 2 sharing(s), 1 group membership(s)", "1 account(s) revoked at their provider"]
    admin.get_json("/api/admin/users/bob", status=404)
    # the account's tokens were revoked at the provider, and no ciphertext of them is left in the user's objects
    assert world.provider.tokens and all(t.revoked for t in world.provider.tokens)
    # the copied session cookie, the access token and the frame link act for nobody
    assert world.cookie.get("/api/me", status=401).status_int == 401
    assert world.token_call().status_int == 401
    assert world.bob.app.get("/api/me", status=401).status_int == 401
    world.alice.app.get(world.frame_url, status=403)
    # what he shared is seen no more; alice's sharing and the group no longer name him
    assert alice.get_json("/api/shared")["dashboards"] == []
    alice.get_json(f"/api/shared/bob/{world.did}", status=404)
    assert alice.get_json(f"/api/dashboards/{world.alice_did}/sharing")["users"] == []
    assert admin.get_json("/api/admin/groups/team")["members"] == ["alice"]
    with app_root_of(world.app) as root:
        assert "bob" not in root.users and root.user_count == 2
        assert not [k for k in root["oauth_tokens_by_user"].keys() if k[0] == "bob"]
        assert TOKEN not in root["oauth_tokens"]
        assert not [k for k in root["shared_index"].keys() if "bob" in k]
    # the audit log keeps his entries, and records the deletion by the administrator
    assert {e["user"] for e in audit_entries(world.app, provider="acme")} == {"bob"}
    deleted = [e for e in audit_entries(world.app, provider="users") if e["account"] == "bob"]
    assert [(e["user"], e["outcome"]) for e in deleted] == [("root", "; ".join(changes))]
    # a new bob inherits nothing: no dashboards, accounts, shares, groups, token, session or history of the old one
    admin.post_json("/api/admin/users", {"name": "bob", "password": "a new password"}, status=201)
    assert world.cookie.get("/api/me", status=401).status_int == 401
    assert world.token_call().status_int == 401
    new = Client(world.app)
    new.login("bob", "a new password")
    mine = new.get_json("/api/dashboards")["dashboards"]
    assert [d["title"] for d in mine] == ["My dashboard"] and mine[0]["id"] != world.did
    assert new.get_json(f"/api/dashboards/{mine[0]['id']}")["columns"] == [[], []]
    new.get_json(f"/api/dashboards/{world.did}", status=404)
    assert new.get_json("/api/shared")["dashboards"] == []
    assert new.get_json("/api/admin/users/bob", status=403)
    assert admin.get_json("/api/admin/users/bob")["groups"] == []
    assert alice.get_json("/api/shared")["dashboards"] == []
    connections = world.get(new, "/connections")
    assert "octocat" not in connections.text and "ACME" not in connections.text
    new.app.get(world.frame_url, status=403)


def test_the_users_page_asks_for_the_name_before_deleting(world):
    admin = world.admin
    page = admin.app.get("/admin/users/bob")
    form = page.forms["delete-user"]
    form["confirm"] = "bo"
    refused = form.submit(status=400)
    assert "type the user's name, bob, to confirm" in refused.html.select_one("p.error").text
    assert admin.get_json("/api/admin/users/bob")["name"] == "bob"
    admin.app.post("/admin/users/bob", {"action": "delete", "confirm": "bob"}, status=400)  # no CSRF token
    assert admin.get_json("/api/admin/users/bob")["name"] == "bob"
    form = admin.app.get("/admin/users/bob").forms["delete-user"]
    form["confirm"] = "bob"
    assert "/admin?deleted=bob" in form.submit(status=303).location
    admin.get_json("/api/admin/users/bob", status=404)
    assert world.cookie.get("/api/me", status=401).status_int == 401
    assert [e["outcome"] for e in audit_entries(world.app, provider="users") if e["account"] == "bob"][0].startswith(
        "deleted with 1 dashboard(s)")


def test_not_oneself_not_by_others_not_by_a_token(world):
    admin, alice = world.admin, world.alice
    # an administrator cannot delete themselves (so the last administrator remains): no form, and refused
    assert "delete-user" not in admin.app.get("/admin/users/root").forms
    assert "cannot delete yourself" in admin.delete_json("/api/admin/users/root", status=400)["error"]
    refused = admin.form_post("/admin/users/root", {"action": "delete", "confirm": "root"}, status=400)
    assert "cannot delete yourself" in refused.html.select_one("p.error").text
    # another administrator can delete one
    admin.post_json("/api/admin/users", {"name": "root2", "password": "x" * 12, "is_admin": True}, status=201)
    assert admin.delete_json("/api/admin/users/root2")["deleted"] == "root2"
    # others cannot; nor can an access token, even of an administrator's
    alice.delete_json("/api/admin/users/bob", status=403)
    alice.form_post("/admin/users/bob", {"action": "delete", "confirm": "bob"}, status=403)
    admin.delete_json("/api/admin/users/nobody-such", status=404)
    assert admin.delete_json("/api/admin/users/bob", status=400, headers={"X-CSRF-Token": "wrong"})
    res = send(admin, "DELETE", "/api/admin/users/bob", oauth_headers("/api/admin/users/bob", "DELETE",
                                                                      token=TOKEN, token_secret=TOKEN_SECRET))
    assert res.status_int == 401 and res.json["oauth_problem"] == "permission_denied"
    assert admin.get_json("/api/admin/users/bob")["name"] == "bob"
