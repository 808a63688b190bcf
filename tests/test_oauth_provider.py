"""This server as an OAuth 1.0a service provider, against clients nobody here wrote: requests-oauthlib's
OAuth1Session and Authlib's OAuth1Session complete the three-legged flow with RSA-SHA1 and HMAC-SHA1 against a
real running server, then call the API as the user who allowed them. Then the attacks, each refused."""
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from dashboard.testing import app_root_of
from livehelpers import PASSWORD, HttpUser

SECRET = "a-shared-secret-of-some-length"


def rsa_pair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@pytest.fixture
def provider(live_server, make_user):
    make_user("alice")
    make_user("root", admin=True)
    admin = HttpUser(live_server.url, "root")
    private, public = rsa_pair()

    def add(key, **fields):
        res = admin.http.post(live_server.url + "/admin/consumers", allow_redirects=False,
                              data={"csrf_token": admin.csrf, "key": key, "name": f"App {key}",
                                    "description": "reads dashboards", **fields})
        assert res.status_code == 303, res.text
    add("jira:rsa-consumer", public_key=public)
    add("hmac-consumer", shared_secret=SECRET)
    add("strict-callback", shared_secret=SECRET, callback="https://app.example/cb")
    live_server.private_key = private
    live_server.admin = admin
    return live_server


def urls(server):
    base = server.url + "/plugins/servlet/oauth/"
    return base + "request-token", base + "authorize", base + "access-token"


def allow(server, authorize_url, name="alice"):
    """The user logs in and presses Allow; returns where we send the browser back to."""
    user = HttpUser(server.url, name)
    page = user.http.get(authorize_url)
    assert page.status_code == 200 and "App " in page.text and "Allow" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"  # the approval page cannot be framed
    token = re.search(r'name="oauth_token" value="([^"]+)"', page.text).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    res = user.http.post(server.url + "/plugins/servlet/oauth/authorize", allow_redirects=False,
                         data={"csrf_token": csrf, "oauth_token": token, "decision": "allow"})
    return res


def requests_oauthlib_flow(server, key, **client):
    from requests_oauthlib import OAuth1Session

    request_url, authorize_url, access_url = urls(server)
    session = OAuth1Session(key, callback_uri="https://app.example/cb", **client)
    session.fetch_request_token(request_url)
    back = allow(server, session.authorization_url(authorize_url))
    assert back.status_code == 303
    session.parse_authorization_response(back.headers["Location"])
    session.fetch_access_token(access_url)
    return session


def authlib_flow(server, key, **client):
    from authlib.integrations.requests_client import OAuth1Session

    request_url, authorize_url, access_url = urls(server)
    session = OAuth1Session(key, redirect_uri="https://app.example/cb", **client)
    session.fetch_request_token(request_url)
    back = allow(server, session.create_authorization_url(authorize_url))
    session.parse_authorization_response(back.headers["Location"])
    session.fetch_access_token(access_url)
    return session


@pytest.mark.parametrize("flow", [requests_oauthlib_flow, authlib_flow], ids=["requests-oauthlib", "authlib"])
@pytest.mark.parametrize("method", ["RSA-SHA1", "HMAC-SHA1"])
def test_three_legged_flow_then_the_api(provider, flow, method):
    if method == "RSA-SHA1":
        session = flow(provider, "jira:rsa-consumer", signature_method="RSA-SHA1", rsa_key=provider.private_key)
    else:
        session = flow(provider, "hmac-consumer", client_secret=SECRET)
    res = session.get(provider.url + "/api/dashboards")
    assert res.status_code == 200, res.text
    assert [d["title"] for d in res.json()["dashboards"]] == ["My dashboard"]
    assert session.get(provider.url + "/api/me").json()["name"] == "alice"
    # the Allow page promised read access: a write is refused with the reason, as Atlassian applications answer
    created = session.post(provider.url + "/api/dashboards", json={"title": "From elsewhere"})
    assert created.status_code == 401, created.text
    assert created.json()["oauth_problem"] == "permission_denied"
    assert 'oauth_problem="permission_denied"' in created.headers["WWW-Authenticate"]


