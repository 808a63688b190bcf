"""gadgets.io.makeRequest as Shindig has it (issue 14): REFRESH_INTERVAL sets how long the data cache keeps that
answer (0: not kept; within the cache's bounds), and METHOD PUT, DELETE and HEAD reach the upstream, signed too,
through the SSRF-safe fetcher. The proxy is called as io.js calls it (tests/test_features.py's probe runs io.js in
Chromium); the upstream is a real server on 127.0.0.1 that records every request."""
import json
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from dashboard.specs import url_gadget_id
from dashboard.testing import app_root_of
from httpserver import Upstream
from specworld import spec_app

SPEC = b"""<Module><ModulePrefs title="Requests"/><Content><![CDATA[<p>requests</p>]]></Content></Module>"""


def _world(settings):
    seen = []

    def record(handler):
        if handler.command == "HEAD":
            seen.append({"method": "HEAD", "path": handler.path})
            return 200, {"Content-Length": "0"}, b""
        seen.append({"method": handler.command, "path": handler.path, "body": handler.body().decode(),
                     "type": handler.headers.get("Content-Type")})
        if handler.path.startswith("/broken"):
            return 500, {"Content-Type": "text/plain"}, b"down"
        return 200, {"Content-Type": "text/plain"}, f"{handler.command} call {len(seen)}".encode()

    upstream = Upstream({"/spec.xml": (200, {}, SPEC), "/data": record, "/broken": record, "/signed": record})
    app, clients = spec_app(settings)
    spec_url = upstream.url + "/spec.xml"
    assert clients["alice"].form_post("/admin/specs", {"action": "add", "url": spec_url}).status_int == 303
    frames = {}
    for name, client in clients.items():
        did = client.get_json("/api/dashboards")["dashboards"][0]["id"]
        inst = client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": url_gadget_id(spec_url)})
        frames[name] = (client, f"/proxy/{did}/{inst['id']}", dict(parse_qsl(urlsplit(inst["frame_url"]).query))["st"])
    return app, upstream, seen, frames


@pytest.fixture
def world(dashboard_settings):
    app, upstream, seen, frames = _world(dashboard_settings)
    yield app, upstream, seen, frames
    upstream.close()
    app.registry._zodb_databases[""].close()


def call(frames, who, path, authz="none", method="GET", body=None, refresh=None, content_type=None):
    """The proxy request io.js makes for makeRequest(path, callback, {METHOD, POST_DATA, AUTHORIZATION,
    REFRESH_INTERVAL})."""
    client, proxy, st = frames[who]
    query = {"st": st, "path": path, "authz": authz}
    if method != "GET":
        query["headers"] = json.dumps({"method": method, **({"Content-Type": content_type} if content_type else {})})
    if refresh is not None:
        query["refresh"] = str(refresh)
    url = proxy + "?" + urlencode(query)
    if body is not None:
        return client.app.post(url, body, headers={"Content-Type": "text/plain"}, status="*")
    return client.app.get(url, status="*")


def test_refresh_interval_sets_how_long_an_answer_is_kept(world):
    app, upstream, seen, frames = world
    data = upstream.url + "/data"
    first = call(frames, "alice", data, refresh=1)
    assert first.status_int == 200 and first.text == "GET call 1"
    assert call(frames, "alice", data, refresh=1).text == "GET call 1"  # kept
    assert call(frames, "bob", data, refresh=1).text == "GET call 1"  # no credential: the same answer for anyone
    assert len(seen) == 1
    time.sleep(1.2)  # past the interval: fetched again
    assert call(frames, "alice", data, refresh=1).text == "GET call 2"
    # 0: never kept; no REFRESH_INTERVAL: the gadget's own rules (a spec gadget keeps nothing)
    assert [call(frames, "alice", data, refresh=0).text for _ in range(2)] == ["GET call 3", "GET call 4"]
    assert call(frames, "alice", data).text == "GET call 5" and call(frames, "alice", data).text == "GET call 6"
    # a longer interval than a day is cut to a day (still kept); one that is not a number is refused
    assert call(frames, "alice", data + "?long", refresh=10 ** 9).text == "GET call 7"
    assert call(frames, "alice", data + "?long", refresh=10 ** 9).text == "GET call 7"
    refused = call(frames, "alice", data, refresh="soon")
    assert refused.status_int == 403 and "REFRESH_INTERVAL" in refused.json["error"] and len(seen) == 7
    # error answers are not kept
    assert [call(frames, "alice", upstream.url + "/broken", refresh=60).status_int for _ in range(2)] == [500, 500]
    assert len(seen) == 9
    # signed answers are kept for each viewer apart (their names are in the request)
    signed = upstream.url + "/signed"
    assert call(frames, "alice", signed, authz="signed", refresh=60).text == "GET call 10"
    assert call(frames, "alice", signed, authz="signed", refresh=60).text == "GET call 10"
    assert call(frames, "bob", signed, authz="signed", refresh=60).text == "GET call 11"
    # a POST is never kept
    assert [call(frames, "alice", data, method="POST", body="a=1", refresh=60).text for _ in range(2)] == [
        "POST call 12", "POST call 13"]


