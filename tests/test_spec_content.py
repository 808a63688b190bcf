"""What a spec's content may bring into its frame beyond inline code: scripts and styles from the https hosts an
administrator allowed for that spec URL (and only in that gadget's frame), ``Content type="url"`` in a nested sandboxed
frame, and proxied content (``Content href``) fetched server-side under the SSRF rules, optionally signed. Real
servers on 127.0.0.1 and real Chromium."""
import contextlib
import datetime
import ipaddress
import ssl
from urllib.parse import parse_qsl, urlsplit

import pytest

from browserkit import chromium, sync_api  # noqa: F401
from dashboard.specs import SpecError, parse_spec, url_gadget_id
from dashboard.testing import PASSWORD, Client, LiveServer, app_root_of
from httpserver import Upstream
from livehelpers import log_in

EXTERNAL = b"""<?xml version="1.0"?><Module><ModulePrefs title="External script"/>
<Content type="html"><![CDATA[<link rel="stylesheet" href="%(base)s/lib.css"><script src="%(base)s/lib.js"></script>
<p id="out">inline only</p><script>document.getElementById("out").dataset.inline = "yes";</script>]]></Content></Module>"""
PLAIN = b"""<Module><ModulePrefs title="Plain"/><Content type="html"><![CDATA[<p>plain</p>]]></Content></Module>"""
URL_SPEC = b"""<Module><ModulePrefs title="Framed page"/><UserPref name="who" default_value="Ann"/>
<Content type="url" href="%(base)s/page.html?fixed=1"/></Module>"""
LIB_JS = b'document.addEventListener("DOMContentLoaded", function () {' \
         b' document.getElementById("out").textContent = "external script ran"; });'
LIB_CSS = b"#out { color: rgb(1, 2, 3); }"


def _tls_context(tmp_path):
    """A server context with a self-signed certificate for 127.0.0.1 (Chromium's context ignores that it is)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "tls.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "tls.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "tls.pem", tmp_path / "tls.key")
    return context


@pytest.fixture
def world(dashboard_settings, tmp_path):
    """An app (alice, an administrator, may add specs from and fetch 127.0.0.1) served live, an https server of
    scripts and styles, and an http server of specs and pages."""
    from dashboard import main
    from dashboard.models import User

    app = main({}, **dashboard_settings)
    with app_root_of(app) as root:
        root.add_user(User("alice", PASSWORD, is_admin=True))
        root.settings["fetch_allow_hosts"] = ("127.0.0.1",)
        root.settings["spec_allow_hosts"] = ("127.0.0.1",)
    assets = Upstream({"/lib.js": (200, {"Content-Type": "text/javascript"}, LIB_JS),
                       "/lib.css": (200, {"Content-Type": "text/css"}, LIB_CSS)}, tls=_tls_context(tmp_path))
    specs = Upstream({"/plain.xml": (200, {}, PLAIN)})
    live = LiveServer(app)
    client = Client(app)
    client.login("alice")
    yield app, client, live, assets, specs
    live.stop()
    assets.close()
    specs.close()
    app.registry._zodb_databases[""].close()


def add_spec(client, url, **fields):
    return client.app.post("/admin/specs", {"csrf_token": client.csrf, "action": "add", "url": url, **fields},
                           status="*")


def frame_of(client, url, prefs=None):
    """The frame response of a new instance of the gadget of spec URL ``url`` on alice's first dashboard."""
    did = client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": url_gadget_id(url), "prefs": prefs or {}})
    return client.app.get(inst["frame_url"], status="*"), inst


def csp(response):
    return dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))


def open_frame(page, live, gadget_id, prefs=None):
    """alice's new dashboard holding only ``gadget_id``, opened in Chromium: its frame."""
    did = page.evaluate("""() => fetch("/api/dashboards", {method: "POST", headers: {"Content-Type":
        "application/json", "X-CSRF-Token": document.querySelector("meta[name=csrf-token]").content},
        body: JSON.stringify({title: "Spec"})}).then(r => r.json()).then(d => d.id)""")
    page.evaluate("""([did, gadget, prefs]) => fetch(`/api/dashboards/${did}/gadgets`, {method: "POST", headers:
        {"Content-Type": "application/json", "X-CSRF-Token": document.querySelector("meta[name=csrf-token]").content},
        body: JSON.stringify({gadget, prefs})})""", [did, gadget_id, prefs or {}])
    page.goto(f"{live.url}/d/{did}")
    frame = page.locator("iframe.gadget-frame").first.element_handle().content_frame()
    frame.wait_for_load_state()
    return frame


