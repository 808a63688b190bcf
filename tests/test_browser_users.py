"""Users on the web in real headless Chromium (issue 15), by an administrator using the pages alone: the user list is
searched by a name's beginning and paged through (60 users made beforehand, more than one page of 50); a user is
disabled (and cannot log in) and enabled again; the administrator role is granted and removed (the user's own browser
reaches the administration pages, then no more); all of a user's sessions end (their open browser is sent to the login
page on its next navigation); a group is made and given members; a user is deleted once their name is typed. Each
change is then found in the audit log's page."""
import re

import pytest
from playwright.sync_api import expect

from browserkit import chromium, login, server  # noqa: F401
from dashboard.models import User
from dashboard.testing import PASSWORD, app_root_of

MEMBERS = [f"member-{i:02d}" for i in range(60)]


@pytest.fixture
def people(chromium, server):
    """60 users made through the models; an administrator's browser and a way to open a browser as anyone."""
    with app_root_of(server.app) as root:
        for name in MEMBERS:
            root.add_user(User(name, PASSWORD))
    contexts = []

    def browser_of(name=None):
        contexts.append(chromium.new_context(viewport={"width": 1280, "height": 900}))
        page = contexts[-1].new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        if name:
            login(page, server, name)
        return page

    yield browser_of
    for context in contexts:
        context.close()


def listed(admin):
    return admin.locator("#users ~ table tbody td:first-child a").all_inner_texts()


def open_user(admin, server, name):
    """From the list on the administration page, as a person finds them: search, then follow the name's link."""
    admin.goto(server.url + "/admin#users")
    admin.fill("form.search input[name=prefix]", name)
    admin.click("form.search button[type=submit]")
    admin.click(f"#users ~ table a:text-is('{name}')")
    admin.wait_for_url(f"{server.url}/admin/users/{name}")
    expect(admin.locator("h1")).to_have_text(f"User {name}")


def act(admin, button, done):
    admin.click(f"#user-actions button:text-is('{button}')")
    expect(admin.locator("#user-page p.notice")).to_have_text(f"Done: {done}.")


def try_login(page, server, name):
    page.goto(server.url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_an_administrator_manages_users_and_groups_in_the_browser(people, server):
    admin = people("root")
    admin.click(".topbar a:has-text('Administration')")
    # search by the name's beginning, and page through: 50, then the other 10, none twice
    admin.fill("form.search input[name=prefix]", "member-")
    admin.click("form.search button[type=submit]")
    first = listed(admin)
    assert len(first) == 50 and all(n.startswith("member-") for n in first), first
    admin.click("a[rel=next]:has-text('Next page')")
    admin.wait_for_url(re.compile(r".*[?&]next="))
    second = listed(admin)
    assert sorted(first + second) == MEMBERS
    assert admin.locator("a[rel=next]").count() == 0  # the last page
    admin.fill("form.search input[name=prefix]", "ali")
    admin.click("form.search button[type=submit]")
    assert listed(admin) == ["alice"]

    # disable: the user cannot log in; enabled again, they can
    open_user(admin, server, "member-07")
    act(admin, "Disable", "disabled")
    expect(admin.locator("#user-page")).to_contain_text("User, disabled")
    blocked = people()
    try_login(blocked, server, "member-07")
    expect(blocked.locator("[role=alert]")).to_contain_text("Wrong user name or password")
    act(admin, "Enable", "enabled")
    try_login(blocked, server, "member-07")
    blocked.wait_for_url("**/d/*")

    # the administrator role, granted and removed: the user's own browser follows at once
    member = people("member-11")
    assert member.goto(server.url + "/admin").status == 403
    assert member.goto(server.url + "/admin/users").status == 403
    open_user(admin, server, "member-11")
    act(admin, "Make administrator", "made administrator")
    expect(admin.locator("#user-page")).to_contain_text("Administrator;")
    assert member.goto(server.url + "/admin/users?prefix=member-1").status == 200  # the list, on /admin
    assert member.url == server.url + "/admin?prefix=member-1#users"
    expect(member.locator("h1")).to_have_text("Administration")
    assert len(listed(member)) == 10
    act(admin, "Remove administrator", "administrator role removed")
    assert member.goto(server.url + "/admin").status == 403

    # end all sessions: the open browser is sent to the login page on its next navigation
    member.goto(server.url + "/")
    member.wait_for_url("**/d/*")
    act(admin, "End all sessions", "sessions ended")
    expect(admin.locator("#user-page")).to_contain_text("0 session(s) held")
    member.goto(server.url + "/connections")
    member.wait_for_url("**/login?next=*")
    expect(member.locator("input[name=name]")).to_be_visible()

    # a group, and members added to it
    admin.click("nav.admin-tabs a:text-is('Groups')")
    admin.wait_for_url(server.url + "/admin/groups")
    admin.fill("#new-group input[name=name]", "night-shift")
    admin.click("#new-group button[type=submit]")
    admin.wait_for_url(server.url + "/admin/groups/night-shift")
    expect(admin.locator("p.empty")).to_have_text("No members yet.")
    admin.fill("#members-form input[name=names]", "member-01, member-02 alice")
    admin.click("#members-form button:text-is('Add members')")
    expect(admin.locator("ul.members li")).to_have_text(["alice", "member-01", "member-02"])
    open_user(admin, server, "member-02")
    expect(admin.locator("#user-page")).to_contain_text("groups: night-shift.")

    # delete: only once the name is typed
    victim = people("member-09")
    open_user(admin, server, "member-09")
    admin.fill("#delete-user input[name=confirm]", "member-9")
    admin.click("#delete-user button:text-is('Delete member-09')")
    expect(admin.locator("#user-page [role=alert]")).to_contain_text("type the user's name, member-09, to confirm")
    admin.fill("#delete-user input[name=confirm]", "member-09")
    admin.click("#delete-user button:text-is('Delete member-09')")
    admin.wait_for_url(f"{server.url}/admin?deleted=member-09#users")
    admin.fill("form.search input[name=prefix]", "member-09")
    admin.click("form.search button[type=submit]")
    assert listed(admin) == []
    assert admin.goto(server.url + "/admin/users/member-09").status == 404
    victim.goto(server.url + "/")
    victim.wait_for_url("**/login?next=*")
    try_login(victim, server, "member-09")
    expect(victim.locator("[role=alert]")).to_contain_text("Wrong user name or password")

    # every change, in the audit log's page: who made it, to whom, what
    expected = [("users", "member-07", "disabled"), ("users", "member-07", "enabled"),
                ("users", "member-11", "made administrator"), ("users", "member-11", "administrator role removed"),
                ("users", "member-11", "sessions ended"), ("groups", "night-shift", "group created"),
                ("groups", "night-shift", "added member-01"), ("users", "member-09", "deleted with")]
    for provider, account, outcome in expected:
        row = admin.locator("table.audit tbody tr").filter(has=admin.locator(f"td:nth-child(5):text-is('{account}')")) \
            .filter(has=admin.locator(f"td:nth-child(9):has-text('{outcome}')"))
        for _ in range(50):  # the audit log's writer works behind the requests: wait for it to catch up
            admin.goto(f"{server.url}/admin/audit?provider={provider}")
            if row.count():
                break
            admin.wait_for_timeout(100)
        expect(row).to_have_count(1)
        cells = row.locator("td").all_inner_texts()
        assert cells[1] == "root" and cells[3] == provider, cells
