"""Every route, with every method, given malformed or hostile input, answers with a 4xx (or a redirect, or the page
it serves anyway) and never with a server error: bad input gets a reason, not a 500."""
import json
import re

import pytest
from pyramid.interfaces import IRoutesMapper

from dashboard.testing import PASSWORD, Client, app_root_of

JSON_BODIES = [[], "x", 123, None, {"title": ["x"]}, {"layout": {"a": 1}}, {"column": "9" * 30, "position": -1},
               {"gadget": None, "prefs": "x"}, {"gadget": "clock", "prefs": {"tz": ["x"]}, "column": 1.5},
               {"minimized": "yes", "connection": 7}, {"fetch_allow_hosts": "127.0.0.1"}, {"\u0000": "\ud7ff" * 50},
               {"order": ["nope", None]}, {"enabled": [], "client_id": {}}]
#: Every field the JSON API reads, alone, as an object and as a list (neither may be used as a key, nor as text).
API_FIELDS = ("title", "layout", "position", "column", "gadget", "prefs", "minimized", "columns", "fetch_allow_hosts",
              "access_token_lifetime_days", "scope", "connection")
JSON_BODIES += [{field: value} for field in API_FIELDS for value in ({"x": 1}, [[1]])]
FORM_BODIES = [{}, {"title": "\x00"}, {"layout": "ZZZ", "column": "abc", "position": "-9"}, {"direction": "sideways"},
               {"connection": ""}, {"action": "explode"}, {"enabled": "on", "client_id": "x" * 5000},
               {"gadget": "clock", "column": "99"}, {"url": "not a url"}, {"url": "file:///etc/passwd"},
               {"name": "", "public_key": "-----BEGIN nonsense"}, {"oauth_token": "forged", "authorize": "1"}]
QUERIES = ["", "error=%ff%fe", "st=forged&path=../../x", "q=%00&category=%ff", "user=<script>&provider=[]",
           "d=&i=", "limit=-1&offset=x", "removed=nope", "oauth_token=x&oauth_verifier=y", "code=x&state=y",
           "dashboard=nope", "view=canvas&x=" + "y" * 3000]


#: A malformed OAuth 1.0a Authorization header and malformed trusted-application headers.
OAUTH_HEADER = 'OAuth oauth_consumer_key="x", oauth_signature="%ZZ", oauth_nonce=, realm'
TRUSTED_HEADERS = {"HTTP_X_TRUSTED_APP_ID": "nope", "HTTP_X_TRUSTED_APP_IDENTITY": "v1;ts=x;exp=;user=%ff",
                   "HTTP_X_TRUSTED_APP_SIGNATURE": "not base64!"}


def path_values(did, iid):
    """Values for each path parameter: real ids where the route has them, and hostile ones."""
    return {"did": [did, "nope", "%2e%2e"], "iid": [iid, "nope"], "gid": ["clock", "nope"],
            "provider": ["github", "jira", "nope"], "pid": ["github", "nope"], "name": ["clock", "nope"],
            "cid": ["nope"], "tid": ["nope"], "key": ["nope"], "app_id": ["nope"]}


def expand(pattern, values):
    """Every URL path the pattern gives with those values (a regex-constrained parameter takes its alternatives)."""
    names = re.findall(r"{(\w+)(?::([^}]+))?}", pattern)
    paths = ["/" + pattern.lstrip("/")]  # plugin routes carry their prefix without the leading slash
    for name, regex in names:
        options = regex.split("|") if regex else values[name]
        paths = [re.sub(r"{%s(?::[^}]+)?}" % name, option, p, count=1) for p in paths for option in options]
    return paths


@pytest.fixture
def clients(dashboard_app, make_user):
    make_user("alice")
    make_user("root", admin=True)
    user, admin = Client(dashboard_app), Client(dashboard_app)
    user.login("alice")
    admin.login("root")
    return user, admin


