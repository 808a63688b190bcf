"""Sharing in real headless Chromium (issue 15): the owner shares a dashboard with a group and with everyone logged in
through the share page and sees with whom; a member of the group opens it read-only; its credentialed gadget (the
bundled GitHub plugin against Authlib's OAuth 2.0 provider on 127.0.0.1) shows each browser its own person's data:
the viewer connects their own provider account from the shared dashboard's frame, through the popup, and sees theirs
while the owner's browser still shows the owner's; unsharing takes effect on each viewer's next load."""
import pytest
from playwright.sync_api import expect

from browserkit import add_from_directory, chromium, frame_of, login, server  # noqa: F401
from dashboard.models import User
from dashboard.testing import PASSWORD, Client, app_root_of, approve_provider

PULLS = "My open pull requests"


@pytest.fixture
def browsers(chromium, server, oauth2_server):
    """bob (in the group "readers") and carol (in no group) as users; GitHub approved by the administrator; the
    provider knows two people, octocat (alice's account there) and hubot (bob's)."""
    with app_root_of(server.app) as root:
        for name in ("bob", "carol"):
            root.add_user(User(name, PASSWORD))
    admin = Client(server.app)
    admin.login("root")
    admin.post_json("/api/admin/groups", {"name": "readers", "members": ["bob"]})
    approve_provider(admin, "github", oauth2_server)
    oauth2_server.users.append("hubot")
    contexts = []

    def browser_of(name):
        contexts.append(chromium.new_context(viewport={"width": 1280, "height": 900}))
        page = contexts[-1].new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        login(page, server, name)
        return page

    yield browser_of
    for context in contexts:
        context.close()


def connect_in_popup(page, frame, account):
    """Connect to GitHub from a gadget's frame as a person does: the popup goes through the provider and closes
    itself; the frame reloads with the data."""
    with page.expect_popup() as opened:
        frame.click("text=Connect to GitHub")
    popup = opened.value
    expect(popup.locator("#connected")).to_contain_text(f"Your GitHub account {account} is connected.")
    popup.wait_for_event("close", timeout=10000)
    frame.wait_for_selector(f"text=for {account}", timeout=10000)


def test_shared_with_a_group_and_everyone_each_viewer_sees_their_own_data(browsers, server, oauth2_server):
    alice = browsers("alice")
    add_from_directory(alice, PULLS)
    add_from_directory(alice, "World clock", column=1)
    did = alice.locator("#dashboard").get_attribute("data-id")
    connect_in_popup(alice, frame_of(alice, PULLS), "octocat")  # the provider's user is octocat

    # shared with the group and with everyone logged in, on the share page, which says with whom
    alice.click("#share-dashboard")
    alice.fill("#share-form input[name=groups]", "readers")
    alice.check("#share-form input[name=everyone]")
    alice.click("#share-form button[type=submit]")
    expect(alice.locator("#shared-with li")).to_have_text(["Everyone who can log in", "Group readers"])
    alice.reload()
    expect(alice.locator("#shared-with li")).to_have_text(["Everyone who can log in", "Group readers"])
    expect(alice.locator("#share-form input[name=everyone]")).to_be_checked()

    # bob, of the group, opens it from Shared with me: read-only, and the gadget asks for *his* account
    bob = browsers("bob")
    bob.click(".topbar a:has-text('Shared with me')")
    bob.click("#shared-list a")
    bob.wait_for_url(f"{server.url}/u/alice/d/{did}")
    expect(bob.locator("#shared-dashboard .notice")).to_contain_text("Shared with you by alice, to view only")
    assert bob.locator("#share-dashboard, #layout-form, .gadget-menu, #open-directory").count() == 0
    expect(bob.locator("article.gadget h2")).to_have_text([PULLS, "World clock"])
    pulls = frame_of(bob, PULLS)
    pulls.wait_for_selector("text=Connect to GitHub")
    assert "octocat" not in pulls.locator("body").inner_text()
    assert "UTC" in frame_of(bob, "World clock").locator("body").inner_text()  # the owner's preferences

    # bob connects his own account (hubot at the provider) from the shared dashboard's frame
    oauth2_server.user = "hubot"
    connect_in_popup(bob, pulls, "hubot")
    text = pulls.locator("body").inner_text()
    assert "for hubot" in text and "octocat" not in text
    bob.reload()
    frame_of(bob, PULLS).wait_for_selector("text=for hubot")  # a fresh load: the frame's link uses bob's account
    assert "octocat" not in frame_of(bob, PULLS).locator("body").inner_text()
    # the owner's browser still shows the owner's data
    alice.goto(f"{server.url}/d/{did}")
    owners = frame_of(alice, PULLS)
    owners.wait_for_selector("text=for octocat")
    assert "hubot" not in owners.locator("body").inner_text()
    # and the connected account is bob's own, in his Connected accounts, not alice's
    bob.goto(server.url + "/connections")
    expect(bob.locator("tr.connection")).to_have_count(1)
    expect(bob.locator("tr.connection")).to_contain_text("hubot")
    alice.goto(server.url + "/connections")
    expect(alice.locator("tr.connection")).to_have_count(1)
    expect(alice.locator("tr.connection")).to_contain_text("octocat")

    # carol is in no group: she sees it because it is shared with everyone logged in
    carol = browsers("carol")
    assert carol.goto(f"{server.url}/u/alice/d/{did}").status == 200
    frame_of(carol, PULLS).wait_for_selector("text=Connect to GitHub")
    # no longer with everyone: carol's next load finds nothing; bob, of the group, still sees it
    alice.goto(f"{server.url}/d/{did}/share")
    alice.uncheck("#share-form input[name=everyone]")
    alice.click("#share-form button[type=submit]")
    expect(alice.locator("#shared-with li")).to_have_text(["Group readers"])
    assert carol.reload().status == 404
    assert bob.goto(f"{server.url}/u/alice/d/{did}").status == 200
    frame_of(bob, PULLS).wait_for_selector("text=for hubot")
    # nor with the group: bob's next load finds nothing either
    shared_frame = bob.locator("article.gadget iframe").first.get_attribute("src")
    alice.fill("#share-form input[name=groups]", "")
    alice.click("#share-form button[type=submit]")
    expect(alice.locator("#shared-with")).to_have_text("Nobody: only you see it.")
    assert bob.reload().status == 404
    assert bob.goto(shared_frame if shared_frame.startswith("http") else server.url + shared_frame).status == 403
    bob.goto(server.url + "/shared")
    expect(bob.locator("#shared-list a")).to_have_count(0)
    # alice's own dashboard is as it was
    alice.goto(f"{server.url}/d/{did}")
    frame_of(alice, PULLS).wait_for_selector("text=for octocat")
