"""OpenSocial features as units (dashboard/opensocial/features/): what is supported is what the folders define, every
documented function exists and works in real Chromium (the probe spec), pubsub stays within one dashboard, views
navigate, and the admin guide lists exactly the units' functions."""
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest

from browserkit import chromium  # noqa: F401
from dashboard.opensocial import features
from dashboard.specs import SpecError, parse_spec
from dashboard.testing import PASSWORD, LiveServer, app_root_of
from livehelpers import log_in

ROOT = Path(__file__).resolve().parent.parent
FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Probe feed</title><link>http://x.example/</link>'
        b'<description>d</description><item><title>First</title><link>http://x.example/1</link>'
        b'<description>first summary</description></item><item><title>Second</title>'
        b'<link>http://x.example/2</link></item></channel></rss>')


def probe_spec():
    """A spec that requires every feature unit and runs every unit's probe.js, one check after another."""
    requires = "".join(f'<Require feature="{name}"><Param name="flavour">probe</Param></Require>'
                       for name in features.features())
    probes = "\n".join((f.folder / "probe.js").read_text() for f in features.features().values()
                       if (f.folder / "probe.js").is_file())
    return f"""<?xml version="1.0"?>
<Module><ModulePrefs title="Feature probe">{requires}
  <Locale><messagebundle><msg name="hello">Hello <b>you</b></msg><msg name="quote">"&lt;&amp;&gt;"</msg>
  </messagebundle></Locale></ModulePrefs>
  <UserPref name="markup" default_value="&lt;b&gt; &quot;x&quot; &amp; 'y'"/>
  <UserPref name="who" default_value="probe"/><UserPref name="count" default_value="7"/>
  <UserPref name="ratio" default_value="1.5"/><UserPref name="on" datatype="bool" default_value="true"/>
  <UserPref name="items" datatype="list" default_value="a|b%7Cc|&lt;d&gt;"/><UserPref name="base" datatype="hidden"/>
  <Content type="html" view="canvas">canvas probe</Content>
  <Content type="html" view="home"><![CDATA[<pre id="probe-result"></pre>
<script>
var probe = {{}};
{probes}
gadgets.util.registerOnLoadHandler(function () {{
  var names = Object.keys(probe), out = {{}};
  names.reduce(function (previous, name) {{
    return previous.then(function () {{
      var timeout = new Promise(function (done) {{ window.setTimeout(function () {{ done("timed out"); }}, 5000); }});
      var run = new Promise(function (done) {{ done(probe[name]()); }});
      return Promise.race([run, timeout]).then(function (v) {{ out[name] = v === true ? "ok" : "failed: " + v; }},
                                               function (e) {{ out[name] = "error: " + e; }});
    }});
  }}, Promise.resolve()).then(function () {{ document.getElementById("probe-result").textContent = JSON.stringify(out); }});
}});
</script>]]></Content></Module>"""


PUBSUB = """<Module><ModulePrefs title="{title}"><Require feature="pubsub"/></ModulePrefs><Content><![CDATA[
<p id="heard">nothing</p><button id="send" onclick="gadgets.pubsub.publish('news', '{title} says hi')">send</button>
<script>gadgets.pubsub.subscribe('news', function (sender, message) {{
  document.getElementById('heard').textContent = message; }});</script>]]></Content></Module>"""

VIEWS = """<Module><ModulePrefs title="Views demo"><Require feature="views"/></ModulePrefs>
<Content view="home"><![CDATA[<p id="where">home</p>
<button id="about" onclick="gadgets.views.requestNavigateTo('home.about', {topic: 'x'})">about</button>
<button id="big" onclick="gadgets.views.requestNavigateTo('canvas', {topic: 'y', n: [1, 2], q: '&<'})">big</button>
<button id="huge" onclick="gadgets.views.requestNavigateTo('canvas', {x: new Array(3000).join('x')})">huge</button>
<button id="plain" onclick="gadgets.views.requestNavigateTo('canvas')">plain</button>]]></Content>
<Content view="home.about"><![CDATA[<p id="where">about <span id="topic"></span></p>
<script>document.getElementById('topic').textContent = gadgets.views.getParams().topic + ' in ' +
  gadgets.views.getCurrentView().getName();</script>]]></Content>
<Content view="canvas"><![CDATA[<p id="where">canvas</p><p id="params"></p>
<script>document.getElementById('params').textContent = JSON.stringify(gadgets.views.getParams());</script>
]]></Content></Module>"""


