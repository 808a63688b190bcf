"""Attacks on the OAuth parts: this server as an OAuth 1.0a service provider (anonymous callers), and the broker as a
client of hostile OAuth 2.0 and OAuth 1.0a servers on 127.0.0.1."""
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from oauthlib.oauth1 import Client as OAuth1Client

from brokerworld import World, make_app
from dashboard.testing import app_root_of
from httpserver import Upstream


def _hostile_world(settings, monkeypatch, answer, plugin, env_names):
    """An app with the test plugin ``plugin`` whose provider is a real server on 127.0.0.1 answering every request
    with ``answer(method, path, form)`` -> (status, content type, body bytes); ``form`` is the parsed form body."""
    def route(handler):
        status, ctype, body = answer(handler.command, handler.path.split("?")[0], parse_qs(handler.body().decode()))
        return status, {"Content-Type": ctype}, body

    server = Upstream({}, default=route)
    for name in env_names:
        monkeypatch.setenv(name, server.url)
    app, admin, alice = make_app(settings, f"plugins_for_tests.{plugin}")
    return World(app, server, admin, alice)


# --- The broker against a hostile OAuth 2.0 token endpoint ---------------------------------------------------------


@pytest.fixture
def oauth2_world(dashboard_settings, monkeypatch):
    """The ACME provider (tests/plugins_for_tests/acme.py) at a server whose token endpoint answers ``.token``
    (a JSON value, or a callable of the form) and whose account URL names "mallory"."""
    def answer(method, path, form):
        if path.endswith("/access_token"):
            token = world.token(form) if callable(world.token) else world.token
            return 200, "application/json", json.dumps(token).encode()
        if path.endswith("/user"):
            return 200, "application/json", b'{"login": "mallory"}'
        return 200, "application/json", b'{"items": []}'

    world = _hostile_world(dashboard_settings, monkeypatch, answer, "acme", ("ACME_URL", "DASHBOARD_GITHUB_URL"))
    world.token = {"access_token": "good-token"}
    world.approve("acme", data={"client_id": "dash-client", "client_secret": "dash-secret"})
    yield world
    world.provider.close()


def _oauth2_callback(world, status="*"):
    did, inst = world.add("acme-raw")
    res = world.alice.app.get(f"/connect/acme?d={did}&i={inst['id']}", status=303)
    state = parse_qs(urlsplit(res.location).query)["state"][0]
    return world.alice.app.get(f"/connect/callback/oauth2?code=c&state={state}", status=status), inst


@pytest.mark.parametrize("payload", [
    "access_token",                                          # a JSON string that contains the word
    {"access_token": 12345},                                 # not a string
    {"access_token": ""},                                    # empty
    {"access_token": "t", "expires_in": "soon"},             # not a number
    {"access_token": "t", "expires_in": 1e300},              # beyond any date
    {"access_token": "t", "expires_in": [3600]},
    {"access_token": "t", "refresh_token": {"a": 1}},        # not a string
], ids=["string", "number-token", "empty-token", "expires-word", "expires-huge", "expires-list", "refresh-dict"])
def test_a_malformed_token_response_fails_the_connection_cleanly(oauth2_world, payload):
    oauth2_world.token = payload
    res, inst = _oauth2_callback(oauth2_world)
    assert res.status_int == 400, res.status
    assert "ACME" in res.text and "Not connected" in res.text
    with app_root_of(oauth2_world.app) as root:
        assert not root.users["alice"].connections  # nothing half-stored


@pytest.mark.parametrize("expires_in", [0, "0"])
def test_a_token_said_to_expire_in_0_seconds_is_one_without_an_expiry(oauth2_world, expires_in):
    """Some providers answer expires_in 0 for a token that does not expire: it connects, and no refresh is tried."""
    oauth2_world.token = {"access_token": "t", "expires_in": expires_in}
    res, inst = _oauth2_callback(oauth2_world, status="*")
    assert res.status_int in (200, 302, 303), res.status
    with app_root_of(oauth2_world.app) as root:
        (account,) = root.users["alice"].connections.values()
        assert account.status == "ok" and account.expires_at is None


