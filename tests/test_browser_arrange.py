"""Arranging a dashboard in real headless Chromium: the directory dialog, drag-and-drop and keyboard moves announced
to screen readers, a failed save undone on screen, gadget chrome (minimize, maximize, refresh, remove with undo,
preferences), tabs, the connect flow when the popup is blocked, and a phone-width screen.
"""
import re

from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect

from browserkit import (SHOTS, add_from_directory, chromium, frame_of, login, menu_item, page,  # noqa: F401
                        server, set_prefs)
from dashboard.testing import app_root_of


LAYOUT = """() => Array.from(document.querySelectorAll('section.column')).map(c =>
    Array.from(c.querySelectorAll(':scope > article.gadget')).map(a => a.dataset.title))"""


def layout(page):
    """The gadget titles in each column, as the page shows them."""
    return page.evaluate(LAYOUT)


def settles_into(page, expected, timeout=5000):
    """Whether the page's layout becomes `expected`: the page updates itself after the API has answered, so a check
    made the moment the answer arrives would race the script that handles it."""
    try:
        page.wait_for_function(f"expected => JSON.stringify(({LAYOUT})()) === JSON.stringify(expected)",
                               arg=expected, timeout=timeout)
    except PlaywrightTimeout:
        pass
    return layout(page) == expected


def gadget(page, title):
    return page.locator(f"article.gadget[data-title='{title}']")


def saved(page, method="PATCH"):
    """Wait for the API call that saves a change (and its answer)."""
    return page.expect_response(lambda r: "/api/" in r.url and r.request.method == method)


def test_directory_dialog_searches_as_you_type(page, server):
    login(page, server)
    page.click("#open-directory")
    assert page.locator("#directory-dialog").evaluate("d => d.open")
    page.wait_for_selector("#directory-results li.entry")
    everything = page.locator("#directory-results li.entry").count()
    page.type("#directory-q", "note", delay=30)
    page.wait_for_function("() => document.querySelectorAll('#directory-results li.entry').length === 1")
    assert page.locator("#directory-results h3").inner_text() == "Notes"
    page.fill("#directory-q", "")
    page.select_option("#directory-category", "Time")
    page.wait_for_function("() => Array.from(document.querySelectorAll('#directory-results h3'))"
                           ".every(h => h.textContent.includes('clock'))")
    assert 0 < page.locator("#directory-results li.entry").count() < everything
    page.select_option("#directory-category", "")
    page.fill("#directory-q", "zzzz")
    page.wait_for_selector("text=No gadget matches")
    # gadgets whose provider is not approved yet say so before they are added
    page.fill("#directory-q", "pull requests")
    page.wait_for_selector("#directory-results li.entry")
    assert "waiting for an administrator to approve it" in page.locator("#directory-results").inner_text()
    page.click("button[aria-label='Close the directory']")
    assert not page.locator("#directory-dialog").evaluate("d => d.open")
    add_from_directory(page, "Notes", column=1)
    assert layout(page) == [[], ["Notes"]]


def test_drag_and_keyboard_moves_are_saved_and_announced(page, server):
    login(page, server)
    add_from_directory(page, "World clock")
    add_from_directory(page, "Notes")
    add_from_directory(page, "Feed reader")
    assert layout(page) == [["World clock", "Notes", "Feed reader"], []]
    # drag Notes by its handle into the second column
    for title in ("World clock", "Notes", "Feed reader"):  # frames have taken their content's height
        gadget(page, title).locator("iframe").evaluate(
            "f => new Promise(done => { const t = setInterval(() => { if (f.style.height) { clearInterval(t); done(); } }, 50); })")
    target = page.locator("section.column[data-column='1']").bounding_box()
    with saved(page) as response:
        gadget(page, "Notes").locator(".handle").hover()  # waits until the handle stands still
        page.mouse.down()
        page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 40, steps=12)
        page.mouse.up()
    assert response.value.status == 200
    assert settles_into(page, [["World clock", "Feed reader"], ["Notes"]])
    # the same moves by keyboard, each announced in the live region
    handle = gadget(page, "Feed reader").locator(".handle")
    handle.focus()
    with saved(page):
        page.keyboard.press("ArrowUp")
    assert settles_into(page, [["Feed reader", "World clock"], ["Notes"]])
    with saved(page):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.getElementById('announce').textContent.length > 0")
    assert page.locator("#announce").inner_text() == "Feed reader moved to column 2, position 1 of 2"
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Move Feed reader"
    with saved(page):
        page.keyboard.press("ArrowDown")
    assert settles_into(page, [["World clock"], ["Notes", "Feed reader"]])
    page.reload()
    assert layout(page) == [["World clock"], ["Notes", "Feed reader"]]
    frame_of(page, "Notes").wait_for_selector("textarea")  # the moved frame renders


