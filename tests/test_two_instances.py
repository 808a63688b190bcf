"""Two real instances of this server on loopback (each its own pserve process and FileStorage), linked the way their
administrators would link them, through their admin pages:

* on B, A is added as a consumer by its base URL (B fetches A's consumer-info document: A's key and public key);
* on A, B's "My dashboards" gadget is added as a spec URL; the spec declares B's OAuth 1.0a service, which A's
  administrator approves on Service Providers (RSA-SHA1 with A's own key pair).

Then a user on A adds the gadget, connects it (approving on B as their B account), and sees their B dashboards on A.
When they revoke A's token on B, A's gadget asks to reconnect, with no server error anywhere.
"""
import html
import os
import re
import time

import pytest

from dashboard.testing import PASSWORD
from livehelpers import HttpUser, log_in
from processes import Pserve, add_user, free_port, write_ini


def eventually(check, seconds=15):
    """The audit log is written in batches by a background thread: wait for it."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def form(user, path, data, expect=303):
    res = user.http.post(user.base + path, data={"csrf_token": user.csrf, **data}, allow_redirects=False, timeout=60)
    assert res.status_code == expect, res.text[:2000]
    return res


@pytest.fixture
def instances(tmp_path):
    servers = []
    for name in ("a", "b"):
        directory = tmp_path / name
        directory.mkdir()
        port = free_port()
        ini, _ = write_ini(directory, f"file://{directory}/Data.fs", port)
        add_user(ini, "root", PASSWORD, admin=True)
        add_user(ini, "alice" if name == "a" else "carol", PASSWORD)
        servers.append(Pserve(ini, port))
    yield servers
    for server in servers:
        server.stop()


def test_a_user_on_a_sees_their_b_data_through_a_linked_spec_gadget(instances):
    a, b = instances
    admin_a, admin_b = HttpUser(a.url, "root"), HttpUser(b.url, "root")
    for admin in (admin_a, admin_b):  # loopback is refused unless an administrator allows it
        form(admin, "/admin/settings", {"fetch_allow_hosts": "127.0.0.1"})
    # B: A becomes a consumer, added by its URL
    form(admin_b, "/admin/consumers", {"base_url": a.url})
    a_info = admin_a.http.get(a.url + "/plugins/servlet/oauth/consumer-info", timeout=30).text
    a_key = re.search(r"<key>([^<]+)</key>", a_info).group(1)
    assert a_key in admin_b.http.get(b.url + "/admin/consumers", timeout=30).text
    # A: B's gadget, by the spec URL B's directory shows
    carol = HttpUser(b.url, "carol")
    carol.call("POST", "/api/dashboards", {"title": "Carol's projects"})
    entry = next(g for g in carol.call("GET", "/api/gadgets").json()["gadgets"] if g["id"] == "my-dashboards")
    form(admin_a, "/admin/specs", {"action": "hosts", "spec_allow_hosts": "127.0.0.1"})
    form(admin_a, "/admin/specs", {"action": "add", "url": entry["spec_url"]})
    alice = HttpUser(a.url, "alice")
    found = [g for g in alice.call("GET", "/api/gadgets?q=My dashboards").json()["gadgets"] if g["plugin"] == "spec-urls"]
    assert len(found) == 1 and found[0]["provider_state"] == "pending"
    gadget, provider_id = found[0]["id"], found[0]["provider"]
    assert found[0]["provider_name"] == f"Gadget Dashboard at 127.0.0.1:{b.port}"
    # A's administrator approves B's service: RSA-SHA1 with A's own key pair, so nothing secret to type
    providers_page = admin_a.http.get(a.url + "/admin/providers", timeout=30).text
    assert provider_id in providers_page
    form(admin_a, f"/admin/providers/{provider_id}", {"enabled": "on"})
    # alice adds it and connects, approving on B as carol
    did = alice.call("GET", "/api/dashboards").json()["dashboards"][0]["id"]
    inst = alice.call("POST", f"/api/dashboards/{did}/gadgets", {"gadget": gadget}).json()
    frame = alice.http.get(inst["frame_url"], timeout=30).text
    connect = html.unescape(re.search(r'class="connect" href="([^"]+)"', frame).group(1))
    to_b = alice.http.get(connect, allow_redirects=False, timeout=60)
    assert to_b.status_code == 303 and to_b.headers["Location"].startswith(b.url + "/plugins/servlet/oauth/authorize")
    approval = carol.http.get(to_b.headers["Location"], timeout=30)
    assert "Gadget Dashboard" in approval.text and "Allow" in approval.text
    token = re.search(r'name="oauth_token" value="([^"]+)"', approval.text).group(1)
    back = form(carol, "/plugins/servlet/oauth/authorize", {"oauth_token": token, "decision": "allow"})
    assert back.headers["Location"].startswith(a.url + "/connect/callback/oauth1")
    done = alice.http.get(back.headers["Location"], timeout=60)
    assert done.status_code == 200 and 'id="connected"' in done.text, done.text[:2000]
    # the frame now has the spec's content, whose script asks A's proxy, which signs the request to B
    frame = alice.http.get(inst["frame_url"], timeout=30).text
    assert "gadgets.io.makeRequest" in frame and "Connect to" not in frame
    st = re.search(r"st=([^&\"]+)", inst["frame_url"]).group(1)
    proxied = alice.http.get(f"{a.url}/proxy/{did}/{inst['id']}", timeout=60,
                             params={"st": st, "path": f"{b.url}/api/gadgets/my-dashboards/render"})
    assert proxied.status_code == 200, proxied.text
    data = proxied.json()
    assert "carol's dashboards" in data["html"] and "Carol&#39;s projects" in data["html"]
    # what alice sees: the spec's script runs in A's sandboxed frame in Chromium and shows carol's B dashboards
    in_browser(a.url, "alice", lambda frame: frame.wait_for_selector("text=Carol's projects", timeout=15000))
    # the request reached B as carol, and A recorded the credential's use
    assert eventually(lambda: "/api/gadgets/my-dashboards/render" in admin_a.http.get(a.url + "/admin/audit").text)
    issued = carol.http.get(b.url + "/tokens", timeout=30).text
    assert "Gadget Dashboard" in issued
    # carol revokes A's token on B: A's gadget turns into "reconnect", and nothing answers 500
    revoke = re.search(r'action="([^"]+/tokens/[^"]+/revoke)"', issued).group(1)
    form(carol, revoke.replace(b.url, ""), {})
    proxied = alice.http.get(f"{a.url}/proxy/{did}/{inst['id']}", timeout=60,
                             params={"st": st, "path": f"{b.url}/api/gadgets/my-dashboards/render"})
    assert proxied.status_code == 401 and proxied.json()["state"] == "needs_reconnect"
    frame = alice.http.get(inst["frame_url"], timeout=30)
    assert frame.status_code == 200 and "Reconnect to Gadget Dashboard at" in frame.text
    in_browser(a.url, "alice", lambda frame: frame.wait_for_selector("text=Reconnect to Gadget Dashboard at"))


def in_browser(base, name, check):
    """Log in to ``base`` in headless Chromium and run ``check`` on the first gadget frame (skipped without
    Chromium, unless DASHBOARD_REQUIRE_BROWSER is set)."""
    chromium = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        if os.environ.get("DASHBOARD_REQUIRE_BROWSER"):
            raise RuntimeError(f"no Chromium at {chromium}")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        log_in(page, base, name)
        frame = page.locator("iframe.gadget-frame").first.element_handle().content_frame()
        frame.wait_for_load_state()
        check(frame)
        browser.close()
