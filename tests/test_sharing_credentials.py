"""A viewer's credentialed gadget on a shared dashboard uses the viewer's own connected account, never the owner's
(issue 15), against Authlib's OAuth 2.0 provider on 127.0.0.1 through the bundled GitHub plugin."""
import pytest

from brokerworld import World, make_app
from dashboard.testing import Client, audit_entries
from dashboard.testing.oauth2 import OAuth2Provider

CALLBACK = "http://localhost/connect/callback/oauth2"


@pytest.fixture
def world(dashboard_settings, monkeypatch):
    provider = OAuth2Provider(CALLBACK, users=["octocat", "hubot"])
    monkeypatch.setenv("DASHBOARD_GITHUB_URL", provider.url)
    app, admin, alice = make_app(dashboard_settings)
    w = World(app, provider, admin, alice)
    w.bob = Client(app)
    w.bob.login("bob")
    yield w
    provider.close()


def test_a_viewers_gadget_uses_the_viewers_connected_account(world):
    world.approve()
    did, inst = world.add()
    world.provider.user = "octocat"
    assert "octocat" in world.connect(did, inst).text
    assert "for octocat" in world.get(world.alice, inst["frame_url"]).text
    world.alice.put_json(f"/api/dashboards/{did}/sharing", {"users": ["bob"]})
    viewer_frame = world.bob.get_json(f"/api/shared/alice/{did}")["columns"][0][0]["frame_url"]
    # bob has no account at GitHub yet: his frame asks him to connect one, and shows none of alice's data
    text = world.get(world.bob, viewer_frame).text
    assert "Connect to GitHub" in text and "octocat" not in text
    # bob connects his own (hubot) from a gadget of his own; the shared frame then uses it
    bob_did, bob_inst = world.add(client=world.bob)
    world.provider.user = "hubot"
    assert "hubot" in world.connect(bob_did, bob_inst, client=world.bob).text
    text = world.get(world.bob, viewer_frame).text
    assert "for hubot" in text and "octocat" not in text
    # the owner still sees hers, and the upstream calls were made with each one's token, as each one
    assert "for octocat" in world.get(world.alice, inst["frame_url"]).text
    uses = {(e["user"], e["account"]) for e in audit_entries(world.app, provider="github")
            if e["instance"] == inst["id"]}
    assert uses == {("alice", "octocat"), ("bob", "hubot")}
    # unshared: bob's frame link stops at once
    world.alice.put_json(f"/api/dashboards/{did}/sharing", {"users": []})
    assert world.get(world.bob, viewer_frame, status=403).status_int == 403


def test_a_viewer_connects_their_own_account_from_the_shared_frame(world):
    from urllib.parse import urlsplit

    import requests

    world.approve()
    did, inst = world.add()
    world.provider.user = "octocat"
    world.connect(did, inst)
    with world.app.registry._zodb_databases[""].transaction() as conn:
        owners_connection = conn.root()["gadget_dashboard"].users["alice"].dashboards[did].instances[inst["id"]] \
            .connection_id
    world.alice.put_json(f"/api/dashboards/{did}/sharing", {"users": ["bob"]})
    viewer_frame = world.bob.get_json(f"/api/shared/alice/{did}")["columns"][0][0]["frame_url"]
    link = world.get(world.bob, viewer_frame).html.select_one("a.connect")["href"]
    assert "o=alice" in link
    world.provider.user = "hubot"
    res = world.bob.app.get(link.replace("http://localhost", ""), status=303)  # the dance, from the shared frame
    upstream = requests.get(res.location, allow_redirects=False, timeout=10)
    back = urlsplit(upstream.headers["Location"])
    assert "hubot" in world.get(world.bob, back.path + "?" + back.query).text
    text = world.get(world.bob, viewer_frame).text
    assert "for hubot" in text and "octocat" not in text
    # the owner's gadget is still bound to her own account, and shows hers
    with world.app.registry._zodb_databases[""].transaction() as conn:
        root = conn.root()["gadget_dashboard"]
        assert root.users["alice"].dashboards[did].instances[inst["id"]].connection_id == owners_connection
        assert [c.account for c in root.users["bob"].connections.values()] == ["hubot"]
    assert "for octocat" in world.get(world.alice, inst["frame_url"]).text
