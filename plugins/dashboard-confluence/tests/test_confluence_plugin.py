"""The Confluence gadget end to end against a provider on loopback that verifies trusted-application identities,
with the core's fixtures."""
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.testing import add_gadget, approve_provider, check_plugin


@pytest.fixture(autouse=True)
def confluence_at_loopback(trusted_server, monkeypatch):
    monkeypatch.setenv("DASHBOARD_CONFLUENCE_URL", trusted_server.url)


def test_recently_updated_pages_as_the_logged_in_user(user_client, admin_client, trusted_server):
    did, inst = add_gadget(user_client, "confluence-recent", prefs={"count": 5})
    assert "waiting for an administrator to approve Confluence" in user_client.get(inst["frame_url"]).text
    approve_provider(admin_client, "confluence", trusted_server)
    frame = user_client.get(inst["frame_url"]).text
    assert "Plans of alice &lt;script&gt;" in frame and "a minute ago" in frame
    assert trusted_server.refusals == []
    (user, path), = trusted_server.answered
    query = parse_qs(urlsplit(path).query)
    assert user == "alice" and urlsplit(path).path == "/rest/api/search"
    assert query["limit"] == ["5"] and "lastmodified" in query["cql"][0]


def test_nothing_is_sent_until_an_administrator_confirms_that_user_names_match(user_client, admin_client,
                                                                                trusted_server):
    did, inst = add_gadget(user_client, "confluence-recent")
    approve_provider(admin_client, "confluence", trusted_server, usernames_match=None)
    assert "waiting for an administrator to approve Confluence" in user_client.get(inst["frame_url"]).text
    assert trusted_server.answered == [] and trusted_server.refusals == []


def test_conforms(user_client, admin_client, trusted_server):
    report = check_plugin("confluence", user_client, admin_client, servers={"confluence": trusted_server})
    assert report["gadgets"] == ["confluence-recent"] and report["renders"] >= 3