def test_a_failed_move_is_undone_on_screen_with_the_reason(page, server):
    login(page, server)
    add_from_directory(page, "World clock")
    add_from_directory(page, "Notes")
    # the same person removes Notes in another tab; this page does not know yet
    other = page.context.new_page()
    other.goto(page.url)
    other.on("dialog", lambda d: d.accept())
    with saved(other, "DELETE"):
        menu_item(other, "Notes", "Remove").click()
    gadget(page, "Notes").locator(".handle").focus()
    with saved(page) as response:
        page.keyboard.press("ArrowRight")
    assert response.value.status == 404
    error = page.locator("#page-error")
    error.wait_for()
    assert error.inner_text() == ("Could not move Notes: no such gadget on this dashboard. "
                                  "It is back where it was.")
    assert settles_into(page, [["World clock", "Notes"], []])


def test_gadget_chrome_minimize_maximize_refresh_remove_and_undo(page, server):
    login(page, server)
    add_from_directory(page, "World clock")
    add_from_directory(page, "Notes")
    frame_of(page, "Notes").fill("textarea", "keep me")
    frame_of(page, "Notes").click("button:has-text('Save')")
    frame_of(page, "Notes").wait_for_selector("text=Saved.")
    # minimize is remembered
    with saved(page):
        gadget(page, "World clock").locator("form.minimize button").click()
    expect(gadget(page, "World clock").locator("iframe")).to_be_hidden()
    page.reload()
    clock = gadget(page, "World clock")
    assert "minimized" in clock.get_attribute("class")
    assert clock.locator(".minimize button").get_attribute("aria-expanded") == "false"
    with saved(page):
        clock.locator("form.minimize button").click()
    assert "UTC" in frame_of(page, "World clock").locator("body").inner_text()
    # refresh loads the frame again
    with page.expect_response(lambda r: "/frame/" in r.url) as frame_response:
        menu_item(page, "World clock", "Refresh").click()
    assert frame_response.value.status == 200
    # remove, then undo from the toast: the same gadget with its content comes back
    with saved(page, "DELETE"):
        menu_item(page, "Notes", "Remove").click()
    assert settles_into(page, [["World clock"], []])
    expect(page.locator("#toast")).to_contain_text("Notes was removed.")
    with saved(page, "POST"):
        page.locator("#toast button", has_text="Undo").click()
    assert settles_into(page, [["World clock", "Notes"], []])
    page.reload()
    assert frame_of(page, "Notes").locator("textarea").input_value() == "keep me"
    # removed without undo stays removed
    with saved(page, "DELETE"):
        menu_item(page, "World clock", "Remove").click()
    page.reload()
    assert layout(page) == [["Notes"], []]
    # maximize: one gadget fills the page
    menu_item(page, "Notes", "Maximize").click()
    page.wait_for_url(re.compile(r".*/max$"))
    box = page.locator("iframe.gadget-frame").evaluate("f => f.getBoundingClientRect().toJSON()")
    assert box["width"] > 1000 and box["height"] > 500  # the viewport is 1280 x 860


def test_preferences_are_checked_in_the_browser_and_on_the_server(page, server):
    """Edited in the gadget itself (the same form as the preferences page, which stays for browsers without script)."""
    login(page, server)
    add_from_directory(page, "Feed reader")
    menu_item(page, "Feed reader", "Edit").click()
    form = gadget(page, "Feed reader").locator(".inline-prefs form")
    form.wait_for()
    assert "/prefs" not in page.url  # still the dashboard
    form.locator("input[name=count]").fill("500")
    form.locator("button:has-text('Save')").click()
    # the browser refuses it before sending: the field explains why
    assert form.locator("input[name=count]").evaluate("i => !i.validity.valid && i.validationMessage.length > 0")
    # and so does the server when the browser's check is skipped
    form.evaluate("f => { f.noValidate = true; }")
    form.locator("button:has-text('Save')").click()
    error = gadget(page, "Feed reader").locator(".inline-prefs .error[role=alert]")
    error.wait_for()
    assert "Number of headlines must be at most 50" in error.inner_text()
    form = gadget(page, "Feed reader").locator(".inline-prefs form")
    assert form.locator("input[name=count]").input_value() == "500"  # what was typed is kept
    form.locator("input[name=count]").fill("5")
    with page.expect_response(lambda r: "/frame/" in r.url):  # saved: the gadget loads again with them
        form.locator("button:has-text('Save')").click()
    expect(gadget(page, "Feed reader").locator(".inline-prefs")).to_have_count(0)
    page.reload()
    menu_item(page, "Feed reader", "Edit").click()
    assert gadget(page, "Feed reader").locator(".inline-prefs input[name=count]").input_value() == "5"
    gadget(page, "Feed reader").locator(".inline-prefs a:has-text('Cancel')").click()
    expect(gadget(page, "Feed reader").locator(".inline-prefs")).to_have_count(0)


