"""The feed reader against a real feed server on 127.0.0.1, through the core's fixtures."""
import http.server
import threading

import pytest

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Local news</title>
<item><title>First &lt;b&gt;story&lt;/b&gt;</title><link>https://example.org/1</link><pubDate>Mon, 01 Jan 2026 00:00:00 GMT</pubDate></item>
<item><title>Evil link</title><link>javascript:alert(1)</link></item>
<item><title>Third</title><link>https://example.org/3</link>
<description>&lt;p&gt;What &lt;script&gt;alert(1)&lt;/script&gt; happened &lt;b&gt;next&lt;/b&gt;.&lt;/p&gt;</description></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom site</title>
<entry><title>Atom entry</title><link href="https://example.org/a"/><updated>2026-01-01T00:00:00Z</updated></entry></feed>"""
BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<rss><channel><title>&lol2;</title></channel></rss>"""
FEEDS = {"/rss": RSS, "/atom": ATOM, "/bomb": BOMB, "/html": b"<html><body>not a feed</body></html>"}


@pytest.fixture
def feed_server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = FEEDS.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def frame_of(client, url, count=10):
    did = client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = client.post_json(f"/api/dashboards/{did}/gadgets",
                            {"gadget": "feed-reader", "prefs": {"feed_url": url, "count": count}})
    return client.get(inst["frame_url"]).text


def test_loopback_feed_is_refused_until_an_admin_allows_it(user_client, admin_client, feed_server):
    assert "private or local address" in frame_of(user_client, feed_server + "/rss")
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    text = frame_of(user_client, feed_server + "/rss", count=2)
    assert "Local news" in text and "First &lt;b&gt;story&lt;/b&gt;" in text
    assert 'href="https://example.org/1"' in text and "javascript:" not in text
    assert "Third" not in text  # count=2


def test_atom_and_bad_feeds(user_client, admin_client, feed_server):
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    assert "Atom entry" in frame_of(user_client, feed_server + "/atom")
    assert "could not be read" in frame_of(user_client, feed_server + "/bomb")
    assert "neither an RSS 2.0 nor an Atom feed" in frame_of(user_client, feed_server + "/html")
    assert "HTTP status 404" in frame_of(user_client, feed_server + "/missing")


def test_non_http_schemes_are_refused(user_client):
    assert "only http and https" in frame_of(user_client, "file:///etc/passwd")


def test_empty_feed_url_asks_for_one(user_client):
    assert "Choose a feed" in frame_of(user_client, "")


def test_conforms(user_client, admin_client):
    from dashboard.testing import check_plugin

    assert check_plugin("feeds", user_client, admin_client)["gadgets"] == ["feed-reader"]


def test_maximize_shows_the_canvas_view_with_summaries_as_text(user_client, admin_client, feed_server):
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets",
                                 {"gadget": "feed-reader", "prefs": {"feed_url": feed_server + "/rss"}})
    small = user_client.get(inst["frame_url"]).text
    assert "happened" not in small  # the dashboard's frame: headlines only
    page = user_client.get(f"/d/{did}/g/{inst['id']}/max")
    canvas = user_client.get(page.html.select_one("iframe.gadget-frame")["src"]).text
    assert "feed-canvas" in canvas and "What happened next." in canvas
    assert "<script>" not in canvas and "&lt;script" not in canvas  # the summary's markup is dropped, not shown
