"""Gadgets from OpenSocial spec files: real-world shapes render with their preferences; malformed and hostile specs
are refused with their reason and never a 500."""
from pathlib import Path

import pytest

from dashboard.specs import Spec, SpecError, gadget_from_spec, load_directory, parse_spec
from dashboard.testing import Client, app_root_of

ROOT = Path(__file__).resolve().parent.parent
SPECS = Path(__file__).resolve().parent / "specs"


@pytest.fixture
def spec_client(dashboard_settings, tmp_path):
    from dashboard import main
    from dashboard.models import User

    directory = tmp_path / "gadgets"
    directory.mkdir()
    for source in list((ROOT / "gadgets").glob("*.xml")) + list(SPECS.glob("*.xml")):
        (directory / source.name).write_bytes(source.read_bytes())
    (directory / "bundles").mkdir()
    for source in (SPECS / "bundles").glob("*.xml"):
        (directory / "bundles" / source.name).write_bytes(source.read_bytes())
    (directory / "broken.xml").write_bytes(b"<Module><ModulePrefs title='x'/></Module>")
    (directory / "escapes.xml").write_bytes(b"<Module><ModulePrefs title='x'><Locale messages='../../etc/passwd'/>"
                                            b"</ModulePrefs><Content>x</Content></Module>")
    app = main({}, **{**dashboard_settings, "dashboard.gadgets_dir": str(directory)})
    with app_root_of(app) as root:
        root.add_user(User("alice", "correct horse battery staple", is_admin=True))
    client = Client(app)
    client.login("alice")
    yield client
    app.registry._zodb_databases[""].close()


def test_spec_gadgets_are_in_the_directory_and_render_with_prefs(spec_client):
    ids = {g["id"]: g for g in spec_client.get_json("/api/gadgets")["gadgets"]}
    assert ids["spec.hello"]["title"] == "Hello (spec gadget)" and ids["spec.hello"]["category"] == "Getting started"
    did = spec_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = spec_client.post_json(f"/api/dashboards/{did}/gadgets",
                                 {"gadget": "spec.hello", "prefs": {"who": "<Ann>", "colour": "darkred"}})
    frame = spec_client.get(inst["frame_url"]).text
    # __MODULE_ID__ is an integer, as OpenSocial's module ids are (gadgets use it in names and numbers)
    module_id = Spec.module_id(inst["id"])
    assert "Hello, <strong>&lt;Ann&gt;</strong>!" in frame and f'id="hello_{module_id}"' in frame
    assert isinstance(module_id, int) and 0 < module_id < 2 ** 53
    assert 'class="hello-darkred"' in frame
    err = spec_client.post_json(f"/api/dashboards/{did}/gadgets",
                                {"gadget": "spec.hello", "prefs": {"colour": "pink"}}, status=400)["error"]
    assert "Colour must be one of" in err


def test_list_bool_number_hidden_prefs(spec_client):
    did = spec_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = spec_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "spec.todo"})
    frame = spec_client.get(inst["frame_url"]).text
    assert 'data-items="milk|bread" data-done="false" data-max="5"' in frame
    link = spec_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "spec.link"})
    assert "https://gadgets.example.org/g.html?up_q=a+b" in spec_client.get(link["frame_url"]).text


def test_unusable_specs_are_reported_by_file(spec_client):
    plugin = {p["name"]: p for p in spec_client.get_json("/api/admin/plugins")["plugins"]}["gadgets-dir"]
    assert "broken.xml: the spec has no Content" in plugin["errors"]
    assert any("needs_unknown.xml" in e and "opensocial-templates" in e for e in plugin["errors"])