@pytest.fixture
def probe_server(dashboard_settings, tmp_path):
    from dashboard import main
    from dashboard.models import User
    from httpserver import Upstream

    def echo(handler):
        body = handler.body().decode()
        return 200, {"Content-Type": "text/plain"}, f"{handler.command} {handler.headers['Content-Type']} {body}".encode()

    calls = []

    def count(handler):
        calls.append(handler.path)
        return 200, {"Content-Type": "text/plain"}, str(len(calls)).encode()

    upstream = Upstream({"/probe.json": (200, {"Content-Type": "application/json"}, b'{"ok": true}'),
                         "/probe.txt": (200, {"Content-Type": "text/plain"}, b"plain text"),
                         "/feed.xml": (200, {"Content-Type": "application/xml"}, FEED), "/echo": echo, "/count": count})
    gadgets = tmp_path / "gadgets"
    gadgets.mkdir()
    (gadgets / "probe.xml").write_text(probe_spec())
    (gadgets / "views.xml").write_text(VIEWS)
    for name in ("ping", "pong"):
        (gadgets / f"{name}.xml").write_text(PUBSUB.format(title=name.title()))
    app = main({}, **{**dashboard_settings, "dashboard.gadgets_dir": str(gadgets)})
    with app_root_of(app) as root:
        root.add_user(User("alice", PASSWORD))
        root.add_user(User("bob", PASSWORD))
        root.settings["fetch_allow_hosts"] = ("127.0.0.1",)
    live = LiveServer(app)
    live.upstream = upstream
    yield live
    live.stop()
    upstream.close()
    app.registry._zodb_databases[""].close()


@pytest.fixture
def browser_page(chromium):  # noqa: F811
    context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


def add_gadget(page, gadget, prefs=None, dashboard=None):
    """Adds a gadget to the shown (or the given) dashboard through the JSON API, as the page's script does, and
    shows that dashboard."""
    did = dashboard or page.url.split("/d/")[1].split("?")[0].split("/")[0]
    status = page.evaluate("""([url, body]) => fetch(url, {method: "POST", headers: {"Content-Type": "application/json",
        "X-CSRF-Token": document.querySelector("meta[name=csrf-token]").content}, body: JSON.stringify(body)})
        .then(r => r.status)""", [f"/api/dashboards/{did}/gadgets", {"gadget": gadget, "prefs": prefs or {}}])
    assert status in (200, 201)
    page.goto(page.url.split("/d/")[0] + f"/d/{did}")


def gadget_frame(page, title):
    handle = page.locator(f"article.gadget:has(h2:has-text('{title}')) iframe").last.element_handle()
    frame = handle.content_frame()
    frame.wait_for_load_state()
    return frame


def test_supported_features_are_exactly_the_units():
    names = set(features.by_name())
    assert {"core", "core.io", "dynamic-height", "settitle", "setprefs", "views", "minimessage", "pubsub",
            "oauthpopup", "analytics", "locked-domain", "core.legacy", "tabs", "osapi", "opensocial-0.9",
            "opensocial-0.8"} <= names
    for feature in features.features().values():  # a unit that exports functions has JavaScript for them
        assert not feature.exports or feature.scripts, feature.name
        for src in feature.scripts:
            assert (feature.folder / src).is_file()
    # a name with no unit is refused, naming each one
    with pytest.raises(SpecError, match="does not provide: opensocial-templates, teleport$"):
        parse_spec(b"<Module><ModulePrefs title='x'><Require feature='opensocial-templates'/><Require feature='teleport'/>"
                   b"<Require feature='views'/></ModulePrefs><Content>y</Content></Module>")
    # an Optional one that is missing is no reason to refuse; aliases are accepted
    spec = parse_spec(b"<Module><ModulePrefs title='x'><Optional feature='teleport'/><Require feature='core.util'/>"
                      b"</ModulePrefs><Content>y</Content></Module>")
    assert list(spec.features) == ["core.util"]


def test_every_documented_function_exists_and_works_in_chromium(probe_server, browser_page):
    page = browser_page
    log_in(page, probe_server.url, "alice")
    add_gadget(page, "spec.probe", {"base": probe_server.upstream.url})
    frame = gadget_frame(page, "Feature probe")
    frame.wait_for_function("() => document.getElementById('probe-result').textContent.startsWith('{')",
                            timeout=60000)
    results = json.loads(frame.locator("#probe-result").inner_text())
    documented = {name for f in features.features().values() for name, _ in f.exports}
    assert set(results) == documented  # a probe for each documented function, and none for anything else
    assert {k: v for k, v in results.items() if v != "ok"} == {}
    assert "HEAD /echo" in probe_server.upstream.requests  # MethodType's HEAD reached the upstream as HEAD
    # setTitle renamed the gadget on the dashboard, as text
    assert page.locator("article.gadget h2").first.inner_text() == "Probe <renamed>"
    # the browser reports the probe's own request for a missing page (makeRequest passes the upstream's 404 on)
    assert [e for e in page.errors if "status of 404" not in e] == []