def test_oob_shows_the_verifier_and_deny_refuses(provider):
    from requests_oauthlib import OAuth1Session

    request_url, authorize_url, access_url = urls(provider)
    session = OAuth1Session("hmac-consumer", client_secret=SECRET, callback_uri="oob")
    session.fetch_request_token(request_url)
    res = allow(provider, session.authorization_url(authorize_url))
    verifier = re.search(r'<code id="verifier">([^<]+)</code>', res.text).group(1)
    session._client.client.verifier = verifier
    session.fetch_access_token(access_url)
    assert session.get(provider.url + "/api/me").json()["name"] == "alice"


def test_users_see_and_revoke_tokens_issued(provider):
    session = requests_oauthlib_flow(provider, "hmac-consumer", client_secret=SECRET)
    alice = HttpUser(provider.url, "alice")
    page = alice.http.get(provider.url + "/tokens").text
    assert "App hmac-consumer" in page
    assert session.token["oauth_token"] not in page  # the token itself is never shown
    action = re.search(r'action="([^"]+/revoke)"', page).group(1)
    alice.http.post(action, data={"csrf_token": alice.csrf})
    res = session.get(provider.url + "/api/me")
    assert res.status_code == 401


def test_removing_a_consumer_revokes_its_tokens(provider):
    session = requests_oauthlib_flow(provider, "hmac-consumer", client_secret=SECRET)
    admin = provider.admin
    admin.http.post(provider.url + "/admin/consumers/hmac-consumer", data={"csrf_token": admin.csrf,
                                                                          "action": "remove"})
    assert session.get(provider.url + "/api/me").status_code == 401


def test_consumer_info_document(provider):
    res = requests.get(provider.url + "/plugins/servlet/oauth/consumer-info")
    assert res.headers["Content-Type"].startswith("application/xml")
    with app_root_of(provider.app) as root:
        key = root.settings["consumer_key"]
    assert f"<key>{key}</key>" in res.text and "<publicKey>MII" in res.text


# Attacks, each refused with an oauth_problem and no hint whether a key exists


def signed(key, secret=None, **kw):
    from oauthlib.oauth1 import Client

    return Client(key, client_secret=secret, **kw)


def call(server, client, path="/api/me", method="GET"):
    url, headers, body = client.sign(server.url + path, http_method=method)
    return requests.request(method, url, headers=headers, data=body)


def access_session(provider):
    session = requests_oauthlib_flow(provider, "hmac-consumer", client_secret=SECRET)
    return session.token["oauth_token"], session.token["oauth_token_secret"]


def test_nonce_replay_is_refused(provider):
    token, secret = access_session(provider)
    client = signed("hmac-consumer", SECRET, resource_owner_key=token, resource_owner_secret=secret)
    url, headers, _ = client.sign(provider.url + "/api/me")
    assert requests.get(url, headers=headers).status_code == 200
    replay = requests.get(url, headers=headers)
    assert replay.status_code == 401


@pytest.mark.parametrize("skew", [-3600, 3600])
def test_timestamps_an_hour_off_are_refused(provider, skew):
    token, secret = access_session(provider)
    client = signed("hmac-consumer", SECRET, resource_owner_key=token, resource_owner_secret=secret,
                    timestamp=str(int(time.time()) + skew))
    res = call(provider, client)
    assert res.status_code == 401


def test_plaintext_is_refused(provider):
    from oauthlib.oauth1 import SIGNATURE_PLAINTEXT

    res = call(provider, signed("hmac-consumer", SECRET, signature_method=SIGNATURE_PLAINTEXT,
                                callback_uri="oob"), "/plugins/servlet/oauth/request-token", "POST")
    assert res.status_code == 401 and "oauth_problem=" in res.text