HOSTILE = {
    "xxe": (b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<Module><ModulePrefs title="&x;"/><Content>y</Content></Module>', "DTD or entities"),
    "billion laughs": (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
                       b'<Module><ModulePrefs title="&b;"/><Content>y</Content></Module>', "DTD or entities"),
    "10 MB": (b"<Module>" + b" " * (10 * 1024 * 1024) + b"</Module>", "larger than"),
    "wrong root": (b"<Gadget><ModulePrefs title='x'/></Gadget>", "root element must be Module"),
    "missing Content": (b"<Module><ModulePrefs title='x'/></Module>", "has no Content"),
    "unknown required feature": (b"<Module><ModulePrefs title='x'><Require feature='teleport'/></ModulePrefs>"
                                 b"<Content>y</Content></Module>", "requires features this container does not "
                                                                   "provide: teleport"),
    "not XML": (b"<Module><ModulePrefs", "not well-formed"),
    "bad datatype": (b"<Module><ModulePrefs title='x'/><UserPref name='a' datatype='colour'/><Content>y</Content>"
                     b"</Module>", "unknown datatype"),
    "javascript url": (b"<Module><ModulePrefs title='x'/><Content type='url' href='javascript:alert(1)'/></Module>",
                       "http(s) href"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_malformed_and_hostile_specs_are_refused_with_a_reason(name):
    data, reason = HOSTILE[name]
    with pytest.raises(SpecError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_spec(data)


def test_real_files_leniencies():
    """What real spec files do and containers accepted: whitespace before the declaration, no title, a required
    preference without a default, APIs used without asking for their feature."""
    spec = parse_spec(b"\n  <?xml version='1.0'?><Module><ModulePrefs title=''/><UserPref name='who' required='true'/>"
                      b"<Content><![CDATA[<script>gadgets.pubsub.subscribe('x', function () {});</script>]]></Content>"
                      b"</Module>", url="https://example.org/g/hello.xml")
    assert spec.title == "hello" and spec.prefs[0].required is False and "pubsub" in spec.features
    assert parse_spec(b"<Module><ModulePrefs/><Content>y</Content></Module>").title == "Untitled gadget"
    with pytest.raises(SpecError, match=r"uses APIs this container does not provide: gadgets.flash.embedFlash \(feature flash\); "
                                        r"opensocial.requestSendMessage, .newUpdatePersonAppDataRequest\(\) "
                                        r"\(opensocial activities, app data or messages\)$"):
        parse_spec(b"<Module><ModulePrefs title='x'/><Content>opensocial.requestSendMessage(); gadgets.flash.embedFlash(); "
                   b"req.newUpdatePersonAppDataRequest('VIEWER', 'k', 1)"
                   b"</Content></Module>")


def test_bundled_spec_files_all_load():
    gadgets, providers, errors = load_directory(ROOT / "gadgets")
    assert errors == {} and [g.id for g in gadgets] == ["spec.hello"]
    assert gadget_from_spec(parse_spec((ROOT / "gadgets" / "hello.xml").read_bytes()), "x").height == 90


@pytest.fixture
def spec_server():
    from httpserver import Upstream

    hello = (ROOT / "gadgets" / "hello.xml").read_bytes()
    server = Upstream({"/hello.xml": (200, {"Content-Type": "application/xml"}, hello),
                       "/bomb.xml": (200, {}, HOSTILE["billion laughs"][0])})
    server.routes["/moved.xml"] = (302, {"Location": "http://127.0.0.1:1/latest/meta-data"}, b"")
    yield server
    server.close()


def specs_post(client, **data):
    return client.app.post("/admin/specs", {"csrf_token": client.csrf, **data}, status="*")


def test_spec_urls(admin_client, user_client, spec_server):
    url = spec_server.url + "/hello.xml"
    res = specs_post(admin_client, action="add", url=url)
    assert res.status_int == 400 and "is not among the hosts gadget specs may come from" in res.text
    specs_post(admin_client, action="hosts", spec_allow_hosts="127.0.0.1")
    res = specs_post(admin_client, action="add", url=url)
    assert res.status_int == 400 and "private or local" in res.text  # loopback also needs the fetch allowlist
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    assert specs_post(admin_client, action="add", url=url).status_int == 303
    gadget = next(g for g in user_client.get_json("/api/gadgets")["gadgets"] if g["id"].startswith("url."))
    assert gadget["title"] == "Hello (spec gadget)"
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": gadget["id"], "prefs": {"who": "Bo"}})
    assert "Hello, <strong>Bo</strong>!" in user_client.get(inst["frame_url"]).text
    # the upstream changes; a manual refresh picks it up
    spec_server.routes["/hello.xml"] = (200, {}, (ROOT / "gadgets" / "hello.xml").read_bytes().replace(
        b"<msg name=\"greeting\">Hello</msg>", b"<msg name=\"greeting\">Howdy</msg>"))
    specs_post(admin_client, action="refresh", url=url)
    assert "Howdy, <strong>Bo</strong>!" in user_client.get(inst["frame_url"]).text
    # a refresh that fails keeps the last good copy and says why
    spec_server.routes["/hello.xml"] = (500, {}, b"down")
    specs_post(admin_client, action="refresh", url=url)
    assert "HTTP status 500" in admin_client.get("/admin/specs").text
    assert "Howdy" in user_client.get(inst["frame_url"]).text


@pytest.mark.parametrize("path_or_url, reason", [
    ("/moved.xml", "redirects"),
    ("/bomb.xml", "DTD or entities"),
    ("http://user@127.0.0.1/hello.xml", "user name or password"),
    ("http://evil.example/hello.xml", "is not among the hosts"),
    ("file:///etc/passwd", "is not among the hosts"),
])
def test_refused_spec_urls(admin_client, spec_server, path_or_url, reason):
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    specs_post(admin_client, action="hosts", spec_allow_hosts="127.0.0.1")
    url = spec_server.url + path_or_url if path_or_url.startswith("/") else path_or_url
    res = specs_post(admin_client, action="add", url=url)
    assert res.status_int == 400 and reason in res.text


def test_spec_urls_are_fetched_again_after_the_refresh_interval(dashboard_settings, spec_server):
    import time

    from dashboard import main
    from dashboard.models.provider_side import SpecSource
    from dashboard.specs import url_gadgets

    app = main({}, **{**dashboard_settings, "dashboard.spec_refresh": "1"})
    url = spec_server.url + "/hello.xml"
    with app_root_of(app) as root:
        root.settings["spec_allow_hosts"] = ("127.0.0.1",)
        root.settings["fetch_allow_hosts"] = ("127.0.0.1",)
        root["spec_urls"][url] = SpecSource(url, "root")  # never fetched yet
    deadline = time.time() + 10
    while time.time() < deadline:
        with app_root_of(app) as root:
            if url_gadgets(root):
                break
        time.sleep(0.2)
    with app_root_of(app) as root:
        assert [g.title for g in url_gadgets(root).values()] == ["Hello (spec gadget)"]
    app.registry._zodb_databases[""].close()


def test_maximized_gadget_shows_the_canvas_view(spec_client):
    did = spec_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = spec_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "spec.hello", "prefs": {"who": "Zoe"}})
    page = spec_client.get(f"/d/{did}")
    assert f"/d/{did}/g/{inst['id']}/max" in page.text
    maximized = spec_client.get(f"/d/{did}/g/{inst['id']}/max")
    src = maximized.html.find("iframe")["src"]
    assert src.endswith("&view=canvas") and "allow-same-origin" not in maximized.html.find("iframe")["sandbox"]
    assert "<h1>Hello, Zoe!</h1>" in spec_client.get(src).text  # the canvas Content
    assert "<h1>" not in spec_client.get(inst["frame_url"]).text  # the default view stays small


def test_external_message_bundles_by_language(spec_client):
    gadget = next(g for g in spec_client.get_json("/api/gadgets")["gadgets"] if g["id"] == "spec.counter")
    assert gadget["title"] == "Click counter" and gadget["description"] == "Counts your clicks, and remembers them."
    did = spec_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = spec_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "spec.counter"})
    english = spec_client.get(inst["frame_url"]).text
    assert '<span id="label">Clicks</span>' in english and "One more" in english
    german = spec_client.app.get(inst["frame_url"], headers={"Accept-Language": "de-CH, de;q=0.9, en;q=0.5"}).text
    assert '<span id="label">Klicks</span>' in german and "Noch einer" in german
    # a message only the default bundle has is used for every language
    french = spec_client.app.get(inst["frame_url"], headers={"Accept-Language": "fr"}).text
    assert "Clicks" in french


