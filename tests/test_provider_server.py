"""An administrator chooses the server of a provider whose server is configurable (GitHub Enterprise, Jira,
Confluence) on Service Providers: the environment variable is only the default, the change needs a new approval, and
accounts connected at the old server are asked to reconnect: their tokens never go to the new one."""
import pytest

from brokerworld import World, make_app
from dashboard.testing.oauth2 import OAuth2Provider
from dashboard.testing import app_root_of

CALLBACK = "http://localhost/connect/callback/oauth2"


@pytest.fixture
def two_servers(dashboard_settings, monkeypatch):
    first, second = OAuth2Provider(CALLBACK), OAuth2Provider(CALLBACK, user="hubot", users=["hubot"])
    monkeypatch.setenv("DASHBOARD_GITHUB_URL", first.url)
    app, admin, alice = make_app(dashboard_settings)
    yield World(app, first, admin, alice), second
    first.close()
    second.close()


def move(world, url, status=303):
    return world.admin.app.post("/admin/providers/github", {"csrf_token": world.admin.csrf, "action": "server",
                                                            "server_url": url}, status=status)


def test_the_server_is_chosen_on_the_page_and_needs_a_new_approval(two_servers):
    world, second = two_servers
    page = world.admin.app.get("/admin/providers")
    field = page.html.select_one("#provider-github input[name=server_url]")
    assert field["value"] == world.provider.url  # the environment's default
    world.approve()
    did, inst = world.add()
    world.connect(did, inst)
    assert "for octocat" in world.get(world.alice, inst["frame_url"]).text
    move(world, second.url + "/")
    page = world.admin.app.get("/admin/providers")
    assert page.html.select_one("#provider-github .state").text == "pending"
    assert page.html.select_one("#provider-github input[name=server_url]")["value"] == second.url
    assert "waiting for an administrator to approve GitHub" in world.get(world.alice, inst["frame_url"]).text
    # approved again with the client registered at the new server
    world.provider = second
    world.approve()
    frame = world.get(world.alice, inst["frame_url"]).text
    assert "Reconnect to GitHub" in frame
    assert second.api_calls == 0  # alice's token from the first server was never sent to the second
    world.connect(did, inst)
    assert "for hubot" in world.get(world.alice, inst["frame_url"]).text
    from dashboard.broker import audit

    audit.flush(world.app.registry._zodb_databases[""])
    with app_root_of(world.app) as root:
        assert any("server moved" in (e["outcome"] or "") for e in audit.entries(root, provider="github"))


@pytest.mark.parametrize("url, message", [("ftp://github.example.com", "http(s) address"), ("not a url", "http(s)"),
                                          ("https://user:pw@github.example.com", "http(s) address"),
                                          ("https://github.example.com/?q=1", "http(s) address")])
def test_a_server_that_is_no_http_address_is_refused_with_the_reason(two_servers, url, message):
    world, _ = two_servers
    res = move(world, url, status=400)
    assert message in res.text
    with app_root_of(world.app) as root:
        settings = root.providers.get("github")
        assert settings is None or settings.server_url == ""


def test_a_provider_whose_server_is_not_configurable_says_so(dashboard_settings, monkeypatch):
    monkeypatch.setenv("ACME_URL", "https://acme.example.com")
    app, admin, _ = make_app(dashboard_settings, "plugins_for_tests.acme")
    res = admin.app.post("/admin/providers/acme", {"csrf_token": admin.csrf, "action": "server",
                                                   "server_url": "https://acme.example.com"}, status=400)
    assert "not configurable" in res.text
    assert admin.app.get("/admin/providers").html.select_one("#provider-acme input[name=server_url]") is None