def test_refresh_interval_stays_within_the_data_cache_bounds(dashboard_settings):
    app, upstream, seen, frames = _world({**dashboard_settings, "dashboard.data_cache_entries": "0"})
    try:
        data = upstream.url + "/data"
        assert [call(frames, "alice", data, refresh=60).text for _ in range(2)] == ["GET call 1", "GET call 2"]
    finally:
        upstream.close()
        app.registry._zodb_databases[""].close()


def test_put_delete_and_head_reach_the_upstream_signed_too(world):
    app, upstream, seen, frames = world
    data, signed = upstream.url + "/data", upstream.url + "/signed"
    got = call(frames, "alice", data, method="PUT", body="name=x", content_type="application/x-www-form-urlencoded")
    assert got.status_int == 200 and got.text == "PUT call 1"
    assert seen[-1] == {"method": "PUT", "path": "/data", "body": "name=x", "type": "application/x-www-form-urlencoded"}
    assert call(frames, "alice", data, method="DELETE").text == "DELETE call 2" and seen[-1]["method"] == "DELETE"
    head = call(frames, "alice", data, method="HEAD")
    assert head.status_int == 200 and head.body == b"" and seen[-1] == {"method": "HEAD", "path": "/data"}
    # still the SSRF-safe fetcher: a host the administrator did not allow is refused for these methods too
    with app_root_of(app) as root:
        root.settings["fetch_allow_hosts"] = ()
    assert call(frames, "alice", data, method="DELETE").status_int == 502 and len(seen) == 3
    with app_root_of(app) as root:
        root.settings["fetch_allow_hosts"] = ("127.0.0.1",)
    # signed PUT with a form body: the body's parameters are signed too; signed DELETE
    from oauthlib.common import Request
    from oauthlib.oauth1.rfc5849 import signature

    with app_root_of(app) as root:
        public_key = root.settings["consumer_public_key"]
    for method, body in (("PUT", "title=New+title&n=2"), ("DELETE", None)):
        got = call(frames, "bob", signed, authz="signed", method=method, body=body,
                   content_type="application/x-www-form-urlencoded" if body else None)
        assert got.status_int == 200, got.text
        sent = seen[-1]
        assert sent["method"] == method
        query = parse_qsl(urlsplit(sent["path"]).query)
        params = dict(query)
        assert params["opensocial_viewer_id"] == "bob" and params["oauth_signature_method"] == "RSA-SHA1"
        request = Request(upstream.url + sent["path"], http_method=method)
        request.params = [(k, v) for k, v in query if k != "oauth_signature"] + parse_qsl(sent["body"] or "")
        request.signature = params["oauth_signature"]
        assert signature.verify_rsa_sha1(request, public_key)
        if body:  # the body is part of what was signed: another body does not verify
            request.params = [(k, v) for k, v in query if k != "oauth_signature"] + [("title", "Forged")]
            assert not signature.verify_rsa_sha1(request, public_key)
    # a method makeRequest does not have is refused
    assert call(frames, "alice", data, method="PATCH").status_int == 400


def test_a_signed_request_cannot_name_its_own_viewer_owner_or_oauth_parameters(world):
    """Only the server says who the viewer and owner are (as Shindig's SigningFetcher): a gadget (or a user with its
    frame) that puts opensocial_*, oauth_* or xoauth_* parameters in the URL or the form body is refused, and the
    upstream never gets a signed request naming someone else."""
    app, upstream, seen, frames = world
    signed = upstream.url + "/signed"
    for path, body in ((signed + "?opensocial_viewer_id=alice", None), (signed + "?OAuth_Token=x", None),
                       (signed + "?xoauth_requestor_id=alice", None),
                       (signed, "opensocial_viewer_id=alice&opensocial_owner_id=alice")):
        got = call(frames, "bob", path, authz="signed", method="POST" if body else "GET", body=body,
                   content_type="application/x-www-form-urlencoded" if body else None)
        assert got.status_int == 403 and "may not name" in got.json["error"], got.text
    assert seen == []
    assert call(frames, "bob", signed + "?q=1", authz="signed").status_int == 200  # other parameters are fine


def test_one_users_request_does_not_decide_what_another_gets_from_the_cache(world):
    """A GET carries no body (one made with a body would be kept under the same key as a plain one), and the headers a
    gadget sets are part of the key."""
    app, upstream, seen, frames = world
    data = upstream.url + "/data"
    client, proxy, st = frames["bob"]
    query = {"st": st, "path": data, "authz": "none", "refresh": "600",
             "headers": json.dumps({"method": "GET", "Accept": "text/evil"})}
    assert client.app.post(proxy + "?" + urlencode(query), "attacker chosen body",
                           headers={"Content-Type": "text/plain"}).text == "GET call 1"
    assert seen[-1]["body"] == "" and seen[-1]["method"] == "GET"
    assert call(frames, "alice", data, refresh=60).text == "GET call 2"  # not bob's answer: other headers
    assert call(frames, "bob", data, refresh=60).text == "GET call 2"  # the same request: kept, shared