def test_bundles_outside_the_gadgets_directory_are_refused(spec_client):
    plugin = {p["name"]: p for p in spec_client.get_json("/api/admin/plugins")["plugins"]}["gadgets-dir"]
    assert any(e.startswith("escapes.xml: the message bundle ../../etc/passwd is not a file in") for e in plugin["errors"])


def test_a_gadget_sets_its_own_preferences_with_its_frame_token(spec_client):
    did = spec_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = spec_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "spec.counter"})
    st = inst["frame_url"].split("st=")[1]
    url = f"/frame/{did}/{inst['id']}/prefs"
    res = spec_client.app.post(url, {"st": st, "count": "3"})
    assert res.json["prefs"] == {"count": "3", "step": "1"}
    assert res.headers["Access-Control-Allow-Origin"] == "*"
    assert spec_client.get_json(f"/api/dashboards/{did}/gadgets/{inst['id']}")["prefs"]["count"] == "3"
    # each value is checked as declared; unknown names and a missing token are refused with the reason
    assert "Step must be one of" in spec_client.app.post(url, {"st": st, "step": "7"}, status=400).json["error"]
    assert "no preference named nope" in spec_client.app.post(url, {"st": st, "nope": "1"}, status=400).json["error"]
    spec_client.app.post(url, {"count": "9"}, status=403)
    assert spec_client.get_json(f"/api/dashboards/{did}/gadgets/{inst['id']}")["prefs"]["count"] == "3"


def test_spec_urls_fetch_their_message_bundles_under_the_same_rules(admin_client, user_client, spec_server):
    counter = (SPECS / "counter.xml").read_bytes()
    spec_server.routes["/g/counter.xml"] = (200, {}, counter)
    spec_server.routes["/g/bundles/ALL_ALL.xml"] = (200, {}, (SPECS / "bundles" / "ALL_ALL.xml").read_bytes())
    spec_server.routes["/g/bundles/de_ALL.xml"] = (200, {}, (SPECS / "bundles" / "de_ALL.xml").read_bytes())
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    specs_post(admin_client, action="hosts", spec_allow_hosts="127.0.0.1")
    assert specs_post(admin_client, action="add", url=spec_server.url + "/g/counter.xml").status_int == 303
    gadget = next(g for g in user_client.get_json("/api/gadgets")["gadgets"] if g["id"].startswith("url."))
    assert gadget["title"] == "Click counter"
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": gadget["id"]})
    assert "Noch einer" in user_client.app.get(inst["frame_url"], headers={"Accept-Language": "de"}).text
    # a bundle that redirects elsewhere (or is not allowed, or missing) refuses the spec with the reason
    spec_server.routes["/h/counter.xml"] = (200, {}, counter)
    spec_server.routes["/h/bundles/ALL_ALL.xml"] = (302, {"Location": "http://169.254.169.254/"}, b"")
    res = specs_post(admin_client, action="add", url=spec_server.url + "/h/counter.xml")
    assert res.status_int == 400 and "the spec URL redirects" in res.text