def test_hmac_with_empty_secret_for_an_rsa_consumer_is_refused(provider):
    res = call(provider, signed("jira:rsa-consumer", "", callback_uri="oob"), "/plugins/servlet/oauth/request-token",
               "POST")
    assert res.status_code == 401
    unknown = call(provider, signed("no-such-consumer", "", callback_uri="oob"),
                   "/plugins/servlet/oauth/request-token", "POST")
    assert unknown.status_code == 401 and unknown.text == res.text  # the same answer: existence is not revealed


def test_request_token_and_verifier_are_single_use(provider):
    from requests_oauthlib import OAuth1Session

    request_url, authorize_url, access_url = urls(provider)
    session = OAuth1Session("hmac-consumer", client_secret=SECRET, callback_uri="https://app.example/cb")
    request_token = session.fetch_request_token(request_url)
    back = allow(provider, session.authorization_url(authorize_url))
    verifier = parse_qs(urlsplit(back.headers["Location"]).query)["oauth_verifier"][0]
    session.parse_authorization_response(back.headers["Location"])
    session.fetch_access_token(access_url)
    again = signed("hmac-consumer", SECRET, resource_owner_key=request_token["oauth_token"],
                   resource_owner_secret=request_token["oauth_token_secret"], verifier=verifier)
    assert call(provider, again, "/plugins/servlet/oauth/access-token", "POST").status_code == 401


def test_another_consumers_token_is_refused(provider):
    token, secret = access_session(provider)
    private, _ = provider.private_key, None
    from oauthlib.oauth1 import SIGNATURE_RSA

    thief = signed("jira:rsa-consumer", signature_method=SIGNATURE_RSA, rsa_key=private, resource_owner_key=token,
                   resource_owner_secret=secret)
    assert call(provider, thief).status_code == 401


def test_callback_must_match_the_registered_one(provider):
    from requests_oauthlib import OAuth1Session
    from requests_oauthlib.oauth1_session import TokenRequestDenied

    session = OAuth1Session("strict-callback", client_secret=SECRET, callback_uri="https://evil.example/cb")
    with pytest.raises(TokenRequestDenied):
        session.fetch_request_token(urls(provider)[0])
    good = OAuth1Session("strict-callback", client_secret=SECRET, callback_uri="https://app.example/cb")
    assert "oauth_token" in good.fetch_request_token(urls(provider)[0])


def test_consumer_info_is_editable_and_the_key_pair_regenerable(provider):
    admin = provider.admin
    url = provider.url + "/admin/consumer-info"
    res = admin.http.post(url, data={"csrf_token": admin.csrf, "action": "save", "name": "Team <Dashboards>",
                                     "description": "Our gadgets"}, allow_redirects=False)
    assert res.status_code == 303
    info = requests.get(provider.url + "/plugins/servlet/oauth/consumer-info").text
    assert "<name>Team &lt;Dashboards&gt;</name>" in info and "<description>Our gadgets</description>" in info
    old_key = re.search(r"<publicKey>([^<]+)</publicKey>", info).group(1)
    refused = admin.http.post(url, data={"csrf_token": admin.csrf, "action": "regenerate"})
    assert refused.status_code == 400 and "needs confirmation" in refused.text
    admin.http.post(url, data={"csrf_token": admin.csrf, "action": "regenerate", "confirm": "yes"})
    info = requests.get(provider.url + "/plugins/servlet/oauth/consumer-info").text
    assert re.search(r"<publicKey>([^<]+)</publicKey>", info).group(1) != old_key