def test_tabs_add_rename_reorder_and_delete(page, server):
    login(page, server)
    page.fill("input[name=title][aria-label='New dashboard title']", "Work")
    with page.expect_navigation():
        page.click(".new-dashboard button")
    assert page.locator(".toolbar h1").inner_text() == "Work"

    def tabs():
        return page.locator(".tab-list a").all_inner_texts()

    assert tabs() == ["My dashboard", "Work"]
    page.fill("#rename-form input[name=title]", "Office")
    page.click("#rename-form button")
    page.wait_for_function("() => document.querySelector('.tabs a[aria-current=page]').textContent === 'Office'")
    # reorder by keyboard
    page.locator(".tab-list a", has_text="Office").focus()
    with saved(page):
        page.keyboard.press("Shift+ArrowLeft")
    assert tabs() == ["Office", "My dashboard"]
    page.reload()
    assert tabs() == ["Office", "My dashboard"]
    # and by dragging a tab to the right of the other, which must not follow the link
    url = page.url
    start = page.locator(".tab-list a", has_text="Office").bounding_box()
    end = page.locator(".tab-list a", has_text="My dashboard").bounding_box()
    with saved(page):
        page.mouse.move(start["x"] + 10, start["y"] + 8)
        page.mouse.down()
        page.mouse.move(end["x"] + end["width"] - 5, end["y"] + 8, steps=10)
        page.mouse.up()
    assert tabs() == ["My dashboard", "Office"] and page.url == url
    page.reload()
    assert tabs() == ["My dashboard", "Office"]
    # the layout applies as soon as it is chosen
    assert page.locator("section.column").count() == 2
    with page.expect_navigation():
        page.select_option("#layout-form select", "ABA")
    assert page.locator("section.column").count() == 3
    assert page.locator("#layout-form select").input_value() == "ABA"
    with page.expect_navigation():
        page.click("button:has-text('Delete dashboard')")  # the confirmation is accepted by the fixture
    assert tabs() == ["My dashboard"]


def test_a_blocked_connect_popup_falls_back_to_this_window(page, server, oauth2_server):
    """When the browser blocks the popup (window.open answers null, as popup blockers do), the connect flow runs in
    the dashboard's own window and comes back to the dashboard, where the gadget shows the data."""
    from dashboard.models.credentials import ProviderSettings

    with app_root_of(server.app) as root:
        settings = root.providers["github"] = ProviderSettings("github")
        settings.approved, settings.client_id = True, oauth2_server.client.client_id
        settings.client_secret_enc = server.app.registry.dashboard_secretbox.encrypt(oauth2_server.client.client_secret)
    login(page, server)
    add_from_directory(page, "My open pull requests")
    dashboard_url = page.url.split("?")[0]
    frame = frame_of(page, "My open pull requests")
    frame.evaluate("window.open = function () { return null; }")
    frame.click("text=Connect to GitHub")
    page.wait_for_url(re.compile(r".*/connect/callback/oauth2.*"))
    assert "is connected" in page.locator("#connected").inner_text()
    page.wait_for_url(dashboard_url)
    gadget = frame_of(page, "My open pull requests")
    gadget.wait_for_selector("text=for octocat", timeout=10000)


PAGES_AT_PHONE_WIDTH = ["/", "/directory", "/connections", "/tokens", "/admin", "/admin/providers",
                        "/admin/consumers", "/admin/trusted", "/admin/specs", "/admin/audit"]


