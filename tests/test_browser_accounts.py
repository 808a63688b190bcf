"""Users on the web and shared dashboards in real headless Chromium (issue 15): an administrator adds a user and
resets their password through the pages' forms; a user shares a dashboard with another, who sees it read-only
(with their own frames) and finds it under Shared with me."""
from playwright.sync_api import expect

from browserkit import add_from_directory, chromium, login, server  # noqa: F401
from dashboard.testing import PASSWORD

NEW = "a brand new password"


def new_page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page


def add_user(admin, server, name, password=PASSWORD):
    admin.goto(server.url + "/admin#users")
    form = admin.locator("#add-user")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    admin.wait_for_url(f"{server.url}/admin/users/{name}?done=added")
    expect(admin.locator("h1")).to_have_text(f"User {name}")


def test_an_administrator_adds_a_user_and_resets_their_password(chromium, server):
    context, admin = new_page(chromium)
    login(admin, server, "root")
    add_user(admin, server, "erin")
    other, erin = new_page(chromium)
    login(erin, server, "erin")  # logs in with the password the administrator set
    admin.fill("#reset-password input[name=password]", NEW)
    admin.fill("#reset-password input[name=password2]", NEW)
    admin.click("#reset-password button[type=submit]")
    expect(admin.locator("p.notice")).to_contain_text("password reset")
    erin.reload()  # the reset ended erin's session
    erin.wait_for_url("**/login?next=*")
    erin.fill("input[name=name]", "erin")
    erin.fill("input[name=password]", PASSWORD)
    erin.click("button[type=submit]")
    expect(erin.locator("[role=alert]")).to_contain_text("Wrong user name or password")
    erin.fill("input[name=password]", NEW)
    erin.click("button[type=submit]")
    erin.wait_for_url("**/d/*")
    expect(erin.locator(".topbar .who")).to_have_text("erin")
    context.close()
    other.close()


def test_a_user_shares_a_dashboard_and_another_sees_it_read_only(chromium, server):
    context, admin = new_page(chromium)
    login(admin, server, "root")
    add_user(admin, server, "bob")
    context.close()
    owner_context, alice = new_page(chromium)
    login(alice, server, "alice")
    add_from_directory(alice, "Notes")
    alice.locator("article.gadget iframe").first.content_frame.locator("textarea").fill("for bob to read")
    alice.locator("article.gadget iframe").first.content_frame.locator("button[type=submit]").click()
    expect(alice.locator("article.gadget iframe").first.content_frame.locator("[role=status]")).to_have_text("Saved.")
    alice.click("#share-dashboard")
    alice.fill("#share-form input[name=users]", "bob")
    alice.click("#share-form button[type=submit]")
    expect(alice.locator("#shared-with")).to_have_text("User bob")
    viewer_context, bob = new_page(chromium)
    login(bob, server, "bob")
    bob.click(".topbar a:has-text('Shared with me')")
    bob.click("#shared-list a")
    expect(bob.locator("#shared-dashboard .notice")).to_contain_text("Shared with you by alice, to view only")
    note = bob.locator("article.gadget iframe").first.content_frame
    expect(note.locator(".notes-read-only")).to_have_text("for bob to read")
    # no owner's controls on the viewer's page, and the notes show no form to change them (the frame refuses a
    # change made anyway: test_sharing.py)
    assert bob.locator("#share-dashboard, #layout-form, .gadget-menu, #open-directory").count() == 0
    assert note.locator("textarea, form").count() == 0
    alice.reload()
    expect(alice.locator("#shared-with")).to_have_text("User bob")
    alice.goto(server.url + "/")
    expect(alice.locator("article.gadget iframe").first.content_frame.locator("textarea")).to_have_value(
        "for bob to read")
    # unshared: bob's next load finds nothing
    alice.click("#share-dashboard")
    alice.fill("#share-form input[name=users]", "")
    alice.click("#share-form button[type=submit]")
    expect(alice.locator("#shared-with")).to_have_text("Nobody: only you see it.")
    response = bob.reload()
    assert response.status == 404
    owner_context.close()
    viewer_context.close()
