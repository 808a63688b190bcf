"""Shared parts of the browser tests: Debian's Chromium through Playwright, a live server, and what a person does.

Without Chromium the browser tests skip with a message saying how to install it; with DASHBOARD_REQUIRE_BROWSER=1
(set by .ci/run) they fail instead.

Screenshots go to a temporary folder: tests never rewrite tracked files. ``make screenshots`` sets
DASHBOARD_SCREENSHOTS to docs/screenshots and runs the tests that take them against the demo set of gadgets (the
installed plugins and gadgets/, without the test-only ones).
"""
import os
import re
import tempfile
from pathlib import Path

import pytest

from dashboard.testing import PASSWORD, LiveServer, app_root_of
from livehelpers import log_in

CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
DEMO = bool(os.environ.get("DASHBOARD_SCREENSHOTS"))
SHOTS = Path(os.environ.get("DASHBOARD_SCREENSHOTS") or tempfile.mkdtemp(prefix="dashboard-screenshots-"))
ADDED = re.compile(r".*[?&]added=")

if not Path(CHROMIUM).exists():
    message = (f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) to run the "
               "browser tests")
    if os.environ.get("DASHBOARD_REQUIRE_BROWSER"):
        raise RuntimeError(message)
    pytest.skip(message, allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
@pytest.fixture(scope="module")
def chromium():
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def server(dashboard_settings, monkeypatch, oauth2_server):
    monkeypatch.setenv("DASHBOARD_GITHUB_URL", oauth2_server.url)
    from dashboard import main
    from dashboard.models import User

    test_only = {"dashboard.plugins.extra": "plugins_for_tests.probe",
                 "dashboard.gadgets_dir": str(ROOT / "tests" / "specs")}
    app = main({}, **{**dashboard_settings, **({"dashboard.gadgets_dir": str(ROOT / "gadgets")} if DEMO else test_only)})
    with app_root_of(app) as root:
        root.add_user(User("alice", PASSWORD))
        root.add_user(User("root", PASSWORD, is_admin=True))
        root.settings["fetch_allow_hosts"] = ("127.0.0.1",)
    live = LiveServer(app)
    oauth2_server.client.redirect_uri = f"{live.url}/connect/callback/oauth2"
    yield live
    live.stop()
    app.registry._zodb_databases[""].close()


@pytest.fixture
def page(chromium, server):
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def login(page, server, name="alice"):
    log_in(page, server.url, name)


def add_from_directory(page, title, column=None):
    """Through the directory dialog: search as you type, pick the column, "Add it now"."""
    page.click("#open-directory")
    page.fill("#directory-q", title)
    if column is not None:
        page.select_option("#directory-column", str(column))
    entry = page.locator("#directory-results li.entry", has_text=title).first
    before = page.url
    entry.locator("button", has_text="Add it now").click()
    page.wait_for_selector(f"#directory-added:has-text('Added {title}')")
    page.keyboard.press("Escape")  # the dialog stays open for more until it is closed
    page.wait_for_url(lambda url: bool(ADDED.match(url)) and url != before)
    page.wait_for_load_state()


def frame_of(page, title):
    handle = page.locator(f"article.gadget:has(h2:has-text('{title}')) iframe").last.element_handle()
    frame = handle.content_frame()
    frame.wait_for_load_state()
    return frame


def frames_sized(page):
    """Wait until every gadget frame has taken its content's height (the frames report it once loaded): until then
    gadgets below a resizing one still move, and a click aimed at them can land where they were."""
    page.wait_for_function("() => Array.from(document.querySelectorAll('iframe.gadget-frame'))"
                           ".every(f => f.style.height)")


def set_prefs(page, title, prefs):
    """Set a gadget's preferences through the JSON API from the page (with its CSRF token), as the page's script does."""
    article = page.locator(f"article.gadget[data-title='{title}']")
    status = page.evaluate("""([url, prefs]) => fetch(url, {method: "PATCH", headers: {
        "Content-Type": "application/json", "X-CSRF-Token": document.querySelector("meta[name=csrf-token]").content},
        body: JSON.stringify({prefs})}).then(r => r.status)""", [article.get_attribute("data-api"), prefs])
    assert status == 200


def menu_item(page, title, text):
    """A gadget's action (Refresh, Edit, Maximize, Remove, ...): its menu opened as a person would, the item found."""
    article = page.locator(f"article.gadget[data-title='{title}']")
    menu = article.locator("details.gadget-menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    return article.locator(".chrome").locator("button, a", has_text=text).first