@contextlib.contextmanager
def frame_in_chromium(chromium, live, gadget_id):  # noqa: F811
    """alice's frame of a new instance of ``gadget_id`` in Chromium (https errors ignored: the test's own
    certificate), and the console errors seen, a list that grows while the block runs."""
    context = chromium.new_context(ignore_https_errors=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        log_in(page, live.url, "alice")
        yield open_frame(page, live, gadget_id), errors
    finally:
        context.close()


def test_external_scripts_and_styles_run_only_from_the_hosts_allowed_for_that_spec(world, chromium):  # noqa: F811
    app, client, live, assets, specs = world
    host = urlsplit(assets.url).netloc
    specs.routes["/external.xml"] = (200, {}, EXTERNAL % {b"base": assets.url.encode()})
    url, plain = specs.url + "/external.xml", specs.url + "/plain.xml"
    # refused by default, naming the script and the stylesheet
    res = add_spec(client, url)
    assert res.status_int == 400 and f"{assets.url}/lib.js" in res.text and f"{assets.url}/lib.css" in res.text
    # an http host is not what https hosts allow, nor is another port; a malformed host is refused with the reason
    with pytest.raises(SpecError, match="lib.js"):
        parse_spec((EXTERNAL % {b"base": assets.url.replace("https:", "http:").encode()}), url=url,
                   script_hosts=(host,))
    with pytest.raises(SpecError, match="lib.js"):
        parse_spec(EXTERNAL % {b"base": assets.url.encode()}, url=url, script_hosts=("127.0.0.1:1",))
    assert "not javascript:x" in add_spec(client, url, script_hosts="javascript:x").text
    # allowed for this spec URL: offered, shown on Gadget specs, and its frame's CSP lists exactly that host
    assert add_spec(client, url, script_hosts=f"https://{host}/").status_int == 303
    assert add_spec(client, plain).status_int == 303
    page = client.get("/admin/specs").html
    rows = {r.find("code").text: r for r in page.select("tr.spec-source")}
    assert rows[url].select_one("td.spec-script-hosts ul").get_text(" ", strip=True) == f"https://{host}"
    assert rows[url].select_one("td.spec-status").get_text(strip=True) == "OK"
    assert "none (inline only)" in rows[plain].select_one("td.spec-script-hosts").text
    frame, _ = frame_of(client, url)
    policy = csp(frame)
    assert policy["script-src"] == f"'self' 'unsafe-inline' https://{host}"
    assert policy["style-src"] == f"'self' 'unsafe-inline' https://{host}"
    assert policy["frame-src"] == f"https://{host}" and policy["default-src"] == "'none'"  # frames too (C1)
    other, _ = frame_of(client, plain)
    assert host not in other.headers["Content-Security-Policy"]
    assert csp(other)["script-src"] == "'self' 'unsafe-inline'"
    # in Chromium the external script runs and the stylesheet applies
    with frame_in_chromium(chromium, live, url_gadget_id(url)) as (frame, errors):
        frame.wait_for_function("() => document.getElementById('out').textContent === 'external script ran'")
        assert frame.eval_on_selector("#out", "e => getComputedStyle(e).color") == "rgb(1, 2, 3)"
        assert frame.eval_on_selector("#out", "e => e.dataset.inline") == "yes" and errors == []
        # the administrator takes the host back: the spec is refused again, naming the script
        client.app.post("/admin/specs", {"csrf_token": client.csrf, "action": "script_hosts", "url": url,
                                         "script_hosts": ""})
        row = {r.find("code").text: r for r in client.get("/admin/specs").html.select("tr.spec-source")}[url]
        assert f"{assets.url}/lib.js" in row.select_one("td.spec-status").text
        assert url_gadget_id(url) not in {g["id"] for g in client.get_json("/api/gadgets")["gadgets"]}


def test_url_content_is_a_nested_sandboxed_frame_with_the_preferences(world, chromium):  # noqa: F811
    app, client, live, assets, specs = world
    pages = Upstream({"/page.html": lambda handler: (200, {"Content-Type": "text/html"}, (
        "<!doctype html><title>page</title><ul id='params'>" + "".join(
            f"<li>{k}={v}</li>" for k, v in sorted(parse_qsl(urlsplit(handler.path).query))) + "</ul>").encode())})
    try:
        specs.routes["/url.xml"] = (200, {}, URL_SPEC % {b"base": pages.url.encode()})
        url = specs.url + "/url.xml"
        assert add_spec(client, url).status_int == 303
        frame, inst = frame_of(client, url, {"who": "Bo & Co"})
        # the frame CSP adds exactly the page's origin as a frame source, nothing else
        policy = csp(frame)
        assert policy["frame-src"] == pages.url and policy["script-src"] == "'self' 'unsafe-inline'"
        nested = frame.html.find("iframe", class_="gadget-url")
        assert nested["sandbox"] == ["allow-scripts", "allow-forms", "allow-popups", "allow-popups-to-escape-sandbox"]
        params = dict(parse_qsl(urlsplit(nested["src"]).query))
        assert params == {"fixed": "1", "up_who": "Bo & Co", "lang": "en", "country": "ALL", "view": "home",
                          "mid": str(__import__("dashboard.specs").specs.Spec.module_id(inst["id"]))}
        context = chromium.new_context()
        page = context.new_page()
        errors = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        try:
            log_in(page, live.url, "alice")
            outer = open_frame(page, live, url_gadget_id(url), {"who": "Bo & Co"})
            inner = outer.locator("iframe.gadget-url").element_handle().content_frame()
            inner.wait_for_selector("#params")
            shown = inner.locator("#params").inner_text()
            assert "up_who=Bo & Co" in shown and "fixed=1" in shown and "lang=en" in shown and "view=home" in shown
            assert errors == []
        finally:
            context.close()
    finally:
        pages.close()
    # only http(s), as for every server-side fetch target
    for href in ("javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "ftp://127.0.0.1/x"):
        with pytest.raises(SpecError, match="needs an http\\(s\\) href"):
            parse_spec(f"<Module><ModulePrefs title='x'/><Content type='url' href='{href}'/></Module>".encode())


#: As the calculoid gadget (PROBLEMS.md C1): its script builds the URL of a frame from a literal and creates the frame
FRAMING = b"""<?xml version="1.0"?><Module><ModulePrefs title="Framing"/><UserPref name="id" default_value="42"/>
<Content type="html"><![CDATA[<div id="dest">loading</div><script>
  var url = '%(base)s/framed/' + new gadgets.Prefs().getString('id');
  var frame = document.createElement('iframe');
  frame.setAttribute('src', url);
  document.getElementById('dest').innerHTML = '';
  document.getElementById('dest').appendChild(frame);
</script>]]></Content></Module>"""


def test_frames_from_elsewhere_are_refused_naming_the_host_unless_allowed_for_that_spec(world, chromium):  # noqa: F811
    app, client, live, assets, specs = world
    host = urlsplit(assets.url).netloc
    assets.routes["/framed/42"] = (200, {"Content-Type": "text/html"}, b"<!doctype html><p id='calc'>calculator</p>")
    specs.routes["/framing.xml"] = (200, {}, FRAMING % {b"base": assets.url.encode()})
    url = specs.url + "/framing.xml"
    # refused when added, naming the frame's URL, its host and what the administrator can do
    res = add_spec(client, url)
    assert res.status_int == 400, res.text[:300]
    error = res.html.select_one("p.error").text
    assert f"shows {assets.url}/framed/ in a frame, which gadget frames block" in error
    assert f"from the https hosts an administrator allows for a spec URL on Gadget specs (for this one: {host})" in error
    # markup frames too (also written by a script); about:blank and __UP_ values are no host; http never allowed
    markup = (b"<Module><ModulePrefs title='m'/><Content><![CDATA[<iframe src='%s'></iframe><iframe src='about:blank'>"
              b"</iframe><script>document.write('<frame src=\"__UP_x__\">')</script>]]></Content></Module>")
    with pytest.raises(SpecError, match="shows https://maps.example.org/embed in a frame.*for this one: maps.example.org"):
        parse_spec(markup % b"https://maps.example.org/embed", url=url)
    assert parse_spec(markup % b"https://maps.example.org/embed", url=url,
                      script_hosts=("maps.example.org",)).frame_sources()["frame-src"] == ["https://maps.example.org"]
    with pytest.raises(SpecError, match="shows http://maps.example.org/embed in a frame.*an http or relative address can never"):
        parse_spec(markup % b"http://maps.example.org/embed", url=url, script_hosts=("maps.example.org",))
    # allowed for this spec URL: its frame's CSP lets exactly that host be framed, and in Chromium the frame shows
    assert add_spec(client, url, script_hosts=host).status_int == 303
    frame, _ = frame_of(client, url)
    assert csp(frame)["frame-src"] == f"https://{host}"
    with frame_in_chromium(chromium, live, url_gadget_id(url)) as (outer, errors):
        outer.wait_for_selector("#dest iframe")
        inner = outer.locator("#dest iframe").element_handle().content_frame()
        inner.wait_for_selector("#calc")
        assert inner.locator("#calc").inner_text() == "calculator" and errors == []


PROXIED = b"""<Module><ModulePrefs title="Proxied"><Require feature="setprefs"/></ModulePrefs>
<UserPref name="who" default_value="Ann"/>
<Content type="html" href="content/hello.html"%(authz)s/></Module>"""


def test_proxied_content_is_fetched_server_side_under_the_ssrf_rules(world):
    app, client, live, assets, specs = world
    seen = []

    def content(handler):
        seen.append(handler.path)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, (
            '<p id="c">Hello from the content server</p><img src="logo.png">'
            "<script>new gadgets.Prefs().set('who', 'x');</script>").encode()

    specs.routes["/content/hello.html"] = content
    specs.routes["/proxied.xml"] = (200, {}, PROXIED % {b"authz": b""})
    url = specs.url + "/proxied.xml"
    assert add_spec(client, url).status_int == 303
    frame, inst = frame_of(client, url, {"who": "Bo"})
    assert frame.status_int == 200
    assert '<p id="c">Hello from the content server</p>' in frame.text
    assert f'<img src="{specs.url}/content/logo.png">' in frame.text  # relative to the content's URL
    assert 'id="gadget-env"' in frame.text  # with the feature API, as inline Content
    params = dict(parse_qsl(urlsplit(seen[-1]).query))
    assert params["up_who"] == "Bo" and params["view"] == "home" and "opensocial_viewer_id" not in params
    # what inline Content may not do, fetched content may not either: shown as the reason in the frame
    specs.routes["/content/hello.html"] = (200, {}, b'<script src="https://cdn.example.org/x.js"></script>')
    assert "https://cdn.example.org/x.js" in frame_of(client, url)[0].html.select_one(".gadget-error").text
    # a redirect to the metadata address and a host the administrator did not allow are refused
    specs.routes["/content/hello.html"] = (302, {"Location": "http://169.254.169.254/latest/meta-data"}, b"")
    assert "169.254.169.254" in frame_of(client, url)[0].html.select_one(".gadget-error").text
    with app_root_of(app) as root:
        root.settings["fetch_allow_hosts"] = ()
    refused = frame_of(client, url)[0].html.select_one(".gadget-error").text
    assert "private or local" in refused and len(seen) == 1
    with app_root_of(app) as root:
        root.settings["fetch_allow_hosts"] = ("127.0.0.1",)
    # an error answer is not shown as content
    specs.routes["/content/hello.html"] = (500, {}, b"<p>stack trace</p>")
    failed = frame_of(client, url)[0]
    assert "HTTP status 500" in failed.text and "stack trace" not in failed.text
    # authz="signed": OpenSocial signed fetch (our key, the user's name), only to the spec's own host
    specs.routes["/content/hello.html"] = content
    signed_url = specs.url + "/signed.xml"
    specs.routes["/signed.xml"] = (200, {}, PROXIED % {b"authz": b' authz="signed"'})
    assert add_spec(client, signed_url).status_int == 303
    assert "Hello from the content server" in frame_of(client, signed_url)[0].text
    params = dict(parse_qsl(urlsplit(seen[-1]).query))
    assert params["opensocial_viewer_id"] == "alice" and params["opensocial_app_url"] == signed_url
    assert params["oauth_signature_method"] == "RSA-SHA1" and params["up_who"] == "Ann"
    from oauthlib.common import Request
    from oauthlib.oauth1.rfc5849 import signature

    with app_root_of(app) as root:
        public_key = root.settings["consumer_public_key"]
    request = Request(specs.url + seen[-1], http_method="GET")
    request.params = [(k, v) for k, v in parse_qsl(urlsplit(seen[-1]).query) if k != "oauth_signature"]
    request.signature = params["oauth_signature"]
    assert signature.verify_rsa_sha1(request, public_key)
    # a spec file has no URL: a relative href is refused with the reason
    with pytest.raises(SpecError, match="proxied content .*relative one needs a spec URL"):
        parse_spec(PROXIED % {b"authz": b""})