def _spec_gadget_from_url(admin_client, user_client, spec_server, path="/hello.xml"):
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    specs_post(admin_client, action="hosts", spec_allow_hosts="127.0.0.1")
    assert specs_post(admin_client, action="add", url=spec_server.url + path).status_int == 303
    gadget = next(g for g in user_client.get_json("/api/gadgets")["gadgets"] if g["id"].startswith("url."))
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": gadget["id"]})
    st = inst["frame_url"].split("st=")[1]
    return lambda authz, url: user_client.app.get(f"/proxy/{did}/{inst['id']}", status="*",
                                                  params={"st": st, "path": url, "authz": authz})


def test_make_request_without_credentials(admin_client, user_client, spec_server):
    """authz NONE (OpenSocial's default): fetched as is, with no credential, under the SSRF rules."""
    headers_seen = []
    spec_server.routes["/public.json"] = lambda handler: (
        headers_seen.append(dict(handler.headers)) or 200, {"Content-Type": "application/json"}, b'{"hello": "world"}')
    spec_server.routes["/to-metadata"] = (302, {"Location": "http://169.254.169.254/latest/meta-data"}, b"")
    proxy = _spec_gadget_from_url(admin_client, user_client, spec_server)
    got = proxy("none", spec_server.url + "/public.json")
    assert got.status_int == 200 and got.json == {"hello": "world"}
    assert not {"Authorization", "Cookie"} & set(headers_seen[0])  # no credential, no cookie went along
    refused = proxy("none", spec_server.url + "/to-metadata")
    assert refused.status_int == 502 and "169.254.169.254" in refused.json["error"]
    assert proxy("none", "file:///etc/passwd").json["error"] == "makeRequest without OAuth needs a full http(s) URL"


def test_signed_make_request_is_verifiable_with_our_public_key(admin_client, user_client, spec_server,
                                                                dashboard_app):
    """authz SIGNED: OpenSocial signed fetch (RSA-SHA1 with our key, the user's name), only to the spec's host."""
    from urllib.parse import parse_qsl, urlsplit

    from oauthlib.common import Request
    from oauthlib.oauth1.rfc5849 import signature

    seen = []
    spec_server.routes["/signed"] = lambda handler: (seen.append(handler.path) or 200, {}, b"ok")
    proxy = _spec_gadget_from_url(admin_client, user_client, spec_server)
    assert proxy("signed", spec_server.url + "/signed?x=1").status_int == 200
    params = dict(parse_qsl(urlsplit(seen[0]).query))
    assert params["opensocial_viewer_id"] == "alice" and params["opensocial_app_url"] == spec_server.url + "/hello.xml"
    assert params["oauth_signature_method"] == "RSA-SHA1" and "oauth_token" not in params
    with app_root_of(dashboard_app) as root:
        public_key, consumer_key = root.settings["consumer_public_key"], root.settings["consumer_key"]
    assert params["oauth_consumer_key"] == consumer_key
    request = Request(spec_server.url + seen[0], http_method="GET")
    request.params = [(k, v) for k, v in parse_qsl(urlsplit(seen[0]).query) if k != "oauth_signature"]
    request.signature = params["oauth_signature"]
    assert signature.verify_rsa_sha1(request, public_key)
    # never to another host, and never for a gadget that is not a spec gadget
    other = proxy("signed", "http://localhost:1/signed")
    assert other.status_int == 403 and "only to the host the gadget's spec comes from" in other.json["error"]


def test_plugin_gadgets_cannot_use_the_proxy_without_oauth(user_client):
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})
    st = inst["frame_url"].split("st=")[1]
    got = user_client.app.get(f"/proxy/{did}/{inst['id']}", params={"st": st, "path": "https://example.org/",
                                                                   "authz": "none"}, status=403)
    assert got.json["error"] == "only spec gadgets make requests without OAuth through this proxy"


def _status(admin_client, url):
    page = admin_client.get("/admin/specs").html
    row = next(r for r in page.select("tr.spec-source") if r.find("code").text == url)
    return row.select_one("td.spec-status").get_text(" ", strip=True)