def test_pubsub_reaches_the_gadgets_of_this_dashboard_only(probe_server, browser_page, chromium):  # noqa: F811
    page = browser_page
    log_in(page, probe_server.url, "alice")
    add_gadget(page, "spec.ping")
    add_gadget(page, "spec.pong")
    # the same gadget on alice's second dashboard, open in another tab, and on bob's, in another browser
    second = page.evaluate("""() => fetch("/api/dashboards", {method: "POST", headers: {"Content-Type":
        "application/json", "X-CSRF-Token": document.querySelector("meta[name=csrf-token]").content},
        body: JSON.stringify({title: "Second"})}).then(r => r.json())""")["id"]
    other_tab = page.context.new_page()
    other_tab.goto(probe_server.url + f"/d/{second}")
    add_gadget(other_tab, "spec.pong", dashboard=second)
    bob_context = chromium.new_context()
    bob = bob_context.new_page()
    log_in(bob, probe_server.url, "bob")
    add_gadget(bob, "spec.pong")
    pong, far_pong, bobs_pong = (gadget_frame(p, "Pong") for p in (page, other_tab, bob))
    gadget_frame(page, "Ping").click("#send")
    pong.wait_for_function("() => document.getElementById('heard').textContent === 'Ping says hi'")
    assert gadget_frame(page, "Ping").locator("#heard").inner_text() == "Ping says hi"  # its own subscription too
    page.wait_for_timeout(500)
    assert far_pong.locator("#heard").inner_text() == "nothing"
    assert bobs_pong.locator("#heard").inner_text() == "nothing"
    # a window that is not one of the dashboard's frames is not relayed
    page.evaluate("() => window.postMessage({type: 'dashboard:pubsub', op: 'publish', channel: 'news', "
                  "message: 'forged'}, '*')")
    page.wait_for_timeout(300)
    assert pong.locator("#heard").inner_text() == "Ping says hi"
    bob_context.close()


def test_views_sub_views_in_place_and_canvas_maximizes(probe_server, browser_page):
    page = browser_page
    log_in(page, probe_server.url, "alice")
    add_gadget(page, "spec.views")
    frame = gadget_frame(page, "Views demo")
    frame.click("#about")
    frame = gadget_frame(page, "Views demo")
    frame.wait_for_selector("#topic:has-text('x in home.about')")
    page.goto(page.url)
    dashboard = page.url
    # requestNavigateTo("canvas", params): Maximize, and getParams() there gives the params
    gadget_frame(page, "Views demo").click("#big")
    page.wait_for_url(re.compile(r".*/g/[^/]+/max\?view-params=.*"))
    canvas = page.locator("iframe.maximized-frame").element_handle().content_frame()
    canvas.wait_for_selector("#where:has-text('canvas')")
    assert json.loads(canvas.locator("#params").inner_text()) == {"topic": "y", "n": [1, 2], "q": "&<"}
    # without params, and with params larger than the bound (not passed on: the canvas gets none)
    for button in ("#plain", "#huge"):
        page.goto(dashboard)
        gadget_frame(page, "Views demo").click(button)
        page.wait_for_url(re.compile(r".*/g/[^/]+/max$"))
        canvas = page.locator("iframe.maximized-frame").element_handle().content_frame()
        canvas.wait_for_selector("#where:has-text('canvas')")
        assert canvas.locator("#params").inner_text() == "{}"
    # the maximized page passes on only an object's JSON within the bound, whoever writes the address
    for given in ("[1]", "not json", '{"x": "' + "y" * 3000 + '"}'):
        page.goto(page.url.split("?")[0] + "?" + urlencode({"view-params": given}))
        assert "view-params" not in page.locator("iframe.maximized-frame").get_attribute("src")
    assert [e for e in page.errors if "not passed on" not in e] == []


def test_the_admin_guide_lists_every_feature_and_function_from_the_units():
    guide = (ROOT / "docs" / "admin.md").read_text()
    start, end = "<!-- features: generated from dashboard/opensocial/features -->", "<!-- end of features -->"
    assert start in guide and end in guide, "docs/admin.md lost the generated feature list's markers"
    listed = guide.split(start)[1].split(end)[0].strip()
    assert listed == features.guide_markdown().strip(), (
        "docs/admin.md's feature list differs from the feature units; paste features.guide_markdown() there")
