"""Small things a person notices: the favicon, and an administrator's banner when a plugin failed to load."""
from dashboard import main
from dashboard.models import User
from dashboard.testing import PASSWORD, Client, app_root_of


def test_pages_name_a_favicon_that_is_served(user_client):
    page = user_client.app.get("/directory")
    href = page.html.select_one('link[rel="icon"]')["href"]
    icon = user_client.app.get(href)
    assert icon.content_type == "image/svg+xml" and b"<svg" in icon.body


def test_an_administrator_sees_a_banner_when_a_plugin_failed_and_users_do_not(dashboard_settings):
    app = main({}, **{**dashboard_settings, "dashboard.plugins.extra": "plugins_for_tests.raising"})
    try:
        with app_root_of(app) as root:
            root.add_user(User("root", PASSWORD, is_admin=True))
            root.add_user(User("alice", PASSWORD))
        admin, alice = Client(app), Client(app)
        admin.login("root")
        alice.login("alice")
        banner = admin.app.get("/directory").html.select_one(".banner")
        assert "raising" in banner.text and banner.select_one("a")["href"] == "/admin"
        assert alice.app.get("/directory").html.select_one(".banner") is None
    finally:
        app.registry._zodb_databases[""].close()


def test_no_banner_when_every_plugin_loaded(admin_client):
    assert admin_client.app.get("/directory").html.select_one(".banner") is None