def test_every_page_fits_a_phone_screen_and_keeps_to_its_csp(chromium, server):
    context = chromium.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True,
                                   has_touch=True)
    phone = context.new_page()
    refused = []  # Chromium reports what the pages' Content-Security-Policy blocks on the console
    phone.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    login(phone, server, "root")
    add_from_directory(phone, "World clock")
    add_from_directory(phone, "Notes", column=1)
    for path in PAGES_AT_PHONE_WIDTH:
        phone.goto(server.url + path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
        if path == "/":
            # the columns stack: each gadget takes the screen's width
            widths = phone.locator("article.gadget").evaluate_all("els => els.map(e => e.getBoundingClientRect().width)")
            assert len(widths) == 2 and all(w > 320 for w in widths)
            phone.screenshot(path=str(SHOTS / "phone.png"), full_page=True)
    assert refused == []  # no inline script, handler or style anywhere
    context.close()


def test_administration_is_one_set_of_tabs(chromium, server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    admin = context.new_page()
    login(admin, server, "root")
    admin.click(".topbar a:has-text('Administration')")
    for label, path in [("Service Providers", "/admin/providers"), ("Consumers", "/admin/consumers"),
                        ("Trusted Applications", "/admin/trusted"), ("Gadget specs", "/admin/specs"),
                        ("Audit log", "/admin/audit"), ("Plugins & settings", "/admin")]:
        admin.click(f".admin-tabs a:text-is('{label}')")
        admin.wait_for_url(server.url + path)
        assert admin.locator(".admin-tabs a[aria-current=page]").inner_text() == label
        if label in ("Consumers", "Audit log"):
            admin.screenshot(path=str(SHOTS / f"admin-{path.rsplit('/', 1)[1]}.png"), full_page=True)
    admin.click(".admin-tabs a:text-is('Consumer Info')")
    admin.wait_for_url(server.url + "/admin/providers#consumer-info")
    assert admin.locator("#consumer-info").is_visible()
    context.close()


def test_a_gadget_cannot_send_the_dashboard_elsewhere(page, server):
    """The same-window fallback of the connect flow takes only a connect URL for the asking frame's own gadget."""
    login(page, server)
    add_from_directory(page, "World clock")
    add_from_directory(page, "Probe")
    url = page.url
    did = page.locator("#dashboard").get_attribute("data-id")
    other = page.locator("article.gadget[data-title='World clock']").get_attribute("data-instance")
    probe = frame_of(page, "Probe")
    for target in [f"/connect/github?d={did}&i={other}", "https://evil.example/connect/github",
                   "/logout", f"/connect/github?d=elsewhere&i={other}"]:
        probe.evaluate("t => window.parent.postMessage({type: 'dashboard:connect-here', url: t}, '*')", target)
    page.wait_for_timeout(500)
    assert page.url == url



def test_a_gadget_shows_loading_until_its_content_arrives(page, server):
    """"Loading…" lies under the (transparent, still empty) frame until the frame's document paints over it."""
    import threading

    from httpserver import Upstream, gated

    feed = b'<rss version="2.0"><channel><title>Late</title><item><title>Finally</title></item></channel></rss>'
    answer = threading.Event()  # the upstream holds its answer until the loading state has been seen
    upstream = Upstream({"/late.xml": gated(answer, feed, {"Content-Type": "application/rss+xml"})})
    try:
        login(page, server)
        add_from_directory(page, "Feed reader")
        set_prefs(page, "Feed reader", {"feed_url": upstream.url + "/late.xml"})
        page.reload(wait_until="domcontentloaded")
        article = page.locator("article.gadget[data-title='Feed reader']")
        under = article.locator(".loading-state").evaluate("""p => {
            const r = p.getBoundingClientRect();
            return document.elementsFromPoint(r.x + r.width / 2, r.y + r.height / 2).map(e => e.className)}""")
        assert under[:2] == ["gadget-frame", "loading-state"]  # the frame is on top, the text right beneath it
        assert article.locator("iframe").evaluate("f => getComputedStyle(f).backgroundColor") == "rgba(0, 0, 0, 0)"
        assert article.locator(".loading-state").inner_text() == "Loading…"
        answer.set()
        frame = article.locator("iframe").element_handle().content_frame()
        frame.wait_for_selector("ul.feed li:has-text('Finally')", timeout=10000)
        # the frame's document is opaque: the text beneath no longer shows
        assert frame.evaluate("() => getComputedStyle(document.documentElement).backgroundColor") == "rgb(255, 255, 255)"
    finally:
        answer.set()
        upstream.close()


def test_the_directory_stays_open_for_several_adds_and_says_what_was_added(page, server):
    login(page, server)
    page.click("#open-directory")
    for title, column in (("World clock", "0"), ("Notes", "1")):
        page.fill("#directory-q", title)
        page.select_option("#directory-column", column)
        page.locator("#directory-results li.entry", has_text=title).first.locator("button.add-now").click()
        expect(page.locator("#directory-added")).to_contain_text(f"Added {title} to Column {int(column) + 1}")
    expect(page.locator("#directory-added")).to_contain_text("(2 added)")
    assert page.locator("#directory-dialog").evaluate("d => d.open")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r".*[?&]added="))
    assert settles_into(page, [["World clock"], ["Notes"]])