def test_a_malformed_refresh_response_asks_for_reconnect(oauth2_world):
    def token(form):
        if form.get("grant_type") == ["refresh_token"]:
            return {"access_token": "t2", "expires_in": "an hour"}
        return {"access_token": "t1", "refresh_token": "r1", "expires_in": 3600}

    oauth2_world.token = token
    res, inst = _oauth2_callback(oauth2_world)
    assert res.status_int == 200, res.text
    with app_root_of(oauth2_world.app) as root:
        for conn in root.users["alice"].connections.values():
            conn.expires_at = conn.created  # due for a refresh
    frame = oauth2_world.alice.app.get(inst["frame_url"], status="*")
    assert frame.status_int == 200, frame.status
    assert "Reconnect" in frame.text or "reconnect" in frame.text


# --- The broker against a hostile OAuth 1.0a provider ---------------------------------------------------------------


@pytest.fixture
def oauth1_world(dashboard_settings, monkeypatch):
    """The HMAC Jira provider (tests/plugins_for_tests/jira_hmac.py) at a server answering ``.request_token`` and
    ``.access_token`` (form bodies) as they are."""
    def answer(method, path, form):
        if path.endswith("/request-token"):
            answer = world.request_token() if callable(world.request_token) else world.request_token
            return 200, "application/x-www-form-urlencoded", answer.encode()
        if path.endswith("/access-token"):
            return 200, "application/x-www-form-urlencoded", world.access_token.encode()
        return 200, "application/json", b'{"name": "mallory"}'

    world = _hostile_world(dashboard_settings, monkeypatch, answer, "jira_hmac",
                           ("JIRA_HMAC_URL", "DASHBOARD_JIRA_URL"))
    world.request_token = "oauth_token=rt&oauth_token_secret=rs&oauth_callback_confirmed=true"
    world.access_token = "oauth_token=at&oauth_token_secret=as"
    world.approve("jira-hmac", data={"client_id": "dashboard-hmac", "client_secret": "s" * 20})
    yield world
    world.provider.close()


def test_a_request_token_without_callback_confirmation_is_refused(oauth1_world):
    """RFC 5849 2.1: oauth_callback_confirmed MUST be "true"; a provider that leaves it out ignored our callback
    (OAuth 1.0, open to session fixation), so the user is not sent there."""
    oauth1_world.request_token = "oauth_token=rt&oauth_token_secret=rs"
    did, inst = oauth1_world.add("jira-hmac-raw")
    res = oauth1_world.alice.app.get(f"/connect/jira-hmac?d={did}&i={inst['id']}", status="*")
    assert res.status_int == 400 and "callback" in res.text


def test_a_huge_request_token_is_refused_not_a_server_error(oauth1_world):
    oauth1_world.request_token = f"oauth_token={'x' * 6000}&oauth_token_secret=rs&oauth_callback_confirmed=true"
    did, inst = oauth1_world.add("jira-hmac-raw")
    res = oauth1_world.alice.app.get(f"/connect/jira-hmac?d={did}&i={inst['id']}", status="*")
    assert res.status_int == 400, res.status


def test_ten_flows_with_long_request_tokens_fit_in_the_session(oauth1_world):
    """The session (a cookie of at most 4 KiB) remembers the last ten flows a user started; tokens of the longest
    length taken (255 characters) must not make it too large to store."""
    tokens = iter(f"{n}{'x' * 254}" for n in range(10))
    oauth1_world.request_token = lambda: (f"oauth_token={next(tokens)}&oauth_token_secret=s"
                                          "&oauth_callback_confirmed=true")
    did, inst = oauth1_world.add("jira-hmac-raw")
    for _ in range(10):
        res = oauth1_world.alice.app.get(f"/connect/jira-hmac?d={did}&i={inst['id']}", status="*")
        assert res.status_int == 303, res.status
    token = parse_qs(urlsplit(res.location).query)["oauth_token"][0]
    back = oauth1_world.alice.app.get(f"/connect/callback/oauth1?oauth_token={token}&oauth_verifier=v")
    assert "mallory" in back.text


@pytest.mark.parametrize("expires", ["\u00b2", "9" * 30])
def test_an_odd_session_expiry_from_the_provider_is_not_a_server_error(oauth1_world, expires):
    oauth1_world.access_token = f"oauth_token=at&oauth_token_secret=as&oauth_expires_in={expires}"
    did, inst = oauth1_world.add("jira-hmac-raw")
    res = oauth1_world.alice.app.get(f"/connect/jira-hmac?d={did}&i={inst['id']}", status=303)
    token = parse_qs(urlsplit(res.location).query)["oauth_token"][0]
    back = oauth1_world.alice.app.get(f"/connect/callback/oauth1?oauth_token={token}&oauth_verifier=v", status="*")
    assert back.status_int in (200, 400), back.status