def test_rfc5849_example_request_verifies(dashboard_app, monkeypatch):
    """RFC 5849 section 1.2: the final request for vacation.jpg, with the example's credentials, verifies with our
    validator and oauthlib's resource endpoint once the clock check is set aside: the clock stands at the example's
    timestamp (1974), which oauthlib's ten-digit timestamp rule also predates."""
    from oauthlib.oauth1 import ResourceEndpoint
    from oauthlib.oauth1.rfc5849.endpoints import base

    import types

    monkeypatch.setattr(base, "time", types.SimpleNamespace(time=lambda: 137131202))  # oauthlib's clock only
    check = base.BaseEndpoint._check_mandatory_parameters

    def ten_digits(self, request):
        request.timestamp = request.timestamp.zfill(10)  # the same instant, in the digits oauthlib expects
        return check(self, request)

    monkeypatch.setattr(base.BaseEndpoint, "_check_mandatory_parameters", ten_digits)

    from dashboard.models.provider_side import Consumer, IssuedToken, store_token
    from dashboard.models import User
    from dashboard.provider.validator import Validator

    box = dashboard_app.registry.dashboard_secretbox
    with app_root_of(dashboard_app) as root:
        root.add_user(User("jane", "correct horse battery staple"))
        root["consumers"]["dpf43f3p2l4k3l03"] = Consumer("dpf43f3p2l4k3l03", "printer.example.com",
                                                         shared_secret_enc=box.encrypt("kd94hf93k423kf44"))
        token = IssuedToken("nnch734d00sl2jdk", box.encrypt("pfkkdhi9sl3r4s00"), "dpf43f3p2l4k3l03", "access",
                            3600)
        token.user = "jane"
        store_token(root, token)
        validator = Validator(root, box)
        header = ('OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", '
                  'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", '
                  'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"')
        uri = "http://photos.example.net/photos?file=vacation.jpg&size=original"
        valid, request = ResourceEndpoint(validator).validate_protected_resource_request(
            uri, http_method="GET", headers={"Authorization": header})
        assert valid and request.user == "jane"
        tampered = uri.replace("original", "large")
        validator.root["oauth_nonces"].clear()
        valid, _ = ResourceEndpoint(validator).validate_protected_resource_request(
            tampered, http_method="GET", headers={"Authorization": header})
        assert not valid


