"""The credential broker with OAuth 2.0 (authorization code + PKCE, refresh, revocation) against Authlib's
authorization server running on 127.0.0.1, through the bundled GitHub plugin and a test plugin."""
import re
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from brokerworld import World, make_app, scan_for_secrets
from dashboard.broker.credentials import utcnow
from dashboard.broker.limits import limits_for
from dashboard.testing import Client, app_root_of
from dashboard.testing.oauth2 import OAuth2Provider
from hostile import NormalisingFront

CALLBACK = "http://localhost/connect/callback/oauth2"


@pytest.fixture
def world(dashboard_settings, monkeypatch, caplog, request):
    """Parametrise indirectly with {"expires_in": seconds} for other token lifetimes, {"front": True} to reach the
    provider through a reverse proxy that normalises paths as nginx does (``world.front``)."""
    options = getattr(request, "param", {})
    caplog.set_level("DEBUG")
    provider = OAuth2Provider(CALLBACK, expires_in=options.get("expires_in", 3600))
    front = NormalisingFront(provider.url) if options.get("front") else None
    monkeypatch.setenv("DASHBOARD_GITHUB_URL", (front or provider).url)
    monkeypatch.setenv("ACME_URL", (front or provider).url)
    seen = []
    app, admin, alice = make_app(dashboard_settings, "plugins_for_tests.acme", seen)
    w = World(app, provider, admin, alice, seen)
    w.front = front
    yield w
    if front is not None:
        front.close()
    secrets_ = [provider.client.client_secret] + [v for t in provider.tokens for k, v in t.data.items()
                                                   if k in ("access_token", "refresh_token")]
    w.seen.append(caplog.text)  # and no log line either
    scan_for_secrets(w, dashboard_settings, secrets_)
    provider.close()


def test_pending_provider_waits_for_approval(world):
    did, inst = world.add()
    assert "waiting for an administrator to approve GitHub" in world.get(world.alice, inst["frame_url"]).text
    entry = re.search(r'data-gadget="github-pulls">(.*?)</li>', world.get(world.alice, "/directory").text, re.S)
    assert "waiting for an administrator to approve it" in entry.group(1)
    res = world.alice.app.get(f"/connect/github?d={did}&i={inst['id']}", status=400)
    assert "waiting for an administrator" in res.text
    page = world.get(world.admin, "/admin/providers")
    assert 'data-provider="github"' in page.text and "pending" in page.text
    assert CALLBACK in page.text  # the exact redirect URI to register


def test_approve_connect_and_see_data(world):
    world.approve()
    did, inst = world.add()
    frame = world.get(world.alice, inst["frame_url"]).text
    assert "Connect to GitHub" in frame
    connected = world.connect(did, inst)
    assert connected.status_int == 200 and "octocat" in connected.text
    frame = world.get(world.alice, inst["frame_url"]).text
    assert "Fix &lt;b&gt;bug&lt;/b&gt; for octocat" in frame
    accounts = world.get(world.alice, "/connections").text
    assert "octocat" in accounts and "repo" in accounts and "GET http://127.0.0.1" in accounts
    audit = world.get(world.admin, "/admin/audit?user=alice").text
    assert "github-pulls" in audit and "/api/v3/search/issues?q=&amp;per_page=" in audit
    assert "author" not in audit  # query values are never logged


def test_proxy_for_gadget_javascript(world):
    world.approve("acme")
    did, inst = world.add("acme-raw")
    world.connect(did, inst, "acme")
    st = inst["frame_url"].split("st=")[1]
    res = world.get(world.alice, f"/proxy/{did}/{inst['id']}?st={st}&path=search/issues&state=open")
    assert res.json["items"][0]["title"].endswith("octocat") and res.headers["Access-Control-Allow-Origin"] == "*"
    for path, why in [("../../login/oauth/revoke", "not within"), ("http://127.0.0.1:1/api/v3/x", "not within"),
                      ("https://evil.example/api/v3/", "not within")]:
        res = world.alice.app.get(f"/proxy/{did}/{inst['id']}?st={st}&path={path}", status=403)
        assert why in res.json["error"]
    world.alice.app.get(f"/proxy/{did}/{inst['id']}?st=forged&path=search/issues", status=403)


