"""Access tokens and trusted applications act only where they were granted, and every refusal says why.

The grant is the OpenAPI document's ``x-grant`` on each operation: an access token reads (what the Allow page tells
the user), a trusted application acts as the user it names on the user's operations, and neither reaches an HTML
form, an administrator's route or the token, consumer and trusted-application management. Every route of the app is
tried with both kinds of signed request, with and without an administrator's session cookie beside the signature;
the authorization matrix test fails when a route is missing from the table, so a new route cannot ship unclassified.
"""
import base64
import json
import time

import pytest
from oauthlib.oauth1 import SIGNATURE_RSA, Client as OAuthClient

from dashboard.broker import trusted
from dashboard.models.provider_side import Consumer, IssuedToken, TrustedApp, store_token
from dashboard.security import CONSUMER_ENDPOINTS
from dashboard.testing import Client, _logged_in, app_root_of
from dashboard.views.openapi import ACCESS_TOKEN, DOCUMENT, GRANTS, TRUSTED_APP

from test_authorization import MATRIX
from test_oauth_provider import rsa_pair

CONSUMER, SECRET = "jira:app/1", "a shared secret of some length"
TOKENS = {"alice": ("A1" * 16, "alice-token-secret"), "root": ("R1" * 16, "root-token-secret")}
PROBLEMS = ("nonce_used", "timestamp_refused", "signature_invalid", "signature_method_rejected", "token_rejected",
            "token_revoked", "token_expired", "consumer_key_unknown", "permission_denied")


@pytest.fixture
def world(dashboard_app, make_user):
    """alice (owner of a dashboard with a notes gadget) and root (an administrator), each with an access token
    issued to one HMAC consumer, and a trusted application allowed everywhere from 127.0.0.1."""
    alice = _logged_in(dashboard_app, make_user, "alice")
    admin = _logged_in(dashboard_app, make_user, "root", admin=True)
    alice.post_json("/api/dashboards", {"title": "Spare"})
    did = alice.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = alice.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})
    private, public = rsa_pair()
    box = dashboard_app.registry.dashboard_secretbox
    with app_root_of(dashboard_app) as root:
        root["consumers"][CONSUMER] = Consumer(CONSUMER, "App", shared_secret_enc=box.encrypt(SECRET))
        for user, (token, secret) in TOKENS.items():
            issued = IssuedToken(token, box.encrypt(secret), CONSUMER, "access", 3600)
            issued.user = user
            store_token(root, issued)
        root["trusted_apps"]["wiki:1"] = TrustedApp("wiki:1", "Wiki", public, ["127.0.0.1"], ["/*"], timeout=30)
    ids = {"did": did, "iid": inst["id"], "st": inst["frame_url"].split("st=")[1]}
    return {"app": dashboard_app, "alice": alice, "admin": admin, "anon": Client(dashboard_app), "ids": ids,
            "trusted_key": private}


def oauth_headers(path, method="GET", user="alice", consumer=CONSUMER, secret=SECRET, token=None,
                  token_secret=None, **client_kw):
    token = token or TOKENS[user][0]
    token_secret = token_secret or TOKENS[user][1]
    client = OAuthClient(consumer, client_secret=secret, resource_owner_key=token, resource_owner_secret=token_secret,
                         **client_kw)
    return dict(client.sign("http://localhost" + path, http_method=method)[1])


def trusted_headers(world, path, method="GET", user="alice"):
    return trusted.signed_headers(world["trusted_key"], "wiki:1", method, "http://localhost" + path, user)


def send(client, method, path, headers, body=None, form=False):
    kw = {}
    if body is not None:
        kw = {"body": (json.dumps(body) if not form else "&".join(f"{k}={v}" for k, v in body.items())).encode(),
              "content_type": "application/x-www-form-urlencoded" if form else "application/json"}
    return client.app.request(path, method=method, headers=headers, status="*", expect_errors=True,
                              environ={"REMOTE_ADDR": "127.0.0.1"}, **kw)


def assert_problem(res, problem):
    assert res.status_int == 401, (res.status, res.text[:300])
    assert res.headers["WWW-Authenticate"] == f'OAuth realm="http://localhost", oauth_problem="{problem}"'
    if res.content_type == "application/json":
        assert res.json["oauth_problem"] == problem
    else:
        assert f"oauth_problem={problem}" in res.text


def pattern_of(route_name, app):
    from pyramid.interfaces import IRoutesMapper

    route = app.registry.getUtility(IRoutesMapper).get_route(route_name)
    return "/" + route.pattern.lstrip("/") if route is not None else None


