"""What a person sees, in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against a real
server: building a dashboard, gadget isolation and XSS, and the connect popup against a loopback OAuth provider.
"""
import json

from browserkit import (SHOTS, add_from_directory, chromium, frame_of, frames_sized, login, menu_item,  # noqa: F401
                        page, server, set_prefs)
from dashboard.testing import app_root_of

def test_build_a_dashboard(page, server):
    login(page, server)
    assert page.locator("h1").first.inner_text() == "My dashboard"
    add_from_directory(page, "World clock")
    add_from_directory(page, "Notes")
    clock = frame_of(page, "World clock")
    assert "UTC" in clock.locator("body").inner_text()
    notes = frame_of(page, "Notes")
    notes.fill("textarea", "remember the milk")
    frames_sized(page)  # the clock above may still be resizing, moving the notes under the pointer
    notes.click("button:has-text('Save')")
    notes.wait_for_selector("text=Saved.")
    page.reload()
    assert frame_of(page, "Notes").locator("textarea").input_value() == "remember the milk"
    # each frame takes the height of its content (reported by postMessage), so no inner scrollbar appears
    notes_frame = page.locator("article.gadget:has(h2:has-text('Notes')) iframe")
    notes_frame.evaluate("f => new Promise(done => { const t = setInterval(() => { if (f.style.height) "
                         "{ clearInterval(t); done(); } }, 50); })")
    height = notes_frame.evaluate("f => f.getBoundingClientRect().height")
    content = frame_of(page, "Notes").evaluate("() => document.body.getBoundingClientRect().height")
    assert abs(height - content) <= 2 and height != 220  # 220 is the declared height it started with
    inner = frame_of(page, "Notes").evaluate("() => document.documentElement.scrollHeight > innerHeight")
    assert inner is False  # no inner scrollbar
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard.png"))
    page.click("#open-directory")
    page.wait_for_selector("#directory-results li.entry")
    page.screenshot(path=str(SHOTS / "directory.png"))


def test_gadget_script_cannot_reach_cookies_or_the_dashboard(page, server):
    login(page, server)
    add_from_directory(page, "Probe")
    probe = frame_of(page, "Probe")
    probe.wait_for_function("() => document.getElementById('probe').textContent.startsWith('{')")
    result = json.loads(probe.locator("#probe").inner_text())
    assert result["cookie"].startswith("blocked:SecurityError")
    assert result["parent"].startswith("blocked:SecurityError")
    assert result["storage"].startswith("blocked:")
    # the session cookie is HttpOnly: not even the dashboard's own script can read it
    assert "dashboard_session" not in page.evaluate("document.cookie")


def test_markup_in_a_title_and_a_preference_never_runs(page, server):
    login(page, server)
    page.fill("input[name=title][aria-label='Dashboard title']", "<img src=x onerror=\"window.pwned=1\">")
    page.click("button:has-text('Rename')")
    # renamed in place through the API: the heading and the tab change without a reload
    page.wait_for_function("() => document.querySelector('.toolbar h1').textContent.startsWith('<img')")
    assert page.locator(".tabs a[aria-current=page]").inner_text().startswith("<img src=x")
    page.reload()
    assert page.evaluate("window.pwned") is None
    assert "<img src=x" in page.locator("h1").first.inner_text()
    add_from_directory(page, "Feed reader")
    menu_item(page, "Feed reader", "Edit").click()
    page.fill("input[name=feed_url]", "\"><script>window.pwned=2</script>")
    page.click("button:has-text('Save')")
    page.wait_for_url("**/d/*")
    assert page.evaluate("window.pwned") is None
    page.goto(page.url.split("?")[0])
    frame = frame_of(page, "Feed reader")
    assert "only http and https" in frame.locator("body").inner_text()
    assert page.evaluate("window.pwned") is None


