"""The GitHub gadget end to end against a real OAuth 2.0 provider on loopback, with the core's fixtures."""
import pytest

from dashboard.testing import add_gadget, approve_provider, check_plugin, connect_account


@pytest.fixture(autouse=True)
def github_at_loopback(oauth2_server, monkeypatch):
    monkeypatch.setenv("DASHBOARD_GITHUB_URL", oauth2_server.url)


def test_my_open_pull_requests(user_client, admin_client, oauth2_server):
    approve_provider(admin_client, "github", oauth2_server)
    did, inst = add_gadget(user_client, "github-pulls")
    assert "Connect to GitHub" in user_client.get(inst["frame_url"]).text
    assert "octocat" in connect_account(user_client, did, inst, "github").text
    frame = user_client.get(inst["frame_url"]).text
    assert "#7 Fix &lt;b&gt;bug&lt;/b&gt; for octocat" in frame


def test_conforms(user_client, admin_client, oauth2_server):
    report = check_plugin("github", user_client, admin_client, servers={"github": oauth2_server})
    assert report == {"renders": 1, "gadgets": ["github-pulls"]}