def test_add_a_consumer_by_url_and_edit_it(provider):
    admin = provider.admin
    page = admin.http.post(provider.url + "/admin/consumers", data={"csrf_token": admin.csrf,
                                                                   "base_url": provider.url})
    assert "could not fetch" in page.text and "private or local" in page.text  # loopback needs the allowlist
    assert admin.call("PUT", "/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]}).ok
    page = admin.http.post(provider.url + "/admin/consumers", data={"csrf_token": admin.csrf,
                                                                   "base_url": provider.url + "/nothing/"})
    assert "answered with HTTP status 404" in page.text
    admin.http.post(provider.url + "/admin/consumers", data={"csrf_token": admin.csrf, "base_url": provider.url})
    with app_root_of(provider.app) as root:
        key = root.settings["consumer_key"]
        added = root["consumers"][key]
        assert added.signature_method == "RSA-SHA1" and added.name == "Gadget Dashboard"
    res = admin.http.post(provider.url + f"/admin/consumers/{key}", allow_redirects=False, data={
        "csrf_token": admin.csrf, "action": "edit", "name": "Renamed", "description": "d", "callback": ""})
    assert res.status_code == 303
    with app_root_of(provider.app) as root:
        assert root["consumers"][key].name == "Renamed" and root["consumers"][key].key == key


def test_access_tokens_live_as_long_as_the_admin_set(provider):
    admin = provider.admin
    assert admin.call("PUT", "/api/admin/settings", {"access_token_lifetime_days": 7}).ok
    session = requests_oauthlib_flow(provider, "hmac-consumer", client_secret=SECRET)
    with app_root_of(provider.app) as root:
        issued = root["oauth_tokens"][session.token["oauth_token"]]
        assert round((issued.expires - issued.created) / 86400) == 7
        issued.expires = time.time() - 1  # and once expired, it is refused
    assert session.get(provider.url + "/api/me").status_code == 401


def test_the_authorize_redirect_carries_only_the_token_and_verifier(provider):
    from urllib.parse import parse_qs, urlsplit

    from requests_oauthlib import OAuth1Session

    session = OAuth1Session("hmac-consumer", client_secret=SECRET, callback_uri="https://app.example/cb?keep=1")
    session.fetch_request_token(urls(provider)[0])
    back = allow(provider, session.authorization_url(urls(provider)[1]))
    location = urlsplit(back.headers["Location"])
    assert location.netloc == "app.example" and location.path == "/cb"
    assert set(parse_qs(location.query)) == {"keep", "oauth_token", "oauth_verifier"}
    assert "alice" not in back.headers["Location"]


def test_oob_is_refused_for_a_consumer_that_registered_a_callback(provider):
    from requests_oauthlib import OAuth1Session
    from requests_oauthlib.oauth1_session import TokenRequestDenied

    with pytest.raises(TokenRequestDenied):
        OAuth1Session("strict-callback", client_secret=SECRET, callback_uri="oob").fetch_request_token(
            urls(provider)[0])


@pytest.mark.parametrize("key", ["jira:1/2", "/leading", "trailing/", "a+b@c.d", "x.y-z_w:9", "a//b"])
def test_every_key_the_form_accepts_can_be_edited_and_removed(admin_client, key):
    """The page's own forms (their action URLs, as a browser would follow them) reach each consumer and trusted
    application, whatever its key holds."""
    _, public = rsa_pair()
    admin_client.form_post("/admin/consumers", {"key": key, "name": "Before", "shared_secret": SECRET})

    def forms(page, prefix):
        return [f for f in admin_client.app.get(page).forms.values() if f.action.startswith(prefix)]

    remove, edit = forms("/admin/consumers", "http://localhost/admin/consumers/")
    edit["name"] = "After"
    assert edit.submit().status_int == 303
    with app_root_of(admin_client.app.app) as root:
        assert root["consumers"][key].name == "After"
    remove, _ = forms("/admin/consumers", "http://localhost/admin/consumers/")
    assert remove.submit("action", value="remove").status_int == 303
    with app_root_of(admin_client.app.app) as root:
        assert key not in root["consumers"]
    admin_client.form_post("/admin/trusted", {"app_id": key, "name": "T", "public_key": public,
                                              "ips": "10.0.0.1", "paths": "/api/*", "timeout": "10"})
    remove, = forms("/admin/trusted", "http://localhost/admin/trusted/")
    assert remove.submit().status_int == 303
    with app_root_of(admin_client.app.app) as root:
        assert key not in root["trusted_apps"]


def test_an_approval_and_a_token_die_with_their_user_not_passed_to_a_new_one_of_the_same_name(provider):
    """alice approves an application, then is deleted and a new "alice" is made before the application exchanges
    its request token: the exchange is refused, as is the access token from an earlier approval of hers."""
    from requests_oauthlib import OAuth1Session

    earlier = requests_oauthlib_flow(provider, "hmac-consumer", client_secret=SECRET)
    assert earlier.get(provider.url + "/api/me").json()["name"] == "alice"
    request_url, authorize_url, access_url = urls(provider)
    session = OAuth1Session("hmac-consumer", client_secret=SECRET, callback_uri="https://app.example/cb")
    session.fetch_request_token(request_url)
    back = allow(provider, session.authorization_url(authorize_url))
    session.parse_authorization_response(back.headers["Location"])
    admin = provider.admin
    assert admin.call("DELETE", "/api/admin/users/alice").status_code == 200
    time.sleep(0.01)  # the new alice is younger than anything issued to the old one
    assert admin.call("POST", "/api/admin/users", {"name": "alice", "password": PASSWORD}).status_code == 201
    exchange = signed("hmac-consumer", SECRET, resource_owner_key=session._client.client.resource_owner_key,
                      resource_owner_secret=session._client.client.resource_owner_secret,
                      verifier=session._client.client.verifier)
    assert call(provider, exchange, "/plugins/servlet/oauth/access-token", "POST").status_code == 401
    assert earlier.get(provider.url + "/api/me").status_code == 401
