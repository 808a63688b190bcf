"""Owner and viewer on shared dashboards (issue 14): on a dashboard shared read-only with bob, a spec gadget's owner is
alice (whose dashboard it is) and its viewer bob, in OpenSocial signed fetch (checked by a real upstream on 127.0.0.1
that verifies the RSA-SHA1 signature) and in osapi and opensocial-0.9 (in real Chromium); on one's own dashboard the
owner is the viewer."""
import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from browserkit import chromium  # noqa: F401
from dashboard.specs import url_gadget_id
from dashboard.testing import LiveServer, app_root_of
from httpserver import Upstream
from livehelpers import log_in
from specworld import spec_app

PEOPLE = b"""<?xml version="1.0"?><Module><ModulePrefs title="People">
<Require feature="osapi"/><Require feature="opensocial-0.9"/></ModulePrefs>
<Content type="html"><![CDATA[<pre id="out"></pre><script>
var out = {};
function done(key, value) {
  out[key] = value;
  if (Object.keys(out).length === 5) { document.getElementById("out").textContent = JSON.stringify(out); }
}
function who(p) { return [p.id, p.isOwner, p.isViewer]; }
osapi.people.getOwner().execute(function (p) { done("osapiOwner", who(p)); });
osapi.people.getViewer().execute(function (p) { done("osapiViewer", who(p)); });
osapi.people.get({userId: "@owner"}).execute(function (p) { done("osapiGetOwner", p.id); });
var req = opensocial.newDataRequest();
req.add(req.newFetchPersonRequest(opensocial.IdSpec.PersonId.OWNER), "owner");
req.add(req.newFetchPersonRequest(opensocial.IdSpec.PersonId.VIEWER), "viewer");
req.send(function (r) {
  var o = r.get("owner").getData(), v = r.get("viewer").getData();
  done("opensocial", [o.getId(), o.isOwner(), o.isViewer(), v.getId(), v.isOwner(), v.isViewer()]);
});
gadgets.io.makeRequest("signed", function (r) { done("signed", r.data); },
                       {AUTHORIZATION: "SIGNED", CONTENT_TYPE: "JSON"});
</script>]]></Content></Module>"""
PROXIED = b"""<Module><ModulePrefs title="Signed content"/>
<Content type="html" href="signed" authz="signed"/></Module>"""


@pytest.fixture
def world(dashboard_settings):
    """alice (an administrator) added the People spec URL and shares a dashboard holding it with bob."""
    from dashboard.operations import share_dashboard

    seen = []

    def signed(handler):
        seen.append(handler.path)
        params = dict(parse_qsl(urlsplit(handler.path).query))
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"owner": params.get("opensocial_owner_id"), "viewer": params.get("opensocial_viewer_id")}).encode()

    specs = Upstream({"/people.xml": (200, {}, PEOPLE), "/proxied.xml": (200, {}, PROXIED), "/signed": signed})
    app, clients = spec_app(dashboard_settings)
    alice, bob = clients["alice"], clients["bob"]
    for name in ("people", "proxied"):
        assert alice.form_post("/admin/specs", {"action": "add", "url": f"{specs.url}/{name}.xml"}).status_int == 303
    did = alice.get_json("/api/dashboards")["dashboards"][0]["id"]
    for name in ("people", "proxied"):
        alice.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": url_gadget_id(f"{specs.url}/{name}.xml")})
    with app_root_of(app) as root:
        share_dashboard(root, root.users["alice"], root.users["alice"].dashboards[did], users=["bob"])
    live = LiveServer(app)
    yield app, live, specs, seen, did, alice, bob
    live.stop()
    specs.close()
    app.registry._zodb_databases[""].close()


def verified_params(app, specs, path):
    """The query of a signed request the upstream received, once its RSA-SHA1 signature is checked with the
    server's public key."""
    from oauthlib.common import Request
    from oauthlib.oauth1.rfc5849 import signature

    with app_root_of(app) as root:
        public_key = root.settings["consumer_public_key"]
    params = dict(parse_qsl(urlsplit(path).query))
    request = Request(specs.url + path, http_method="GET")
    request.params = [(k, v) for k, v in parse_qsl(urlsplit(path).query) if k != "oauth_signature"]
    request.signature = params["oauth_signature"]
    assert signature.verify_rsa_sha1(request, public_key)
    return params


def test_signed_fetch_names_the_dashboards_owner_and_the_viewer(world):
    app, live, specs, seen, did, alice, bob = world
    people = url_gadget_id(f"{specs.url}/people.xml")
    frames = {i["gadget"]: i["frame_url"] for column in bob.get_json(f"/api/shared/alice/{did}")["columns"]
              for i in column}
    own = {i["gadget"]: i["frame_url"] for column in alice.get_json(f"/api/dashboards/{did}")["columns"]
           for i in column}
    # makeRequest with AUTHORIZATION SIGNED, through the proxy with the viewer's frame token
    for client, frame_url, owner, viewer in ((bob, frames[people], "alice", "bob"),
                                             (alice, own[people], "alice", "alice")):
        st = dict(parse_qsl(urlsplit(frame_url).query))["st"]
        inst = urlsplit(frame_url).path.rsplit("/", 1)[1]
        got = client.app.get(f"/proxy/{did}/{inst}", params={"st": st, "path": specs.url + "/signed",
                                                             "authz": "signed"}, status="*")
        assert got.status_int == 200, got.text
        assert got.json == {"owner": owner, "viewer": viewer}
        params = verified_params(app, specs, seen[-1])
        assert (params["opensocial_owner_id"], params["opensocial_viewer_id"]) == (owner, viewer)
        assert params["opensocial_app_url"] == f"{specs.url}/people.xml"
    # proxied content with authz="signed", shown in the viewer's frame
    proxied = bob.app.get(frames[url_gadget_id(f"{specs.url}/proxied.xml")])
    assert '{"owner": "alice", "viewer": "bob"}' in proxied.text
    params = verified_params(app, specs, seen[-1])
    assert (params["opensocial_owner_id"], params["opensocial_viewer_id"]) == ("alice", "bob")


@pytest.mark.parametrize("viewer", ["bob", "alice"])
def test_osapi_and_opensocial_name_the_owner_and_the_viewer_in_chromium(world, chromium, viewer):  # noqa: F811
    app, live, specs, seen, did, alice, bob = world
    context = chromium.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live.url, viewer)
    page.goto(f"{live.url}/u/alice/d/{did}" if viewer == "bob" else f"{live.url}/d/{did}")
    handle = page.locator("article.gadget:has(h2:has-text('People')) iframe").element_handle()
    frame = handle.content_frame()
    frame.wait_for_function("() => document.getElementById('out').textContent.startsWith('{')", timeout=20000)
    out = json.loads(frame.locator("#out").inner_text())
    own = viewer == "alice"
    assert out == {"osapiOwner": ["alice", True, own], "osapiViewer": [viewer, own, True], "osapiGetOwner": "alice",
                   "opensocial": ["alice", True, own, viewer, own, True],
                   "signed": {"owner": "alice", "viewer": viewer}}
    verified_params(app, specs, seen[-1])
    assert errors == []
    context.close()