def test_gadget_cannot_reach_what_it_did_not_declare(world):
    world.approve("acme")
    did, inst = world.add("acme-wanderer")
    world.connect(did, inst, "acme")
    assert "is not within what ACME declares" in world.get(world.alice, inst["frame_url"]).text
    # a gadget asking for a scope its provider does not declare is refused at start-up
    plugin = {p["name"]: p for p in world.admin.get_json("/api/admin/plugins")["plugins"]}["acme"]
    assert "gadget 'acme-greedy' asks 'acme' for scopes it does not declare: admin:org" in plugin["errors"]
    world.alice.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "acme-greedy"}, status=400)
    # and so is one needing a provider that nobody declares
    assert "gadget 'acme-ghost' needs provider 'ghost', which no plugin declares" in plugin["errors"]
    world.alice.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "acme-ghost"}, status=400)
    # an account connected with fewer scopes than the gadget needs must be reconnected
    with app_root_of(world.app) as root:
        for conn in root.users["alice"].connections.values():
            conn.scopes = ["read:user"]
    assert "Reconnect to ACME" in world.get(world.alice, inst["frame_url"]).text
    did, plain = world.add("no-provider")
    assert "declares no service provider" in world.get(world.alice, plain["frame_url"]).text
    assert "refused" in world.get(world.admin, "/admin/audit").text


def test_disabled_provider_stops_all_use_at_once(world):
    world.approve()
    did, inst = world.add()
    world.connect(did, inst)
    world.approve(enabled=False)
    assert "disabled by an administrator" in world.get(world.alice, inst["frame_url"]).text
    st = inst["frame_url"].split("st=")[1]
    res = world.alice.app.get(f"/proxy/{did}/{inst['id']}?st={st}&path=search/issues", status=403)
    assert res.json["state"] == "disabled"