def test_waiting_for_approval_then_connect_in_a_popup(page, server, oauth2_server):
    login(page, server)
    add_from_directory(page, "My open pull requests")
    gadget = frame_of(page, "My open pull requests")
    assert "waiting for an administrator to approve GitHub" in gadget.locator("body").inner_text()
    admin = page.context.browser.new_context().new_page()
    login(admin, server, "root")
    admin.goto(server.url + "/admin/providers")
    form = admin.locator("#provider-github form")
    form.locator("input[name=client_id]").fill(oauth2_server.client.client_id)
    form.locator("input[name=client_secret]").fill(oauth2_server.client.client_secret)
    form.locator("button:has-text('Approve')").click()
    admin.wait_for_url("**/admin/providers*")
    assert "approved" in admin.locator("#provider-github .state").inner_text()
    admin.screenshot(path=str(SHOTS / "admin-providers.png"), full_page=True)
    page.reload()
    gadget = frame_of(page, "My open pull requests")
    with page.expect_popup() as popup_info:
        gadget.click("text=Connect to GitHub")
    popup = popup_info.value
    popup.wait_for_selector("#connected")
    popup.screenshot(path=str(SHOTS / "connect-popup.png"))
    popup.wait_for_event("close", timeout=10000)
    # the gadget reloads itself with the data when the popup reports success
    gadget = frame_of(page, "My open pull requests")
    gadget.wait_for_selector("text=for octocat", timeout=10000)
    assert "#7 Fix <b>bug</b> for octocat" in gadget.locator("body").inner_text()
    page.screenshot(path=str(SHOTS / "dashboard-connected.png"))
    # revoked at the provider: the gadget asks to reconnect, without an error page
    for token in oauth2_server.tokens:
        token.revoked = True
    page.reload()
    assert "Reconnect to GitHub" in frame_of(page, "My open pull requests").locator("body").inner_text()


def test_spec_gadget_make_request_through_the_broker(page, server, oauth2_server):
    """A spec gadget declaring <OAuth><Service name="github"> waits for approval, offers Connect, and once connected
    its gadgets.io.makeRequest(..., AUTHORIZATION: OAUTH) gets the data through the proxy."""
    login(page, server)
    add_from_directory(page, "Pull requests (spec)")
    gadget = frame_of(page, "Pull requests (spec)")
    assert "waiting for an administrator to approve GitHub" in gadget.locator("body").inner_text()
    from dashboard.models.credentials import ProviderSettings

    with app_root_of(server.app) as root:
        settings = root.providers["github"] = ProviderSettings("github")
        settings.approved, settings.client_id = True, oauth2_server.client.client_id
        settings.client_secret_enc = server.app.registry.dashboard_secretbox.encrypt(oauth2_server.client.client_secret)
    page.reload()
    with page.expect_popup() as popup_info:
        frame_of(page, "Pull requests (spec)").click("text=Connect to GitHub")
    popup_info.value.wait_for_event("close", timeout=10000)
    gadget = frame_of(page, "Pull requests (spec)")
    gadget.wait_for_selector("#pulls li:has-text('octocat')", timeout=10000)
    assert gadget.locator("#pulls li").first.inner_text() == "Fix <b>bug</b> for octocat"


def test_spec_gadget_saves_its_own_preferences_and_speaks_the_browsers_language(chromium, server):
    """gadgets.Prefs.set from the gadget's script is stored (reload keeps it); the gadget's text comes from the
    message bundle of the browser's language."""
    context = chromium.new_context(locale="de-DE")
    page = context.new_page()
    login(page, server)
    add_from_directory(page, "Click counter")  # titles in the directory are the default language's
    counter = frame_of(page, "Click counter")
    assert counter.locator("#label").inner_text() == "Klicks"
    counter.click("text=Noch einer")
    counter.wait_for_selector("text=Gespeichert.")
    counter.click("text=Noch einer")
    counter.wait_for_function("() => document.getElementById('count').textContent === '2'")
    page.reload()
    assert frame_of(page, "Click counter").locator("#count").inner_text() == "2"
    context.close()


def test_spec_gadget_make_request_without_credentials(page, server):
    """makeRequest with no AUTHORIZATION fetches a public URL through the proxy; the frame itself could not."""
    from httpserver import Upstream

    upstream = Upstream({"/note.txt": (200, {"Content-Type": "text/plain"}, b"<b>plain</b> text from upstream")})
    try:
        login(page, server)
        add_from_directory(page, "Public text (spec)")
        set_prefs(page, "Public text (spec)", {"url": upstream.url + "/note.txt"})
        page.reload()
        gadget = frame_of(page, "Public text (spec)")
        gadget.wait_for_selector("#out:has-text('from upstream')")
        assert gadget.locator("#out").inner_text() == "<b>plain</b> text from upstream"
    finally:
        upstream.close()
