"""The administrator edits the default dashboard in real headless Chromium, with the same editor as their own
dashboards (the directory dialog, moving by keyboard, preferences); a user added afterwards sees it on first login."""
from browserkit import add_from_directory, chromium, frame_of, login, page, server, set_prefs  # noqa: F401
from livehelpers import log_in

LAYOUT = """() => Array.from(document.querySelectorAll('section.column')).map(c =>
    Array.from(c.querySelectorAll(':scope > article.gadget')).map(a => a.dataset.title))"""


def test_the_administrator_edits_the_default_dashboard_a_new_user_starts_with_it(page, server):
    login(page, server, "root")
    page.goto(server.url + "/admin")
    page.click("#edit-default-dashboard")
    page.wait_for_url("**/d/default")
    assert "default dashboard" in page.inner_text("#default-dashboard-notice")
    add_from_directory(page, "World clock")
    add_from_directory(page, "Notes")
    assert page.evaluate(LAYOUT) == [["World clock", "Notes"], []]
    # moved by keyboard: saved at once through the API, as on the administrator's own dashboards
    page.locator("article.gadget[data-title='Notes'] .handle").focus()
    with page.expect_response(lambda r: "/api/dashboards/default/gadgets/" in r.url) as response:
        page.keyboard.press("ArrowRight")
    assert response.value.status == 200
    set_prefs(page, "World clock", {"time_zone": "Asia/Tokyo"})
    page.reload()
    assert page.evaluate(LAYOUT) == [["World clock"], ["Notes"]]
    assert "Asia/Tokyo" in frame_of(page, "World clock").content()
    # a user added now, on the Users part of the administration page
    page.goto(server.url + "/admin")
    page.fill("#add-user input[name=name]", "newbie")
    page.fill("#add-user input[name=password]", "newbie's password")
    page.click("#add-user button[type=submit]")
    page.wait_for_url("**/admin/users/newbie*")
    page.context.clear_cookies()
    log_in(page, server.url, "newbie", "newbie's password")
    assert "/d/default" not in page.url
    assert page.evaluate(LAYOUT) == [["World clock"], ["Notes"]]
    assert "Asia/Tokyo" in frame_of(page, "World clock").content()
    assert not page.locator("#default-dashboard-notice").count()