def test_spec_status_is_ok_only_when_offered_and_a_bad_refresh_keeps_the_last_good_copy(
        admin_client, user_client, spec_server, dashboard_app):
    from dashboard.models.provider_side import SpecSource

    url = spec_server.url + "/hello.xml"
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    specs_post(admin_client, action="hosts", spec_allow_hosts="127.0.0.1")
    assert specs_post(admin_client, action="add", url=url).status_int == 303
    assert _status(admin_client, url) == "OK"
    # a new version that cannot be offered: refused on refresh, with the reason; the last good copy stays offered
    good = spec_server.routes["/hello.xml"][2]
    spec_server.routes["/hello.xml"] = (200, {}, good.replace(b'<Optional feature="settitle"/>',
                                                              b'<Require feature="teleport"/>'))
    specs_post(admin_client, action="refresh", url=url)
    status = _status(admin_client, url)
    assert status.startswith("the last refresh failed: the spec requires features this container does not "
                             "provide: teleport") and "last good copy is offered" in status
    assert any(g["title"] == "Hello (spec gadget)" for g in user_client.get_json("/api/gadgets")["gadgets"])
    # a stored copy that cannot be used (say, written before a feature went) is never "OK"
    bad = spec_server.url + "/old.xml"
    with app_root_of(dashboard_app) as root:
        source = root["spec_urls"][bad] = SpecSource(bad, "root")
        source.body, source.bundles, source.fetched_at = b"<Module><ModulePrefs title='Old'/></Module>", {}, 1.0
    assert _status(admin_client, bad) == "the stored copy cannot be used: the spec has no Content"
    # offered means offered: with the spec-urls pseudo-plugin disabled, the page says so instead of OK
    with app_root_of(dashboard_app) as root:
        root.settings["disabled_plugins"] = ("spec-urls",)
    assert _status(admin_client, url).startswith("its gadget is not offered")


DETAILS = b"""
<?xml version="1.0"?>
<Module>
  <ModulePrefs title="__MSG_title__ for __UP_who__" thumbnail="https://img.example/__UP_size__.png">
    <Locale><messagebundle>
      <msg name="title">Details</msg><msg name="red">Red &amp; hot</msg>
      <msg name="rich">Click <b>here</b> &amp; <i>there</i></msg><msg name="plain">a &lt; b</msg>
    </messagebundle></Locale>
  </ModulePrefs>
  <UserPref name="who" default_value="Ann"/><UserPref name="size" default_value="big"/>
  <UserPref name="colour" datatype="enum" default_value="red">
    <EnumValue value="red" display_value="__MSG_red__"/><EnumValue value="blue" display_value="Blue"/>
  </UserPref>
  <Content type="html" view="home"><![CDATA[<p id="one">one __MODULE_ID__</p>]]></Content>
  <Content type="html" view="home,profile"><![CDATA[<p id="two">two</p><p>__MSG_rich__</p><p>__MSG_plain__</p>
    <img src="img/logo.png"><a href="../about.html">about</a><a href="#top">top</a>
    <a href="https://other.example/x">x</a><a href="mailto:a@b.example">mail</a><img src="" alt="empty">]]></Content>
  <Content type="html" view="home.about"><![CDATA[<p>about view</p>]]></Content>
  <Content type="html" view="canvas"><![CDATA[<p>canvas view</p>]]></Content>
  <Content type="html" view="canvas.more"><![CDATA[<p>more canvas</p>]]></Content>
</Module>"""


def test_contents_views_messages_and_relative_urls(admin_client, user_client, spec_server):
    spec = parse_spec(DETAILS, url="https://gadgets.example/g/details.xml")
    assert spec.title == "Details for Ann" and spec.attrs["thumbnail"] == "https://img.example/big.png"
    assert spec.prefs[2].options == [("red", "Red & hot"), ("blue", "Blue")]  # __MSG_ in enum labels, as text
    spec_server.routes["/g/details.xml"] = (200, {}, DETAILS)
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    specs_post(admin_client, action="hosts", spec_allow_hosts="127.0.0.1")
    assert specs_post(admin_client, action="add", url=spec_server.url + "/g/details.xml").status_int == 303
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    gadget = next(g for g in user_client.get_json("/api/gadgets")["gadgets"] if g["id"].startswith("url."))
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": gadget["id"]})
    frame = user_client.get(inst["frame_url"]).text
    # the two home Contents joined in order, with the integer module id
    assert frame.index('<p id="one">one ' + str(Spec.module_id(inst["id"])) + "</p>") < frame.index('<p id="two">')
    # a message with markup is HTML (its text parts stay escaped); a plain one is text, escaped
    assert "<p>Click <b>here</b> &amp; <i>there</i></p>" in frame and "<p>a &lt; b</p>" in frame
    # relative URLs resolve against the spec's URL; absolute ones, fragments and other schemes stay
    base = spec_server.url
    assert f'<img src="{base}/g/img/logo.png">' in frame and f'href="{base}/about.html"' in frame
    assert 'href="#top"' in frame and 'href="https://other.example/x"' in frame and 'href="mailto:a@b.example"' in frame
    assert '<img src="" alt="empty">' in frame
    assert "about view" not in frame and "canvas view" not in frame
    # a sub-view in place, and canvas when maximized; an unknown view name shows home
    assert "<p>about view</p>" in user_client.get(inst["frame_url"] + "&view=home.about").text
    assert "<p>canvas view</p>" in user_client.get(inst["frame_url"] + "&view=canvas").text
    assert "<p>more canvas</p>" in user_client.get(inst["frame_url"] + "&view=canvas.more").text
    assert '<p id="two">' in user_client.get(inst["frame_url"] + "&view=nonsense").text


