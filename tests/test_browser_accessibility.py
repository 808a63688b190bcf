"""Accessibility and small screens, in real Chromium: axe-core finds no serious or critical violation on any page,
nor in the directory, connect and preferences dialogs; at 360 px wide no page scrolls sideways and a gadget's header
(handle, title, minimize, menu) stays on one line; the gadget menu works from the keyboard."""
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from browserkit import add_from_directory, chromium, frame_of, login, menu_item, server  # noqa: F401

PAGES = ["/", "/directory", "/connections", "/tokens", "/shared", "/account/password", "/admin", "/admin/providers",
         "/admin/consumers", "/admin/trusted", "/admin/specs", "/admin/audit", "/admin/users", "/admin/users/root",
         "/admin/groups"]
#: Where a page other than itself is expected to end (a regular expression of the path): every other must answer
#: 200 at its own address, so that a page sent to the login page or an error cannot drop out of the check unnoticed.
LANDS = {"/": r"/d/[\w-]+", "/admin/users": re.escape("/admin#users")}


def serious(page, label):
    results = Axe().run(page)
    found = [f"{label}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
             for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    return found


@pytest.fixture
def admin_page(chromium, server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, server, "root")
    add_from_directory(page, "World clock")
    add_from_directory(page, "Notes", column=1)
    add_from_directory(page, "My open pull requests")
    yield page
    context.close()


def test_no_serious_or_critical_accessibility_violations(admin_page, server):
    page, found = admin_page, []
    for path in PAGES:
        response = page.goto(server.url + path)
        landed = page.url.removeprefix(server.url)
        assert response.status == 200 and re.fullmatch(LANDS.get(path, re.escape(path)), landed), \
            f"{path} answered {response.status} at {page.url}: not checked"
        found += serious(page, path)
    page.goto(server.url + "/")
    page.click("#open-directory")  # the directory dialog
    page.wait_for_selector("#directory-results li.entry")
    found += serious(page, "directory dialog")
    page.keyboard.press("Escape")
    menu_item(page, "World clock", "Edit").click()  # the preferences, in the gadget
    page.locator("article.gadget[data-title='World clock'] .inline-prefs form").wait_for()
    found += serious(page, "preferences in the gadget")
    page.goto(server.url + "/d/" + page.url.rsplit("/d/", 1)[1].split("?")[0].split("#")[0] + "/g/"
              + page.locator("article.gadget[data-title='World clock']").get_attribute("data-instance") + "/prefs")
    found += serious(page, "preferences page")
    page.goto(server.url + "/")
    menu = page.locator("article.gadget[data-title='World clock'] details.gadget-menu")
    menu.locator("summary").click()
    found += serious(page, "gadget menu open")
    assert "waiting for an administrator" in frame_of(page, "My open pull requests").locator("body").inner_text()
    found += serious(frame_of(page, "My open pull requests").page, "connect prompt")
    assert found == [], "\n".join(found)
    # and axe does run here (the pages' Content-Security-Policy does not stop it): an image without alt text is found
    page.evaluate("document.querySelector('main').appendChild(document.createElement('img')).src = '/static/favicon.svg'")
    assert any("image-alt" in f for f in serious(page, "sanity")), "axe did not run"


def test_at_360_px_nothing_scrolls_sideways_and_gadget_headers_keep_to_one_line(chromium, server):
    context = chromium.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    login(page, server, "root")
    add_from_directory(page, "World clock")
    add_from_directory(page, "My open pull requests")  # a long title
    for path in PAGES:
        page.goto(server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than 360 px"
    page.goto(server.url + "/")
    rows = page.locator("article.gadget header").evaluate_all("""headers => headers.map(h =>
        Array.from(h.children).filter(c => c.offsetParent !== null)
             .map(c => Math.round(c.getBoundingClientRect().top + c.getBoundingClientRect().height / 2)))""")
    assert len(rows) == 2
    for centres in rows:
        assert max(centres) - min(centres) <= 6, rows  # every part of the header on one line
    heights = page.locator("article.gadget header").evaluate_all("hs => hs.map(h => h.getBoundingClientRect().height)")
    assert max(heights) < 48, heights
    context.close()


def test_the_gadget_menu_works_from_the_keyboard(admin_page):
    page = admin_page
    summary = page.locator("article.gadget[data-title='World clock'] details.gadget-menu summary")
    summary.focus()
    page.keyboard.press("Enter")
    chrome = page.locator("article.gadget[data-title='World clock'] .chrome")
    expect(chrome).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.chrome') !== null")
    page.keyboard.press("Escape")
    expect(chrome).to_be_hidden()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    # opening another closes the first
    summary.click()
    page.locator("article.gadget[data-title='Notes'] details.gadget-menu summary").click()
    expect(chrome).to_be_hidden()  # (the toggle event that closes it comes a moment later)