@pytest.mark.parametrize("kind", [ACCESS_TOKEN, TRUSTED_APP])
@pytest.mark.parametrize("user", ["alice", "root"])
@pytest.mark.parametrize("with_cookie", [False, True], ids=["signed", "signed+admin-cookie"])
def test_every_route_accepts_signed_requests_only_as_the_openapi_document_grants(world, kind, user, with_cookie):
    client = world["admin"] if with_cookie else world["anon"]
    wrong = []
    for route, method, path, body, _ in MATRIX:
        path = path.format(**world["ids"])
        headers = oauth_headers(path, method, user) if kind == ACCESS_TOKEN else \
            trusted_headers(world, path, method, user)
        if with_cookie:
            headers["X-CSRF-Token"] = client.csrf  # and a valid CSRF token: still only the grant counts
        is_api = route.startswith("api_")
        if body is not None and not is_api:
            body = {"csrf_token": client.csrf or "", **{k: v.format(**world["ids"]) for k, v in body.items()}}
        res = send(client, method, path, headers, body if method != "GET" else None, form=not is_api)
        grant = GRANTS.get((pattern_of(route, world["app"]), method), frozenset())
        if route in CONSUMER_ENDPOINTS:  # signed by the consumer for its tokens: they answer for themselves
            ok = res.status_int == 401 and "oauth_problem=" in res.headers.get("WWW-Authenticate", "")
        elif "anyone" in grant:
            ok = res.status_int == 200
        elif kind in grant:
            ok = res.status_int < 500 and res.status_int not in (401, 403)  # (a row before may have deleted it)
        else:
            ok = res.status_int == 401 and 'oauth_problem="permission_denied"' in res.headers.get(
                "WWW-Authenticate", "")
        if not ok:
            wrong.append(f"{kind} as {user}: {method} {path} -> {res.status_int} {res.text[:120]}")
    assert wrong == []


def test_the_document_grants_only_operations_that_exist_and_only_reads_to_access_tokens(dashboard_app):
    from pyramid.interfaces import IRoutesMapper

    patterns = {"/" + r.pattern.lstrip("/") for r in dashboard_app.registry.getUtility(IRoutesMapper).get_routes()}
    assert set(DOCUMENT["paths"]) <= patterns
    for (path, method), grant in GRANTS.items():
        if ACCESS_TOKEN in grant:
            assert method == "GET", (path, method)
        if path.startswith("/api/admin/"):
            assert grant == {"session"}, path
    # every JSON API route of the matrix is in the document, so it has a grant
    api_rows = {(pattern_of(route, dashboard_app), method) for route, method, *_ in MATRIX if route.startswith("api_")}
    assert api_rows <= set(GRANTS)


def test_an_administrators_access_token_cannot_use_the_admin_forms(world):
    """The attack that worked: a consumer holding an administrator's token registered a trusted application through
    the HTML form (no CSRF token needed), which then acted as anyone."""
    _, public = rsa_pair()
    form = {"app_id": "evil", "name": "Evil", "public_key": public.replace("\n", "%0A").replace("+", "%2B"),
            "ips": "0.0.0.0/0", "paths": "/*", "timeout": "10"}
    for client in (world["anon"], world["admin"]):  # alone, and beside the administrator's session cookie
        res = send(client, "POST", "/admin/trusted", oauth_headers("/admin/trusted", "POST", "root"), form, form=True)
        assert_problem(res, "permission_denied")
        res = send(client, "GET", "/api/admin/users", oauth_headers("/api/admin/users", "GET", "root"))
        assert_problem(res, "permission_denied")
    with app_root_of(world["app"]) as root:
        assert "evil" not in root["trusted_apps"]


def test_an_access_token_reads_and_may_not_write(world):
    res = send(world["anon"], "GET", "/api/dashboards", oauth_headers("/api/dashboards"))
    assert res.status_int == 200 and res.json["dashboards"]
    res = send(world["anon"], "POST", "/api/dashboards", oauth_headers("/api/dashboards", "POST"), {"title": "x"})
    assert_problem(res, "permission_denied")


def test_a_trusted_application_writes_as_the_user_but_never_administers(world):
    res = send(world["anon"], "POST", "/api/dashboards", trusted_headers(world, "/api/dashboards", "POST"),
               {"title": "From the wiki"})
    assert res.status_int == 201
    res = send(world["anon"], "GET", "/api/admin/users", trusted_headers(world, "/api/admin/users", "GET", "root"))
    assert_problem(res, "permission_denied")