@pytest.mark.parametrize(("macro", "named"), [
    ('#requireResource("com.atlassian.jira.gadgets:common")', "#requireResource"),
    ('#requireContext("atl.dashboard")', "#requireContext"), ('#includeResources()', "#includeResources"),
    ('#staticResourceUrl("com.example:x", "a.png")', "#staticResourceUrl"),
    # every macro, each once (the corpus run's PROBLEMS.md: only the first was named, #requireContext was missed)
    ('#staticResourceUrl("c:x", "a.png") #requireResource("c:y") #requireResource("c:z")',
     r"#staticResourceUrl includes the Atlassian application's own resources \(as do #requireResource\),")])
def test_atlassian_resource_macros_are_refused_naming_the_macro(macro, named):
    if " " not in named:
        named += " includes the Atlassian application's own resources,"
    data = (f"<Module><ModulePrefs title='x'>{macro}</ModulePrefs><Content><![CDATA[x]]></Content></Module>").encode()
    for url in (None, "https://jira.example/jira/download/resources/com.example:g/x.xml"):
        with pytest.raises(SpecError, match=f"Atlassian plugin's source: {named} which only it can expand.*serves its "
                                            r"gadget specs already expanded at its own gadget URL \(…/rest/gadgets/1\.0"
                                            r"/g/…\): add that URL$"):
            parse_spec(data, url=url)
    # at an Atlassian gadget URL already (PROBLEMS.md B2): no advice to add what was added, but what is true
    with pytest.raises(SpecError, match=f"{named} which only it can expand; this URL is already an Atlassian gadget "
                                        r"URL \(…/rest/gadgets/1\.0/g/…\), where an Atlassian application serves its "
                                        "gadget specs expanded, yet it answered with the plugin's source unexpanded: "
                                        "what answers there does not expand them as an Atlassian application does$"):
        parse_spec(data, url="https://jira.example/rest/gadgets/1.0/g/com.example:g/x.xml")

ATLASSIAN = b"""<?xml version="1.0" encoding="UTF-8" ?>
<Module>
  <ModulePrefs title="__MSG_gadget.issues.title__" author_email="x@example.org">
    <Optional feature="dynamic-height"/>
    #oauth
    #supportedLocales("gadget.common,gadget.issues")
  </ModulePrefs>
  <Content type="html"><![CDATA[<p id="base">__ATLASSIAN_BASE_URL__/rest/api/2/search</p>]]></Content>
</Module>"""


def test_atlassian_sources_are_expanded_with_the_base_url_of_their_application(admin_client, user_client,
                                                                               spec_server):
    from dashboard.specs import spec_provider

    bundle = (b"<messagebundle><msg name='gadget.issues.title'>Assigned to me</msg></messagebundle>")
    spec_server.routes["/jira/rest/gadgets/1.0/g/com.example.issues:gadget/issues.xml"] = (200, {}, ATLASSIAN)
    # where Atlassian's renderer points #supportedLocales: its default bundle "und", the prefixes URL-encoded
    spec_server.routes["/jira/rest/gadgets/1.0/g/messagebundle/und/gadget.common%2Cgadget.issues"] = (200, {}, bundle)
    url = spec_server.url + "/jira/rest/gadgets/1.0/g/com.example.issues:gadget/issues.xml"
    base = spec_server.url + "/jira"
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    specs_post(admin_client, action="hosts", spec_allow_hosts="127.0.0.1")
    assert specs_post(admin_client, action="add", url=url).status_int == 303
    # the bundle #supportedLocales names, fetched from the application; #oauth is the application's OAuth service
    gadget = next(g for g in user_client.get_json("/api/gadgets")["gadgets"] if g["id"].startswith("url."))
    assert gadget["title"] == "Assigned to me"
    spec = parse_spec(ATLASSIAN, lambda href: bundle, url=url)
    assert spec_provider(spec).endpoints == {
        "request_token": f"{base}/plugins/servlet/oauth/request-token",
        "authorize": f"{base}/plugins/servlet/oauth/authorize?oauth_callback=http%3A%2F%2Foauth.gmodules.com"
                     "%2Fgadgets%2Foauthcallback",
        "access_token": f"{base}/plugins/servlet/oauth/access-token"}
    assert spec_provider(spec).base_urls == [spec_server.url + "/"]
    assert f'<p id="base">{base}/rest/api/2/search</p>' in spec.contents["default"][1]
    # elsewhere than an Atlassian gadget path the base URL is the origin
    other = parse_spec(ATLASSIAN, lambda href: bundle, url="https://wiki.example/specs/issues.xml")
    assert '<p id="base">https://wiki.example/rest/api/2/search</p>' in other.contents["default"][1]
    # a spec file has no application to take the base URL from
    with pytest.raises(SpecError, match="#oauth is expanded with the base URL of the Atlassian application"):
        parse_spec(ATLASSIAN, lambda href: bundle)


