"""Trusted-application identity against a provider that verifies the documented wire format independently."""
import pytest

from brokerworld import World, make_app, scan_for_secrets
from dashboard.testing import app_root_of
from dashboard.testing.trusted import TrustedProvider


@pytest.fixture
def world(dashboard_settings, monkeypatch):
    provider = TrustedProvider()
    monkeypatch.setenv("DASHBOARD_CONFLUENCE_URL", provider.url)
    seen = []
    app, admin, alice = make_app(dashboard_settings, record=seen)
    with app_root_of(app) as root:
        # what a Confluence administrator enters from this server's Consumer Info
        provider.trust(root.settings["consumer_key"], root.settings["consumer_public_key"])
    w = World(app, provider, admin, alice, seen)
    yield w
    with app_root_of(app) as root:
        box = app.registry.dashboard_secretbox
        private = box.decrypt(root.settings["consumer_private_key_enc"])
    scan_for_secrets(w, dashboard_settings, [private.split("-----")[2].strip()[:64]])
    assert b"PRIVATE KEY" not in open(dashboard_settings["zodbconn.uri"][7:], "rb").read()  # stored encrypted
    provider.close()


def approve(world, usernames_match=True):
    data = {"enabled": "on"}
    if usernames_match:
        data["usernames_match"] = "on"
    world.admin.form_post("/admin/providers/confluence", data)


def test_trusted_gadget_shows_the_users_data(world):
    did, inst = world.add("confluence-recent")
    assert "waiting for an administrator to approve Confluence" in world.get(world.alice, inst["frame_url"]).text
    approve(world)
    frame = world.get(world.alice, inst["frame_url"]).text
    assert "Plans of alice &lt;script&gt;" in frame and "a minute ago" in frame
    assert world.provider.refusals == []
    audit = world.get(world.admin, "/admin/audit?provider=confluence").text
    assert "confluence-recent" in audit and "200" in audit


def test_only_when_an_admin_confirmed_usernames_match(world):
    approve(world, usernames_match=False)
    did, inst = world.add("confluence-recent")
    assert "waiting for an administrator to approve Confluence" in world.get(world.alice, inst["frame_url"]).text
    assert world.provider.seen_signatures == set()  # nothing was sent


def test_only_while_the_user_is_logged_in(world):
    approve(world)
    did, inst = world.add("confluence-recent")
    world.alice.form_post("/logout")
    res = world.alice.app.get(inst["frame_url"], status=403)
    assert "logged out" in res.text


def test_replayed_identity_is_refused_by_the_provider(world):
    """The signature covers a timestamp, so two requests never carry the same one; a replay is refused."""
    import requests

    from dashboard.broker import trusted
    from dashboard.broker.keys import private_key_pem

    with app_root_of(world.app) as root:
        pem = private_key_pem(root.settings, world.app.registry.dashboard_secretbox)
        key = root.settings["consumer_key"]
    url = world.provider.url + "/rest/api/search?cql=x"
    headers = trusted.signed_headers(pem, key, "GET", url, "alice")
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    assert requests.get(url, headers=headers, timeout=10).status_code == 401
    assert world.provider.refusals == ["replayed"]
    old = trusted.signed_headers(pem, key, "GET", url, "alice", now=1_000_000)
    assert requests.get(url, headers=old, timeout=10).status_code == 401
    other_url = trusted.signed_headers(pem, key, "GET", url + "&more=1", "alice")
    assert requests.get(url, headers=other_url, timeout=10).status_code == 401  # signed for another URL
    assert world.provider.refusals[-2:] == ["expired identity", "bad signature"]
