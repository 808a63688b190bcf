"""The plugin author's kit: test providers shaped in one line (OAuth 2.0, OAuth 1.0a with HMAC-SHA1 and RSA-SHA1,
trusted applications) driven through the real connect flow and broker, audit_entries, and the conformance kit
catching each rule a plugin can break."""
import pytest
import requests

from dashboard.testing import (HOSTILE, Route, add_gadget, approve_provider, audit_entries, check_plugin,
                               connect_account)


@pytest.fixture
def dashboard_settings(dashboard_settings, shaped):
    return {**dashboard_settings,
            "dashboard.plugins.extra": "plugins_for_tests.shaped plugins_for_tests.nonconforming"}


def me_for(req):
    return {"name": req.user, "scopes": req.scopes}


@pytest.fixture
def shaped(make_oauth2_server, make_oauth1_server, make_trusted_server, monkeypatch):
    servers = {
        "oauth2": make_oauth2_server(scopes=["forecast"], users=["ola", "kari"], expires_in=600,
                                     paths={"authorize": "/oauth/authorize", "token": "/oauth/token"},
                                     routes={"/api/me": Route(me_for, scope="forecast")}),
        "oauth1": make_oauth1_server(users=["per"], paths={"request_token": "/oauth/request",
                                                           "authorize": "/oauth/authorize",
                                                           "access_token": "/oauth/access"},
                                     routes={"/api/me": me_for}),
        "trusted": make_trusted_server(users=["alice"], routes={"/api/me": {"name": "canned"}}),
        "nc": make_oauth2_server(scopes=["read"], paths={"authorize": "/oauth/authorize", "token": "/oauth/token"},
                                 routes={"/api/items": {"title": "upstream"}}),
    }
    for kind, server in servers.items():  # read by the plugins' hooks when the app starts
        monkeypatch.setenv(f"KIT_{kind.upper()}_URL", server.url)
    monkeypatch.setenv("NONCONFORMING_URL", servers["nc"].url)
    return servers


def test_oauth2_shaped_provider_grants_its_custom_scope_to_the_chosen_user(shaped, user_client, admin_client):
    server = shaped["oauth2"]
    approve_provider(admin_client, "kit-oauth2", server)
    did, inst = add_gadget(user_client, "kit-oauth2-me")
    assert "kari" in connect_account(user_client, did, inst, "kit-oauth2", as_user="kari").text
    assert "<p>200: kari</p>" in user_client.get(inst["frame_url"]).text
    token = server.tokens[-1]
    assert token.get_scope() == "forecast" and token.get_expires_in() == 600
    entry, = audit_entries(user_client, provider="kit-oauth2")
    assert (entry["user"], entry["gadget"], entry["status"], entry["account"]) == ("alice", "kit-oauth2-me", 200,
                                                                                   "kari")


def test_oauth2_shaped_provider_drops_scopes_it_does_not_grant_and_routes_refuse_without_them(make_oauth2_server):
    server = make_oauth2_server(scopes=["read"], routes={"/api/me": Route({"name": "x"}, scope="forecast"),
                                                         "/api/open": {"ok": True}})
    assert requests.get(server.url + "/api/open", timeout=5).status_code == 401  # no token, no answer
    from dashboard.testing.oauth2 import Token

    token = Token({"access_token": "t", "scope": "read", "expires_in": 60}, server.client.client_id, "octocat")
    server.tokens.append(token)
    auth = {"Authorization": "Bearer t"}
    assert requests.get(server.url + "/api/open", headers=auth, timeout=5).json() == {"ok": True}
    assert requests.get(server.url + "/api/me", headers=auth, timeout=5).status_code == 403
    assert server.client.get_allowed_scope("read forecast") == "read"


@pytest.mark.parametrize("method", ["hmac", "rsa"])
def test_oauth1_shaped_provider_with_hmac_and_rsa(shaped, user_client, admin_client, method):
    fields = {"client_id": "kit-consumer", "client_secret": "kit-secret"} if method == "hmac" else {}
    approve_provider(admin_client, f"kit-{method}", shaped["oauth1"], **fields)
    did, inst = add_gadget(user_client, f"kit-{method}-me")
    assert "per" in connect_account(user_client, did, inst, f"kit-{method}").text
    assert "<p>200: per</p>" in user_client.get(inst["frame_url"]).text


def test_oauth1_token_lifetime(make_oauth1_server):
    import time

    from requests_oauthlib import OAuth1

    from dashboard.testing.oauth1 import Token

    server = make_oauth1_server(expires_in=60, routes={"/api/me": me_for})
    server.add_consumer("c", secret="s")
    server.tokens["t"] = Token(oauth_token="t", oauth_token_secret="ts", client_id="c", user="jdoe",
                               issued_at=time.time())
    signed = OAuth1("c", client_secret="s", resource_owner_key="t", resource_owner_secret="ts")
    assert requests.get(server.url + "/api/me", auth=signed, timeout=5).json() == {"name": "jdoe", "scopes": None}
    server.tokens["t"]["issued_at"] -= 61
    assert requests.get(server.url + "/api/me", auth=signed, timeout=5).status_code == 401


def test_trusted_shaped_provider(shaped, user_client, admin_client):
    approve_provider(admin_client, "kit-trusted", shaped["trusted"])
    did, inst = add_gadget(user_client, "kit-trusted-me")
    assert "<p>200: canned</p>" in user_client.get(inst["frame_url"]).text
    assert shaped["trusted"].answered == [("alice", "/api/me")]


def test_conformance_kit_names_every_problem(shaped, user_client, admin_client):
    with pytest.raises(AssertionError) as failed:
        check_plugin("nonconforming", user_client, admin_client, servers={"nc": shaped["nc"]})
    problems = str(failed.value)
    assert "provider 'nc' has no account_url" in problems
    assert "gadget 'nc-picky' has no thumbnail" in problems
    assert "gadget 'nc-picky' (mode=broken): failed to render" in problems
    assert "gadget 'nc-picky' (upper limits): failed to render" in problems
    assert "gadget 'nc-picky' (markup in text): " + HOSTILE + " from its preferences reached the frame" in problems
    assert "gadget 'nc-upstream' (defaults): " + HOSTILE + " from its provider reached the frame" in problems
    assert "gadget 'nc-picky' (defaults)" not in problems and "(mode=fine)" not in problems
