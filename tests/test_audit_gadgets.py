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


DEEP = b"<b>" * 5000 + b"x" + b"</b>" * 5000
#: A message bundle message nested deeper than Python's recursion limit: small, well-formed XML.
DEEP_SPEC = (b'<Module><ModulePrefs title="__MSG_t__"><Locale><msg name="t">' + DEEP
             + b"</msg></Locale></ModulePrefs><Content>deep</Content></Module>")


def test_a_spec_nested_deeper_than_python_recurses_is_refused_with_a_reason(world):
    app, upstream, clients, add = world
    upstream.routes["/deep.xml"] = (200, {}, DEEP_SPEC)
    res = clients["alice"].form_post("/admin/specs", {"action": "add", "url": upstream.url + "/deep.xml"}, status="*")
    assert res.status_int == 400 and "nested" in res.text


def test_a_spec_that_turns_hostile_does_not_stop_the_refresher_for_every_other_spec(dashboard_settings):
    upstream = Upstream({"/deep.xml": (200, {}, DEEP_SPEC), "/inline.xml": (200, {}, INLINE)})
    _refresher_goes_on_after(dashboard_settings, upstream, "/deep.xml", "nested")  # it was fine when added


def _refresher_goes_on_after(dashboard_settings, upstream, hostile, reason):
    """The spec refresher meets the spec URL at ``hostile`` alone, keeps ``reason`` as its error, and goes on to
    refresh another one (the upstream's /inline.xml)."""
    import time

    from dashboard import main
    from dashboard.models.provider_side import SpecSource
    from dashboard.specs import url_gadgets
    from dashboard.testing import app_root_of

    app = main({}, **{**dashboard_settings, "dashboard.spec_refresh": "1"})
    hostile, fine = upstream.url + hostile, upstream.url + "/inline.xml"
    try:
        with app_root_of(app) as root:
            root.settings["spec_allow_hosts"] = root.settings["fetch_allow_hosts"] = ("127.0.0.1",)
            root["spec_urls"][hostile] = SpecSource(hostile, "root")
        time.sleep(1.5)  # the refresher's first round (every second) meets the hostile one alone
        with app_root_of(app) as root:
            assert reason in (root["spec_urls"][hostile].error or "")
            root["spec_urls"][fine] = SpecSource(fine, "root")
        assert _titles_once_refreshed(app, url_gadgets, app_root_of) == ["Inline"]
    finally:
        upstream.close()
        app.registry._zodb_databases[""].close()


def _titles_once_refreshed(app, url_gadgets, app_root_of, seconds=10):
    """The titles of the spec URL gadgets as soon as there are any (within ``seconds``)."""
    import time

    titles, end = [], time.time() + seconds
    while not titles and time.time() < end:
        time.sleep(0.2)
        with app_root_of(app) as root:
            titles = [g.title for g in url_gadgets(root).values()]
    return titles


def test_a_head_request_for_a_large_resource_is_answered_not_refused_as_too_large(world):
    """HEAD's Content-Length is the size a GET would get: there is no body to cut off."""
    app, upstream, clients, add = world

    upstream.routes["/video.bin"] = (200, {"Content-Type": "text/plain", "Content-Length": str(50 * 1024 * 1024)}, b"")
    _, proxy, st = add(clients["bob"], "/inline.xml")
    query = {"st": st, "path": upstream.url + "/video.bin", "authz": "none", "headers": '{"method": "HEAD"}'}
    res = clients["bob"].app.get(proxy + "?" + urlencode(query), status="*")
    assert res.status_int == 200 and res.headers["X-Upstream-Status"] == "200"


XHTML = (b'<html xmlns="http://www.w3.org/1999/xhtml"><body><h1>Your session has ended</h1>'
         b'<form action="/login" method="post"><input name="password" type="password"/></form></body></html>')


def test_a_proxied_answer_opened_as_a_page_is_sandboxed_with_nothing_to_load_or_run(world):
    """The proxy answers on the dashboard's own origin: an upstream's XML (XHTML a browser renders as a page), opened
    by a gadget's popup with its frame token, must not be the dashboard's own page (a login form to phish with, links,
    same-origin scripts): like every answer made for frame scripts, it is sandboxed (an opaque origin; no scripts,
    forms or popups) and may load nothing."""
    app, upstream, clients, add = world
    upstream.routes["/page.xml"] = (200, {"Content-Type": "application/xml"}, XHTML)
    _, proxy, st = add(clients["bob"], "/inline.xml")
    res = clients["bob"].app.get(proxy + "?" + urlencode({"st": st, "path": upstream.url + "/page.xml",
                                                          "authz": "none"}))
    assert res.content_type == "application/xml" and res.body == XHTML
    refused = clients["bob"].app.get(proxy + "?" + urlencode({"st": st, "path": "http://127.0.0.1:1/",
                                                              "authz": "none"}), status=502)
    for answer in (res, refused):
        policy = [part.strip() for part in answer.headers["Content-Security-Policy"].split(";")]
        assert "sandbox" in policy and "default-src 'none'" in policy, answer.headers["Content-Security-Policy"]


def test_a_bug_one_spec_finds_does_not_stop_the_refresher_for_every_other_spec(dashboard_settings, monkeypatch):
    """Fault injection: whatever unforeseen error refreshing one spec URL raises (here a RuntimeError standing in
    for a bug not yet found), it is logged and kept as that source's error, and the others go on being refreshed."""
    from dashboard.opensocial import spec

    upstream = Upstream({"/buggy.xml": (200, {}, INLINE), "/inline.xml": (200, {}, INLINE)})
    fetch_spec = spec.fetch_spec

    def fetch_with_a_bug(url, *args):
        if url.endswith("/buggy.xml"):
            raise RuntimeError("a bug not yet found")
        return fetch_spec(url, *args)

    monkeypatch.setattr(spec, "fetch_spec", fetch_with_a_bug)
    _refresher_goes_on_after(dashboard_settings, upstream, "/buggy.xml", "could not be fetched again")


def test_a_body_that_is_not_utf8_is_refused_not_sent_changed(world):
    """makeRequest's POST_DATA is text: bytes that are not UTF-8 were sent on with U+FFFD in place of each."""
    app, upstream, clients, add = world
    _, proxy, st = add(clients["bob"], "/inline.xml")
    query = urlencode({"st": st, "path": upstream.url + "/echo", "authz": "none", "headers": '{"method": "POST"}'})
    res = clients["bob"].app.post(proxy + "?" + query, b"\x89PNG\r\n\x1a\n\xff\xfe", status="*",
                                  content_type="application/octet-stream")
    assert res.status_int == 400 and "not UTF-8" in res.json["error"]
    assert not any("/echo" in request for request in upstream.requests)
