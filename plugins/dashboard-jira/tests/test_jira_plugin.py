"""The Jira gadget end to end against a real OAuth 1.0a provider (RSA-SHA1) on loopback, with the core's fixtures."""
import pytest

from dashboard.testing import add_gadget, approve_provider, check_plugin, connect_account


@pytest.fixture(autouse=True)
def jira_at_loopback(oauth1_server, monkeypatch):
    monkeypatch.setenv("DASHBOARD_JIRA_URL", oauth1_server.url)


def test_issues_assigned_to_me(user_client, admin_client, oauth1_server):
    approve_provider(admin_client, "jira", oauth1_server)
    did, inst = add_gadget(user_client, "jira-assigned", prefs={"count": 5})
    assert "jdoe" in connect_account(user_client, did, inst, "jira").text
    frame = user_client.get(inst["frame_url"]).text
    assert "PRJ-1" in frame and "&lt;i&gt;Assigned&lt;/i&gt; to jdoe" in frame


def test_conforms(user_client, admin_client, oauth1_server):
    report = check_plugin("jira", user_client, admin_client, servers={"jira": oauth1_server})
    assert report["gadgets"] == ["jira-assigned"] and report["renders"] >= 3