def test_state_must_be_issued_to_this_session_and_used_once(world):
    world.approve()
    did, inst = world.add()
    res = world.alice.app.get(f"/connect/github?d={did}&i={inst['id']}", status=303)
    query = parse_qs(urlsplit(res.location).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [CALLBACK]
    back = urlsplit(requests.get(res.location, allow_redirects=False, timeout=10).headers["Location"])
    callback = back.path + "?" + back.query
    # missing and forged state
    assert "unknown" in world.alice.app.get(back.path + "?code=x", status=400).text
    assert "unknown" in world.alice.app.get(back.path + "?code=x&state=forged", status=400).text
    # another user's browser cannot complete alice's flow
    bob = Client(world.app, world.seen)
    bob.login("bob")
    assert "unknown" in bob.app.get(callback, status=400).text
    # alice completes it once; the same state again is refused
    assert world.alice.app.get(callback).status_int == 200
    assert "unknown" in world.alice.app.get(callback, status=400).text


def test_pkce_cannot_be_downgraded(world):
    """An attacker who strips the code challenge from our authorization request gains nothing: we always send
    the verifier, and the provider (RFC 9700 4.8) then refuses the exchange; no account is connected."""
    world.approve()
    did, inst = world.add()
    res = world.alice.app.get(f"/connect/github?d={did}&i={inst['id']}", status=303)
    stripped = re.sub(r"&code_challenge(_method)?=[^&]*", "", res.location)
    back = urlsplit(requests.get(stripped, allow_redirects=False, timeout=10).headers["Location"])
    failed = world.alice.app.get(back.path + "?" + back.query, status=400)
    assert "GitHub refused the request (invalid_request)" in failed.text
    assert "Connect to GitHub" in world.get(world.alice, inst["frame_url"]).text


def _expire(world, username="alice"):
    with app_root_of(world.app) as root:
        for conn in root.users[username].connections.values():
            conn.expires_at = conn.created - timedelta(seconds=1)


def test_expired_token_is_refreshed_once_and_rotated(world):
    world.approve()
    did, inst = world.add()
    world.connect(did, inst)
    first_refresh = world.provider.tokens[0].data["refresh_token"]
    _expire(world)
    assert "octocat" in world.get(world.alice, inst["frame_url"]).text
    assert world.provider.refresh_calls == 1
    assert world.provider.find(refresh_token=first_refresh) is None  # the old one was rotated out
    assert "octocat" in world.get(world.alice, inst["frame_url"]).text
    assert world.provider.refresh_calls == 1  # the new token is good for an hour


def test_failed_refresh_asks_for_reconnect(world):
    world.approve()
    did, inst = world.add()
    world.connect(did, inst)
    world.provider.tokens[0].revoked = True
    _expire(world)
    frame = world.get(world.alice, inst["frame_url"]).text
    assert "Reconnect to GitHub" in frame
    assert "needs reconnect" in world.get(world.alice, "/connections").text
    world.connect(did, inst)  # reconnecting mends it
    assert "octocat" in world.get(world.alice, inst["frame_url"]).text


def test_token_revoked_at_the_provider_asks_for_reconnect(world):
    world.approve()
    did, inst = world.add()
    world.connect(did, inst)
    for token in world.provider.tokens:
        token.revoked = True
    assert "Reconnect to GitHub" in world.get(world.alice, inst["frame_url"]).text


def test_revoke_calls_the_providers_revocation_endpoint(world):
    world.approve("acme")
    did, inst = world.add("acme-raw")
    world.connect(did, inst, "acme")
    token = world.provider.tokens[0]
    page = world.get(world.alice, "/connections")
    form = next(f for f in page.forms.values() if f.action.endswith("/revoke"))
    form.submit(status=303)
    assert token.revoked
    assert "Connect to ACME" in world.get(world.alice, inst["frame_url"]).text
    assert "not connected any account" in world.get(world.alice, "/connections").text


def test_two_accounts_and_choosing_one_per_gadget(world):
    world.approve()
    did, one = world.add()
    world.connect(did, one)
    world.provider.user = "hubot"
    _, two = world.add()
    world.connect(did, two)
    assert "for hubot" in world.get(world.alice, two["frame_url"]).text
    assert "for octocat" in world.get(world.alice, one["frame_url"]).text
    with app_root_of(world.app) as root:
        accounts = {c.account: c.id for c in root.users["alice"].connections.values()}
    assert set(accounts) == {"octocat", "hubot"}
    chooser = world.get(world.alice, f"/d/{did}").forms
    form = next(f for f in chooser.values() if f.action.endswith(f"/g/{one['id']}/account"))
    assert {o[0] for o in form["connection"].options} == set(accounts.values())
    form["connection"] = accounts["hubot"]
    form.submit(status=303)
    assert "for hubot" in world.get(world.alice, one["frame_url"]).text
    world.alice.form_post(f"/d/{did}/g/{one['id']}/account", {"connection": "nope"}, status=400)


def test_a_gadget_uses_the_account_already_connected_until_another_is_chosen(world):
    world.approve()
    did, one = world.add()
    world.connect(did, one)
    _, two = world.add()  # nothing to connect: the account at this provider is used
    assert "for octocat" in world.get(world.alice, two["frame_url"]).text
    world.provider.user = "hubot"
    world.connect(did, two)  # a second account, chosen for the gadget it was connected from
    assert "for hubot" in world.get(world.alice, two["frame_url"]).text
    assert "for octocat" in world.get(world.alice, one["frame_url"]).text
    _, three = world.add()  # the default is the older account
    assert "for octocat" in world.get(world.alice, three["frame_url"]).text
    page = world.get(world.alice, f"/d/{did}")
    used = {iid: page.forms[n]["connection"].value for n, f in page.forms.items()
            for iid in [f.action.split("/g/")[-1].split("/")[0]] if f.action.endswith("/account")}
    with app_root_of(world.app) as root:
        accounts = {c.id: c.account for c in root.users["alice"].connections.values()}
    assert {iid: accounts[cid] for iid, cid in used.items()} == {
        one["id"]: "octocat", two["id"]: "hubot", three["id"]: "octocat"}
    # when the chosen account goes, the gadget falls back to the one that is left
    connections = world.get(world.alice, "/connections")
    form = next(f for f in connections.forms.values()
                if f.action.endswith("/revoke") and accounts[f.action.split("/")[-2]] == "octocat")
    form.submit(status=303)
    for inst in (one, two, three):
        assert "for hubot" in world.get(world.alice, inst["frame_url"]).text


def test_concurrent_uses_at_expiry_refresh_exactly_once(world):
    world.approve()
    did, inst = world.add()
    world.connect(did, inst)
    world.provider.refresh_delay = 0.3  # a slow provider widens the race
    limits = limits_for(world.app.registry)
    limits.per_user = limits.per_host = 20  # all 20 in flight at once, as many as there are threads
    _expire(world)
    results = []
    st = inst["frame_url"].split("st=")[1]
    from webtest import TestApp

    def fetch():
        res = TestApp(world.app).get(f"/proxy/{did}/{inst['id']}?st={st}&path=search/issues", status="*")
        results.append(res.status_int)

    threads = [threading.Thread(target=fetch) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 20
    assert world.provider.refresh_calls == 1


def test_secrets_are_write_only_in_the_admin_page(world):
    world.approve()
    page = world.get(world.admin, "/admin/providers")
    assert world.provider.client.client_secret not in page.text and "stored; leave empty to keep it" in page.text
    # saving without a secret keeps the stored one
    world.admin.form_post("/admin/providers/github", {"client_id": world.provider.client.client_id, "enabled": "on"})
    did, inst = world.add()
    assert world.connect(did, inst).status_int == 200
    res = world.admin.form_post("/admin/providers/nope", {}, status=404)
    assert "no plugin or gadget spec declares" in res.text


def test_unavailable_provider_is_retried_with_backoff(world):
    world.approve()
    did, inst = world.add()
    world.connect(did, inst)
    world.provider.unavailable_refreshes = 2
    _expire(world)
    assert "octocat" in world.get(world.alice, inst["frame_url"]).text
    assert world.provider.refresh_calls == 3  # two 503s, then success


def test_signed_requests_never_follow_redirects(world):
    world.approve("acme")
    did, inst = world.add("acme-raw")
    world.connect(did, inst, "acme")
    st = inst["frame_url"].split("st=")[1]
    res = world.alice.app.get(f"/proxy/{did}/{inst['id']}?st={st}&path=redirect", status=502)
    assert res.headers["X-Upstream-Status"] == "302" and "Location" not in res.headers
    assert "never follow" in res.json["error"]


def test_the_proxy_answers_busy_at_once_beyond_a_users_fetches_in_flight(world):
    """Eight of alice's proxy requests wait on a slow API: the ninth is answered 503 at once with Retry-After,
    while bob, at the same provider, gets his data."""
    from webtest import TestApp

    world.approve("acme")
    limits = limits_for(world.app.registry)
    did, inst = world.add("acme-raw")
    world.connect(did, inst, "acme")
    bob = Client(world.app, world.seen)
    bob.login("bob")
    bob_did, bob_inst = world.add("acme-raw", client=bob)
    world.connect(bob_did, bob_inst, "acme", client=bob)
    st = inst["frame_url"].split("st=")[1]
    slow_url = f"/proxy/{did}/{inst['id']}?st={st}&path=slow"
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(TestApp(world.app).get(slow_url, status="*")))
               for _ in range(limits.per_user)]
    try:
        for thread in threads:
            thread.start()
        for _ in range(200):
            if limits.in_flight(user="alice") == limits.per_user:
                break
            time.sleep(0.05)
        started = time.monotonic()
        busy = world.alice.app.get(f"/proxy/{did}/{inst['id']}?st={st}&path=search/issues", status=503)
        assert time.monotonic() - started < 1
        assert busy.headers["Retry-After"] == "3" and busy.json["state"] == "busy"
        assert busy.json["error"].startswith("Busy: you already have 8 requests")
        bob_st = bob_inst["frame_url"].split("st=")[1]
        mine = bob.app.get(f"/proxy/{bob_did}/{bob_inst['id']}?st={bob_st}&path=search/issues")
        assert mine.json["items"][0]["title"].endswith("octocat")
        assert "busy: Busy" in world.get(world.alice, "/connections").text  # audited, as every refusal is
    finally:
        world.provider.slow_gate.set()
        for thread in threads:
            thread.join(10)
    assert [a.status_int for a in answers] == [200] * limits.per_user