# --- This server as an OAuth 1.0a service provider ------------------------------------------------------------------


def test_anonymous_token_requests_store_no_nonces(dashboard_app, anon_client):
    """Anybody can send requests to the token endpoints; only a request whose signature verifies may leave a nonce
    in the database (as for the API), or strangers fill it."""
    for n in range(5):
        client = OAuth1Client(f"stranger-{n}", client_secret="guess-" + "x" * 20, callback_uri="oob",
                              timestamp=str(int(time.time())))
        for path in ("request-token", "access-token"):
            if path == "access-token":
                client.resource_owner_key, client.resource_owner_secret, client.verifier = "T" * 32, "s", "V" * 32
            url, headers, body = client.sign("http://localhost/plugins/servlet/oauth/" + path, http_method="POST")
            res = anon_client.app.post(url, headers=headers, status="*")
            assert res.status_int == 401
    with app_root_of(dashboard_app) as root:
        assert len(root["oauth_nonces"]) == 0


def test_a_signed_request_token_request_replayed_is_refused(admin_client, anon_client):
    admin_client.form_post("/admin/consumers", {"key": "hmac-app", "name": "App", "description": "d",
                                                "shared_secret": "a-shared-secret-of-some-length"})
    client = OAuth1Client("hmac-app", client_secret="a-shared-secret-of-some-length", callback_uri="oob")
    url, headers, body = client.sign("http://localhost/plugins/servlet/oauth/request-token", http_method="POST")
    assert "oauth_token=" in anon_client.app.post(url, headers=headers).text
    assert "oauth_token=" not in anon_client.app.post(url, headers=headers, status=401).text


@pytest.mark.parametrize("callback", ["https://app.example/cb\r\nSet-Cookie: a=b", "https://app.example/cb\nx",
                                      "https://app.example/\x00", "https://app.example/\u2028", "http://",
                                      "https:///path", "https://app.example/cb#frag", "https://app.example:99999/",
                                      "https://app.example/a b", "javascript://app.example/%0aalert(1)"])
def test_a_callback_that_is_not_a_plain_http_url_is_refused(admin_client, anon_client, user_client, callback):
    """Any http(s) callback is taken from a consumer that registered none; one that cannot be a Location (control
    characters: the Allow page answered 500), names no host, or has a fragment (ours went after it) is refused."""
    admin_client.form_post("/admin/consumers", {"key": "hmac-app", "name": "App", "description": "d",
                                                "shared_secret": "a-shared-secret-of-some-length"})
    client = OAuth1Client("hmac-app", client_secret="a-shared-secret-of-some-length", callback_uri=callback)
    url, headers, body = client.sign("http://localhost/plugins/servlet/oauth/request-token", http_method="POST")
    res = anon_client.app.post(url, headers=headers, status="*")
    assert res.status_int == 401, res.text


def test_nonces_that_expired_after_a_busy_consumers_live_ones_are_forgotten(dashboard_app, monkeypatch):
    """Pruning looked only at the first thousand nonces in key order (the consumer key first): behind more than a
    thousand live nonces of one consumer, another's expired ones were kept for ever, and the store grew without end.
    Each prune (forced here on every nonce) now goes on from where the last stopped."""
    import secrets

    from dashboard.provider.validator import TIMESTAMP_WINDOW, Validator

    monkeypatch.setattr(secrets, "randbelow", lambda n: 0)
    with app_root_of(dashboard_app) as root:
        nonces, long_ago = root["oauth_nonces"], time.time() - 3 * TIMESTAMP_WINDOW
        for n in range(1500):  # a busy consumer's nonces, alive
            nonces[("busy", f"live{n:05}", "1", "")] = time.time() + 2 * TIMESTAMP_WINDOW
        for n in range(500):  # another's, long expired
            nonces[("quiet", f"old{n:05}", "1", "")] = long_ago
        validator = Validator(root, dashboard_app.registry.dashboard_secretbox)
        for n in range(3):
            validator.validate_timestamp_and_nonce("busy", str(int(time.time())), f"new{n:05}", None)
        assert not [key for key in nonces.keys() if key[0] == "quiet"]
        assert len(nonces) == 1503