def test_oauth2_services_are_oauth2_providers():
    from dashboard.specs import spec_provider

    declared = parse_spec(b"""<Module><ModulePrefs title="Tasks"><OAuth2><Service name="Tasks API" scope="read, write">
        <Authorization url="https://auth.example/authorize"/><Token url="https://auth.example/token"/></Service>
        </OAuth2></ModulePrefs><Content>x</Content></Module>""")
    provider = spec_provider(declared, "spec-urls")
    assert (provider.kind, provider.endpoints, provider.scopes, provider.base_urls) == (
        "oauth2", {"authorize": "https://auth.example/authorize", "token": "https://auth.example/token"},
        ["read", "write"], ["https://auth.example/"])
    assert gadget_from_spec(declared, "x").provider == provider.id
    # Shindig's OAuth2 samples name the service only: a provider a plugin declares, with the scope asked for
    named = b"""<Module><ModulePrefs title="G"><OAuth2><Service name="googleAPI"
        scope="https://www.google.com/m8/feeds/"/></OAuth2></ModulePrefs><Content>x</Content></Module>"""
    # in mixed case, as Shindig names them: the provider id in lower case (PROBLEMS.md B3)
    gadget = gadget_from_spec(parse_spec(named), "y")
    assert (gadget.provider, gadget.oauth_service) == ("googleapi", "googleAPI")
    gadget = gadget_from_spec(parse_spec(named.replace(b"googleAPI", b"google")), "y")
    assert (gadget.provider, gadget.scopes) == ("google", ["https://www.google.com/m8/feeds/"])
    with pytest.raises(SpecError, match="names the OAuth service 'Google API' without its endpoints.*no provider id "
                                        "can be that"):
        gadget_from_spec(parse_spec(named.replace(b"googleAPI", b"Google API")), "y")
    # an OAuth 1.0a service keeps its id (the digest of its endpoints in their order), so approvals survive
    oauth1 = parse_spec(b"""<Module><ModulePrefs title="O"><OAuth><Service name="s"><Request url="https://a.example/r"/>
        <Authorization url="https://a.example/a"/><Access url="https://a.example/x"/></Service></OAuth></ModulePrefs>
        <Content>x</Content></Module>""")
    assert spec_provider(oauth1).id == "spec-s-" + __import__("hashlib").sha256(
        b"https://a.example/r|https://a.example/a|https://a.example/x").hexdigest()[:10]
    assert spec_provider(oauth1).kind == "oauth1" and spec_provider(oauth1).signature_method == "RSA-SHA1"


def test_a_spec_file_naming_a_provider_no_plugin_declares_is_refused_saying_so(tmp_path):
    """As a plugin's gadget is: never offered waiting for an approval that cannot come."""
    from dashboard.plugins import load_plugins

    (tmp_path / "contacts.xml").write_bytes(b"""<Module><ModulePrefs title="Contacts"><OAuth2><Service name="googleAPI"
        scope="https://www.google.com/m8/feeds/"/></OAuth2></ModulePrefs><Content>x</Content></Module>""")
    (tmp_path / "hello.xml").write_bytes(b"<Module><ModulePrefs title='Hello'/><Content>hi</Content></Module>")
    registry = load_plugins(restrict=["builtin"])
    registry.add_spec_gadgets(str(tmp_path))
    assert [g.title for g in registry.plugins["gadgets-dir"].gadgets] == ["Hello"]
    assert registry.errors()["gadgets-dir"] == [
        "contacts.xml: gadget 'spec.contacts' needs provider 'googleapi', which no plugin declares"]


TITLED = """<Module><ModulePrefs title="Weather in __UP_city__" title_url="http://127.0.0.1/w?city=__UP_city__&amp;x=1"
  description="__MSG_about__ __UP_city__"><Locale><messagebundle><msg name="about">Forecast for</msg></messagebundle>
  </Locale></ModulePrefs>
<UserPref name="city" default_value="Oslo"/><UserPref name="link" default_value="http://127.0.0.1/home"/>
<Content><![CDATA[<p>__UP_city__</p>]]></Content></Module>"""
LINKED = """<Module><ModulePrefs title="Linked" title_url="__UP_link__"/>
<UserPref name="link" default_value="http://127.0.0.1/home"/><Content>x</Content></Module>"""