def test_a_client_secret_with_percent_and_plus_is_form_encoded_for_basic_auth(world):
    """RFC 6749 2.3.1: Authlib form-decodes the Basic credentials, so ``%2B`` sent raw would arrive as ``+``."""
    world.provider.client.client_secret = "s%2Bcret+with%25and+plus%"
    world.approve("acme")
    did, inst = world.add("acme-raw")
    assert "octocat" in world.connect(did, inst, "acme").text  # the code exchange
    _expire(world)
    assert "octocat" in world.get(world.alice, inst["frame_url"]).text
    assert world.provider.refresh_calls == 1  # the refresh
    token = world.provider.tokens[-1]
    form = next(f for f in world.get(world.alice, "/connections").forms.values() if f.action.endswith("/revoke"))
    form.submit(status=303)
    assert token.revoked  # and the revocation


@pytest.mark.parametrize("world", [{"expires_in": 30}], indirect=True)
def test_a_short_lived_token_is_refreshed_near_its_end_not_on_every_use(world):
    world.approve()
    did, inst = world.add()
    world.connect(did, inst)
    for _ in range(5):
        assert "for octocat" in world.get(world.alice, inst["frame_url"]).text
    assert world.provider.refresh_calls == 0  # a fixed minute's window would refresh a 30 s token every time
    with app_root_of(world.app) as root:  # 2 s left: within a tenth of its 30 s
        for conn in root.users["alice"].connections.values():
            conn.expires_at = utcnow() + timedelta(seconds=2)
    for _ in range(3):
        assert "for octocat" in world.get(world.alice, inst["frame_url"]).text
    assert world.provider.refresh_calls == 1


