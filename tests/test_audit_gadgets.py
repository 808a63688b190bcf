"""Found by attacking gadget rendering, specs, the proxy and the server-side fetcher: what a hostile spec author,
upstream server or user could make them do. Upstreams are real servers on 127.0.0.1."""
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from dashboard.specs import url_gadget_id
from httpserver import Upstream
from specworld import spec_app

PROXIED = b"""<Module><ModulePrefs title="Proxied"/><Content type="html" href="content.html"/></Module>"""
INLINE = b"""<Module><ModulePrefs title="Inline"/><Content><![CDATA[<p>inline</p>]]></Content></Module>"""


@pytest.fixture
def world(dashboard_settings):
    """(app, upstream, clients, add): ``add(client, path)`` adds the spec at ``path`` of the upstream to that user's
    first dashboard and answers (frame URL, proxy path, frame token)."""
    upstream = Upstream({"/proxied.xml": (200, {}, PROXIED), "/inline.xml": (200, {}, INLINE)})
    app, clients = spec_app(dashboard_settings)

    def add(client, path):
        url = upstream.url + path
        clients["alice"].form_post("/admin/specs", {"action": "add", "url": url})
        did = client.get_json("/api/dashboards")["dashboards"][0]["id"]
        inst = client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": url_gadget_id(url)})
        return inst["frame_url"], f"/proxy/{did}/{inst['id']}", dict(parse_qsl(urlsplit(inst["frame_url"]).query))["st"]

    yield app, upstream, clients, add
    upstream.close()
    app.registry._zodb_databases[""].close()


@pytest.mark.parametrize("ctype", ['text/html; charset="utf-8"', "text/html; charset=no-such-charset",
                                   "text/html; charset=idna", "text/html; charset=undefined"])
def test_proxied_content_in_a_charset_python_cannot_decode_with_is_shown_as_utf8(world, ctype):
    app, upstream, clients, add = world
    upstream.routes["/content.html"] = (200, {"Content-Type": ctype}, "<p>caf\u00e9</p>".encode())
    frame_url, _, _ = add(clients["bob"], "/proxied.xml")
    frame = clients["bob"].app.get(frame_url, status="*")
    assert frame.status_int == 200
    assert "<p>caf" in frame.text and "could not be shown" not in frame.text