@pytest.fixture(autouse=True)
def providers_at_a_closed_port(monkeypatch):
    # nothing may leave this machine: providers point at a port where nobody listens
    for name in ("DASHBOARD_GITHUB_URL", "DASHBOARD_JIRA_URL", "DASHBOARD_CONFLUENCE_URL"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")


def test_no_input_makes_any_route_fail_with_a_server_error(dashboard_app, clients, caplog):
    user, admin = clients
    patterns = [r.pattern for r in dashboard_app.registry.getUtility(IRoutesMapper).get_routes()
                if not r.pattern.startswith("/static") and "*" not in r.pattern]
    assert len(patterns) > 40
    failures = []
    for pattern in patterns:
        # a dashboard and a gadget for the ids in paths (made again when a request before removed them)
        dashboards = user.get_json("/api/dashboards")["dashboards"]
        did = dashboards[0]["id"] if dashboards else user.post_json("/api/dashboards", {"title": "D"})["id"]
        columns = user.get_json(f"/api/dashboards/{did}")["columns"]
        instances = [i for col in columns for i in col]
        iid = instances[0]["id"] if instances else \
            user.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})["id"]
        for path in expand(pattern, path_values(did, iid)):
            for client in (user, admin):
                for query in QUERIES[:4] if "{" in pattern else QUERIES:
                    url = path + ("?" + query if query else "")
                    tried = [("GET", client.app.get, {}), ("DELETE", client.app.delete, {}),
                             ("GET signed", client.app.get, {"extra_environ": {"HTTP_AUTHORIZATION": OAUTH_HEADER}}),
                             ("GET trusted", client.app.get, {"extra_environ": TRUSTED_HEADERS})]
                    # bodies with the plain URL only: each query is tried with one form body
                    for body in FORM_BODIES if not query else FORM_BODIES[:1]:
                        tried.append(("POST form", client.app.post, {"params": {"csrf_token": client.csrf, **body}}))
                    # every JSON body where the JSON API reads them; elsewhere a few
                    for body in (JSON_BODIES if pattern.startswith("/api") else JSON_BODIES[:4]) if not query else []:
                        for method, call in (("POST", client.app.post), ("PATCH", client.app.patch),
                                             ("PUT", client.app.put)):
                            tried.append((f"{method} json", call, {"params": json.dumps(body),
                                                                   "content_type": "application/json"}))
                    for method, call, kw in tried:
                        res = call(url, headers={"X-CSRF-Token": client.csrf}, status="*", expect_errors=True, **kw)
                        if res.status_int >= 500:
                            failures.append(f"{method} {url} -> {res.status_int}")
                # a request may have logged the client out: log in again, so every route is tried logged in
                if client.app.get("/api/me", status="*", expect_errors=True).status_int != 200:
                    client.login("alice" if client is user else "root")
    assert failures == [], "\n".join(failures)
    assert "unhandled error" not in caplog.text
    with app_root_of(dashboard_app) as root:
        assert "alice" in root.users and "root" in root.users


@pytest.mark.parametrize("url", ["/directory?q=%ff", "/d/x?error=%c3%28", "/login?next=%ff"])
def test_parameters_that_are_not_utf8_are_refused_with_the_reason(user_client, url):
    res = user_client.app.get(url, status=400)
    assert "not valid UTF-8" in res.text



@pytest.mark.parametrize("path", ["/d/\xff", "/api/dashboards/\xc3\x28", "/frame/\xff/x"])
def test_a_path_that_is_not_utf8_is_refused(dashboard_app, path):
    """(Straight through WSGI: a client library would refuse to send such a path.)"""
    import io

    status = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "HTTP_HOST": "localhost", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
               "wsgi.errors": io.StringIO(), "SERVER_PROTOCOL": "HTTP/1.1", "SCRIPT_NAME": ""}
    b"".join(dashboard_app(environ, lambda s, headers, exc_info=None: status.append(s)))
    assert status[0].startswith("400"), status


@pytest.mark.parametrize("next_", ["/d/x\r\nSet-Cookie: a=b", "/\nx", "/x\x00y", "/\\evil.example", "/x\x7f"])
def test_a_next_address_with_control_characters_goes_home(dashboard_app, make_user, next_):
    make_user("alice")
    client = Client(dashboard_app)
    client.refresh_csrf()
    res = client.app.post("/login", {"name": "alice", "password": PASSWORD, "csrf_token": client.csrf,
                                     "next": next_}, status=303)
    assert res.location == "http://localhost/"
    assert client.app.get("/login", params={"next": next_}, status=303).location == "http://localhost/"


def test_deeply_nested_json_is_refused_with_the_reason(user_client):
    for depth in (30, 30_000):  # under the recursion limit, and over it (still under the size limit)
        body = "[" * depth + "]" * depth
        res = user_client.app.post("/api/dashboards", body.join(['{"title": "x", "layout": ', "}"]),
                                   content_type="application/json", headers={"X-CSRF-Token": user_client.csrf},
                                   status=400)
        assert "nests deeper" in res.json["error"]


@pytest.mark.parametrize("field", ["title", "prefs"])
def test_lone_surrogates_are_refused_and_every_page_still_works(user_client, field):
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})
    raw = '{"title": "a\\ud800b"}' if field == "title" else '{"prefs": {"text": "x\\udfff"}}'
    url = f"/api/dashboards/{did}" if field == "title" else f"/api/dashboards/{did}/gadgets/{inst['id']}"
    res = user_client.app.patch(url, raw, content_type="application/json",
                                headers={"X-CSRF-Token": user_client.csrf}, status=400)
    assert "lone surrogate" in res.json["error"]
    for page in ("/", f"/d/{did}", "/api/dashboards", f"/api/dashboards/{did}"):
        user_client.app.get(page, status=(200, 303))


def test_a_multipart_form_without_a_boundary_is_refused(user_client):
    res = user_client.app.request("/dashboards/new", method="POST", body=b"title=x", status=400,
                                  headers={"Content-Type": "multipart/form-data", "X-CSRF-Token": user_client.csrf})
    assert "boundary" in res.text


@pytest.mark.parametrize("charset", ["utf-16", "latin-1", "nonsense"])
def test_a_form_in_another_charset_is_refused(user_client, charset):
    res = user_client.app.post("/dashboards/new", "title=x".encode("utf-16" if charset == "utf-16" else "ascii"),
                               content_type=f"application/x-www-form-urlencoded; charset={charset}",
                               headers={"X-CSRF-Token": user_client.csrf}, status=415)
    assert "UTF-8" in res.text

