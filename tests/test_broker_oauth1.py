"""The credential broker with OAuth 1.0a, RSA-SHA1 (the bundled Jira plugin) and HMAC-SHA1, against Authlib's
OAuth 1.0a server at Jira's endpoint paths on 127.0.0.1."""
import pytest
import requests

from brokerworld import World, make_app, scan_for_secrets
from dashboard.testing import app_root_of
from dashboard.testing_oauth1 import OAuth1Provider, new_secret


@pytest.fixture
def world(dashboard_settings, monkeypatch, caplog):
    caplog.set_level("DEBUG")
    provider = OAuth1Provider()
    monkeypatch.setenv("DASHBOARD_JIRA_URL", provider.url)
    monkeypatch.setenv("JIRA_HMAC_URL", provider.url)
    seen = []
    app, admin, alice = make_app(dashboard_settings, "plugins_for_tests.jira_hmac", seen)
    w = World(app, provider, admin, alice, seen)
    w.shared_secret = new_secret()
    yield w
    secrets_ = [w.shared_secret] + [v for t in provider.tokens.values() for k, v in t.items()
                                    if k in ("oauth_token", "oauth_token_secret")]
    w.seen.append(caplog.text)  # and no log line either
    scan_for_secrets(w, dashboard_settings, secrets_)
    provider.close()


def consumer_info(world):
    with app_root_of(world.app) as root:
        return root.settings["consumer_key"], root.settings["consumer_public_key"]


def test_rsa_sha1_jira_gadget(world):
    key, public_key = consumer_info(world)
    page = world.get(world.admin, "/admin/providers").text
    assert key in page and "BEGIN PUBLIC KEY" in page  # what the admin copies into Jira's Application Link
    world.provider.add_consumer(key, rsa_public_key=public_key)
    world.approve("jira", data={})
    did, inst = world.add("jira-assigned")
    assert "Connect to Jira" in world.get(world.alice, inst["frame_url"]).text
    connected = world.connect(did, inst, "jira")
    assert connected.status_int == 200 and "jdoe" in connected.text
    frame = world.get(world.alice, inst["frame_url"]).text
    assert "PRJ-1" in frame and "&lt;i&gt;Assigned&lt;/i&gt; to jdoe" in frame
    assert "/browse/PRJ-1" in frame


def test_hmac_sha1_with_shared_secret(world):
    world.provider.add_consumer("dashboard-hmac", secret=world.shared_secret)
    res = world.admin.form_post("/admin/providers/jira-hmac", {"client_id": "dashboard-hmac", "enabled": "on"},
                                status=400)
    assert "needs the shared secret" in res.text
    world.approve("jira-hmac", data={"client_id": "dashboard-hmac", "client_secret": world.shared_secret})
    did, inst = world.add("jira-hmac-raw")
    assert world.connect(did, inst, "jira-hmac").status_int == 200
    assert "Assigned&lt;/i> to jdoe" in world.get(world.alice, inst["frame_url"]).text


def test_wrong_shared_secret_fails_cleanly(world):
    world.provider.add_consumer("dashboard-hmac", secret=world.shared_secret)
    world.approve("jira-hmac", data={"client_id": "dashboard-hmac", "client_secret": "wrong"})
    did, inst = world.add("jira-hmac-raw")
    res = world.alice.app.get(f"/connect/jira-hmac?d={did}&i={inst['id']}", status=400)
    assert "Jira (HMAC) refused the request" in res.text


def test_callback_token_must_match_the_request_token_issued_to_this_user(world):
    key, public_key = consumer_info(world)
    world.provider.add_consumer(key, rsa_public_key=public_key)
    world.approve("jira", data={})
    did, inst = world.add("jira-assigned")
    res = world.alice.app.get(f"/connect/jira?d={did}&i={inst['id']}", status=303)
    back = requests.get(res.location, allow_redirects=False, timeout=10).headers["Location"]
    verifier = back.split("oauth_verifier=")[1].split("&")[0]
    # another request token (forged), and the right verifier: refused
    bad = world.alice.app.get(f"/connect/callback/oauth1?oauth_token=forged&oauth_verifier={verifier}", status=400)
    assert "unknown" in bad.text
    # bob cannot use alice's request token
    from dashboard.testing import Client

    bob = Client(world.app, world.seen)
    bob.login("bob")
    path = back.split("localhost", 1)[1]
    assert "unknown" in bob.app.get(path, status=400).text
    assert world.alice.app.get(path).status_int == 200
    assert "unknown" in world.alice.app.get(path, status=400).text  # single use


def test_token_rejected_asks_for_reconnect(world):
    key, public_key = consumer_info(world)
    world.provider.add_consumer(key, rsa_public_key=public_key)
    world.approve("jira", data={})
    did, inst = world.add("jira-assigned")
    world.connect(did, inst, "jira")
    world.provider.tokens.clear()  # Jira revoked the access token
    assert "Reconnect to Jira" in world.get(world.alice, inst["frame_url"]).text