def _revoke(world):
    page = world["alice"].app.get("/tokens")
    tid = page.html.select_one("form[action*='/revoke']")["action"].split("/tokens/")[1].split("/")[0]
    world["alice"].form_post(f"/tokens/{tid}/revoke")


@pytest.mark.parametrize("problem", PROBLEMS)
def test_every_refusal_of_a_signed_request_says_why(world, problem):
    path, method, kw = "/api/me", "GET", {}
    if problem == "timestamp_refused":
        kw = {"timestamp": str(int(time.time()) - 3600)}
    elif problem == "signature_invalid":
        kw = {"token_secret": "not the token's secret"}
    elif problem == "signature_method_rejected":
        kw = {"signature_method": SIGNATURE_RSA, "rsa_key": rsa_pair()[0]}
    elif problem == "token_rejected":
        kw = {"token": "Z" * 32}
    elif problem == "consumer_key_unknown":
        kw = {"consumer": "nobody:1"}
    elif problem == "permission_denied":
        path, method = "/api/dashboards", "POST"
    elif problem == "token_revoked":
        _revoke(world)
    elif problem == "token_expired":
        with app_root_of(world["app"]) as root:
            root["oauth_tokens"][TOKENS["alice"][0]].expires = time.time() - 1
    headers = oauth_headers(path, method, **kw)
    if problem == "nonce_used":
        assert send(world["anon"], method, path, headers).status_int == 200
    res = send(world["anon"], method, path, headers, {"title": "x"} if method == "POST" else None)
    assert_problem(res, problem)


def test_a_disabled_users_token_is_refused(world):
    with app_root_of(world["app"]) as root:
        root.users["alice"].disabled = True
    assert_problem(send(world["anon"], "GET", "/api/me", oauth_headers("/api/me")), "permission_denied")


def test_a_badly_signed_request_records_no_nonce(world):
    """Only a request whose signature verifies takes a nonce: nobody fills the store, and a replay is a replay."""
    headers = oauth_headers("/api/me", token_secret="wrong")
    assert_problem(send(world["anon"], "GET", "/api/me", headers), "signature_invalid")
    with app_root_of(world["app"]) as root:
        assert len(root["oauth_nonces"]) == 0


def _variants(signature):
    """Spellings of the same bytes that lenient base64 decoders accept."""
    raw = base64.b64decode(signature)
    yield signature[:10] + "\n" + signature[10:]
    yield signature + "=="
    yield signature.rstrip("=")
    yield signature[:20] + "!" + signature[20:]
    yield " " + signature
    yield base64.urlsafe_b64encode(raw).decode()
    yield signature.replace("=", "%3D")


def test_a_trusted_signature_is_accepted_in_one_spelling_only_and_once(world):
    path = "/api/me"
    for _attempt in range(20):  # until the signature has '+' or '/', so the URL-safe spelling differs
        headers = trusted_headers(world, path)
        if set("+/") & set(headers["X-Trusted-App-Signature"]):
            break
    for variant in _variants(headers["X-Trusted-App-Signature"]):
        assert variant != headers["X-Trusted-App-Signature"]
        res = send(world["anon"], "GET", path, {**headers, "X-Trusted-App-Signature": variant})
        assert_problem(res, "signature_invalid")
    assert send(world["anon"], "GET", path, headers).json["name"] == "alice"
    for variant in [headers["X-Trusted-App-Signature"], *_variants(headers["X-Trusted-App-Signature"])]:
        res = send(world["anon"], "GET", path, {**headers, "X-Trusted-App-Signature": variant})
        assert res.status_int == 401, variant


@pytest.mark.parametrize("problem, change", [
    ("consumer_key_unknown", {"X-Trusted-App-Id": "nobody"}),
    ("timestamp_refused", "old"),
    ("permission_denied", "path"),
])
def test_trusted_refusals_say_why(world, problem, change):
    path = "/api/me"
    if change == "old":
        headers = trusted.signed_headers(world["trusted_key"], "wiki:1", "GET", "http://localhost" + path, "alice",
                                         now=time.time() - 120)
    else:
        headers = trusted_headers(world, path)
        if change == "path":
            with app_root_of(world["app"]) as root:
                root["trusted_apps"]["wiki:1"].path_patterns = ["/api/dashboards*"]
        else:
            headers.update(change)
    assert_problem(send(world["anon"], "GET", path, headers), problem)