def test_reconnecting_repairs_that_account_and_every_gadget_bound_to_it(world):
    world.approve()
    did, one = world.add()
    world.connect(did, one)
    _, two = world.add()  # uses the same account
    with app_root_of(world.app) as root:
        (original,) = [c.id for c in root.users["alice"].connections.values()]
    for _ in range(7):
        for token in world.provider.tokens:
            token.revoked = True
        assert "Reconnect to GitHub" in world.get(world.alice, one["frame_url"]).text
        world.connect(did, one)
        for inst in (one, two):
            assert "for octocat" in world.get(world.alice, inst["frame_url"]).text
    with app_root_of(world.app) as root:
        accounts = [(c.id, c.account, c.status) for c in root.users["alice"].connections.values()]
    assert accounts == [(original, "octocat", "ok")]  # one account, the same one, not seven
    page = world.get(world.alice, f"/d/{did}")  # nothing to choose between
    assert not [f for f in page.forms.values() if f.action.endswith("/account")]


TRAVERSALS = [
    "%2e%2e/%2e%2e/login/oauth/revoke", "%2E%2E/%2E%2E/login/oauth/revoke", ".%2e/.%2e/login/oauth/revoke",
    "%2e./%2e./login/oauth/revoke", "..%2f..%2flogin/oauth/revoke", "..%2F..%2Flogin/oauth/revoke",
    "%2e%2e%2f%2e%2e%2flogin/oauth/revoke", "..%5c..%5clogin/oauth/revoke", "..\\..\\login/oauth/revoke",
    "..;/..;/login/oauth/revoke", "%2e%2e;x/%2e%2e;/login/oauth/revoke", "%252e%252e/%252e%252e/login/oauth/revoke",
    "..%252f..%252flogin/oauth/revoke", "%25252e%25252e/%25252e%25252e/login/oauth/revoke",
    "search/..%2f..%2f..%2flogin/oauth/revoke", "./%2e%2e/./%2e%2e//login/oauth/revoke",
    "%2e%2e/%2E./.%2E/login/oauth/revoke",
]


@pytest.mark.parametrize("world", [{"front": True}], indirect=True)
def test_traversal_forms_never_carry_the_token_outside_the_base_url(world):
    """Through a front that reads paths as nginx does, no form of ``..`` makes the bearer token reach a path
    outside /api/v3/: each is refused before anything is sent, while paths that stay within still work."""
    from urllib.parse import quote

    world.approve("acme")
    did, inst = world.add("acme-raw")
    world.connect(did, inst, "acme")
    st = inst["frame_url"].split("st=")[1]
    proxy = f"/proxy/{did}/{inst['id']}?st={st}&path="
    for form in TRAVERSALS + [world.front.url + "/api/v3/" + TRAVERSALS[0]]:
        res = world.alice.app.get(proxy + quote(form, safe=""), status="*")
        assert res.status_int == 403 and "not within" in res.json["error"], form
    for form in ("search/issues", "user/../search/issues", "user/%2e%2e/search/issues", "search%2fissues"):
        res = world.alice.app.get(proxy + quote(form, safe=""))
        assert res.json["items"][0]["title"].endswith("octocat"), form
    bearer = [(method, path) for method, path, auth in world.front.seen if auth.startswith("Bearer")]
    assert len(bearer) >= 5  # the account URL and the four allowed paths
    assert all(path.startswith("/api/v3/") for _, path in bearer), bearer
