"""The credential broker with OAuth 1.0a, RSA-SHA1 (the bundled Jira plugin) and HMAC-SHA1, against Authlib's
OAuth 1.0a server at Jira's endpoint paths on 127.0.0.1."""
import pytest
import requests

from brokerworld import World, make_app, scan_for_secrets
from dashboard.testing import app_root_of
from dashboard.testing.oauth1 import OAuth1Provider, new_secret


@pytest.fixture
def hmac_location():
    """Where the HMAC-SHA1 provider of the tests wants the OAuth parameters (a test may parametrize it)."""
    return "header"


@pytest.fixture
def world(dashboard_settings, monkeypatch, caplog, hmac_location):
    caplog.set_level("DEBUG")
    provider = OAuth1Provider()
    monkeypatch.setenv("DASHBOARD_JIRA_URL", provider.url)
    monkeypatch.setenv("JIRA_HMAC_URL", provider.url)
    monkeypatch.setenv("JIRA_HMAC_LOCATION", hmac_location)
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


@pytest.mark.parametrize("hmac_location", ["header", "query", "body"])
def test_hmac_sha1_with_shared_secret(world, hmac_location):
    world.provider.add_consumer("dashboard-hmac", secret=world.shared_secret)
    res = world.admin.form_post("/admin/providers/jira-hmac", {"client_id": "dashboard-hmac", "enabled": "on"},
                                status=400)
    assert "needs the shared secret" in res.text
    world.approve("jira-hmac", data={"client_id": "dashboard-hmac", "client_secret": world.shared_secret})
    did, inst = world.add("jira-hmac-raw")
    assert world.connect(did, inst, "jira-hmac").status_int == 200
    assert "Assigned&lt;/i> to jdoe" in world.get(world.alice, inst["frame_url"]).text
    # a second gadget at the same provider uses the account already connected; it POSTs JSON, and a JSON body cannot
    # carry the parameters (body location), so they go in the query; the provider verifies them either way
    _, posting = world.add("jira-hmac-post")
    frame = world.get(world.alice, posting["frame_url"]).text
    assert "200 {" in frame and '"jql":"posted"' in frame
    # a request oauthlib cannot sign (a GET with a form body) is refused with the reason, not with an error page
    _, odd = world.add("jira-hmac-get-with-body")
    assert "the request cannot be signed" in world.get(world.alice, odd["frame_url"]).text


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


RSA_KEY = None


def _rsa_key():
    global RSA_KEY
    if RSA_KEY is None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        RSA_KEY = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    return RSA_KEY


SIGNING_CASES = {
    "GET with a query": ("GET", "https://jira.example/rest/api/2/search?jql=assignee%3DcurrentUser()&b=a+b&b=%C3%BC",
                         None, {}),
    "POST with a form body": ("POST", "http://127.0.0.1:8080/x?q=1", "a=1&b=%20c&a=0",
                              {"Content-Type": "application/x-www-form-urlencoded"}),
    "POST with a JSON body (body hash)": ("PUT", "http://h/x", '{"j": "ü"}', {"Content-Type": "application/json"}),
    "a Host header naming another authority": ("GET", "http://10.0.0.1/x", None, {"Host": "jira.example:8443"}),
    "an empty form body (token calls)": ("POST", "http://h/plugins/servlet/oauth/request-token", "",
                                         {"Content-Type": "application/x-www-form-urlencoded"}),
}


@pytest.mark.parametrize("method_name", ["HMAC-SHA1", "RSA-SHA1"])
@pytest.mark.parametrize("case", list(SIGNING_CASES))
@pytest.mark.parametrize("extra", [{}, {"callback_uri": "http://dash/connect/cb?a=1%202&b"},
                                   {"verifier": "v%2F1", "realm": "Jira"}])
def test_our_signing_client_signs_exactly_as_oauthlibs_own(method_name, case, extra):
    """The broker's client skips oauthlib's render-and-parse step; the request it sends must not change at all."""
    from oauthlib import oauth1 as oauthlib1

    from dashboard.broker.oauth1 import Client

    http_method, url, body, headers = SIGNING_CASES[case]
    rsa = method_name == "RSA-SHA1"
    kw = dict(client_secret=None if rsa else "shared secret&", rsa_key=_rsa_key() if rsa else None,
              signature_method=method_name, resource_owner_key="tok/1", resource_owner_secret="tok secret",
              nonce="fixed-nonce", timestamp="1700000000", **extra)
    ours = Client("consumer key", **kw).sign(url, http_method, body, dict(headers))
    theirs = oauthlib1.Client("consumer key", **kw).sign(url, http_method, body, dict(headers))
    assert ours == theirs
    assert 'oauth_signature="' in ours[1]["Authorization"]