def test_module_prefs_attributes_take_each_instances_preferences(dashboard_settings, tmp_path):
    from dashboard import main
    from dashboard.models import User
    from dashboard.operations import share_dashboard

    directory = tmp_path / "gadgets"
    directory.mkdir()
    (directory / "weather.xml").write_text(TITLED)
    (directory / "linked.xml").write_text(LINKED)
    app = main({}, **{**dashboard_settings, "dashboard.gadgets_dir": str(directory)})
    with app_root_of(app) as root:
        root.add_user(User("alice", "correct horse battery staple"))
        root.add_user(User("bob", "correct horse battery staple"))
    client = Client(app)
    client.login("alice")
    try:
        # the directory has no instance: the defaults
        entry = next(g for g in client.get_json("/api/gadgets")["gadgets"] if g["id"] == "spec.weather")
        assert entry["title"] == "Weather in Oslo" and entry["description"] == "Forecast for Oslo"
        did = client.get_json("/api/dashboards")["dashboards"][0]["id"]
        bergen = client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "spec.weather",
                                                                     "prefs": {"city": "<b>Bergen & Co</b>"}})
        oslo = client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "spec.weather"})
        assert (bergen["title"], oslo["title"]) == ("Weather in <b>Bergen & Co</b>", "Weather in Oslo")
        page = client.get(f"/d/{did}")
        headings = {a.text: a["href"] for a in page.html.select("article.gadget h2 a")}
        # text where text goes (escaped by the page), percent-encoded inside a URL
        assert headings == {"Weather in <b>Bergen & Co</b>":
                            "http://127.0.0.1/w?city=%3Cb%3EBergen%20%26%20Co%3C%2Fb%3E&x=1",
                            "Weather in Oslo": "http://127.0.0.1/w?city=Oslo&x=1"}
        assert "<b>Bergen" not in page.text and "Weather in &lt;b&gt;Bergen &amp; Co&lt;/b&gt;" in page.text
        maximized = client.get(f"/d/{did}/g/{bergen['id']}/max")
        assert maximized.html.find("h1").text == "Weather in <b>Bergen & Co</b>"
        # changed preferences change the title at once (the kept page is not shown)
        client.patch_json(f"/api/dashboards/{did}/gadgets/{bergen['id']}", {"prefs": {"city": "Tromsø"}})
        assert "Weather in Tromsø" in [h.text for h in client.get(f"/d/{did}").html.select("article.gadget h2 a")]
        # a preference that is the whole URL gives it, if it is an http(s) URL; anything else gives no link
        good = client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "spec.linked",
                                                                   "prefs": {"link": "https://example.org/a?b=1"}})
        bad = client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "spec.linked",
                                                                  "prefs": {"link": "javascript:alert(1)"}})
        page = client.get(f"/d/{did}").html
        assert page.select_one(f"article[data-instance='{good['id']}'] h2 a")["href"] == "https://example.org/a?b=1"
        assert page.select_one(f"article[data-instance='{bad['id']}'] h2 a") is None
        assert "javascript:" not in str(page)
        # a viewer of the shared dashboard sees the owner's instance's title
        with app_root_of(app) as root:
            share_dashboard(root, root.users["alice"], root.users["alice"].dashboards[did], users=["bob"])
        bob = Client(app)
        bob.login("bob")
        shared = bob.get(f"/u/alice/d/{did}").html
        assert "Weather in Tromsø" in [h.text.strip() for h in shared.select("article.gadget h2")]
    finally:
        app.registry._zodb_databases[""].close()


def test_spec_files_say_on_the_gadget_specs_page_that_they_take_no_hosts_nor_secret(spec_client):
    page = spec_client.get("/admin/specs").html
    files = page.select_one("#spec-files")
    rows = {r.select_one("code").text: r for r in files.select("tr.spec-file")}
    assert "spec.hello" in rows and "not configurable" in rows["spec.hello"].select_one(".spec-script-hosts").text
    assert "RSA-SHA1" in files.text and "add it above by URL" in files.text
    assert any(li.text.startswith("broken.xml: ") for li in files.select("li.error"))  # refused files, with reasons
    # asking for hosts for a file is refused, saying why, and changes nothing: its frame's CSP adds no host
    refused = spec_client.app.post("/admin/specs", {"csrf_token": spec_client.csrf, "action": "script_hosts",
                                                    "file": "hello.xml", "script_hosts": "cdn.example.org"}, status=400)
    assert "hello.xml: spec files in the gadgets directory are configured by their files alone" in \
        refused.html.select_one("p.error").text
    did = spec_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = spec_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "spec.hello"})
    assert "cdn.example.org" not in spec_client.get(inst["frame_url"]).headers["Content-Security-Policy"]


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', '{"a": 1e999}', "[1]",
                                  "[" * 5000 + "]" * 5000, '{"a": "' + "x" * 3000 + '"}'])
def test_view_params_are_only_json_a_browser_parses_as_an_object(text):
    """What gadgets.views.getParams() gets goes into the canvas frame's JSON: NaN or Infinity (which Python's reader
    takes) would stop every feature of that frame."""
    from dashboard.opensocial.spec import view_params

    assert view_params(text) is None
    assert view_params('{"a": 1.5, "b": ["x"]}') == '{"a":1.5,"b":["x"]}'
