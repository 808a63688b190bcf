"""What administrators change for gadget specs is audited and never silently ignored: the https hosts allowed for a
spec URL are in the audit log (who, which spec URL, the hosts); a shared secret for a provider a spec file declares is
refused with the reason; a spec URL naming a provider no plugin declares says which provider id it needs."""
import pytest

from dashboard.specs import url_gadget_id
from dashboard.testing import Client, app_root_of, audit_entries
from httpserver import Upstream

PLAIN = b"""<Module><ModulePrefs title="Plain"/><Content type="html"><![CDATA[<p>plain</p>]]></Content></Module>"""
NAMED_OAUTH2 = b"""<Module><ModulePrefs title="Contacts"><OAuth2><Service name="googleAPI"
    scope="https://www.google.com/m8/feeds/"/></OAuth2></ModulePrefs><Content>x</Content></Module>"""
OAUTH1_FILE = b"""<Module><ModulePrefs title="Signed"><OAuth><Service name="wiki">
    <Request url="https://wiki.example.org/oauth/request"/><Authorization url="https://wiki.example.org/oauth/authorize"/>
    <Access url="https://wiki.example.org/oauth/access"/></Service></OAuth></ModulePrefs><Content>x</Content></Module>"""


@pytest.fixture
def specs():
    server = Upstream({"/plain.xml": (200, {}, PLAIN), "/contacts.xml": (200, {}, NAMED_OAUTH2)})
    yield server
    server.close()


def post_specs(client, status="*", **data):
    return client.app.post("/admin/specs", {"csrf_token": client.csrf, **data}, status=status)


def statuses(client):
    return {r.find("code").text: r.select_one("td.spec-status").get_text(" ", strip=True)
            for r in client.get("/admin/specs").html.select("tr.spec-source")}


def test_the_hosts_allowed_for_a_spec_url_are_audited(admin_client, specs):
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    post_specs(admin_client, action="hosts", spec_allow_hosts="127.0.0.1")
    url = specs.url + "/plain.xml"
    assert post_specs(admin_client, action="add", url=url, script_hosts="cdn.example.org").status_int == 303
    assert post_specs(admin_client, action="script_hosts", url=url,
                      script_hosts="cdn.example.org maps.example.org:8443").status_int == 303
    assert post_specs(admin_client, action="script_hosts", url=url, script_hosts="").status_int == 303
    entries = audit_entries(admin_client, provider="gadget-specs")
    assert [(e["user"], e["gadget"], e["outcome"]) for e in reversed(entries)] == [
        ("root", url_gadget_id(url), f"script, style and frame hosts of the spec URL {url}: cdn.example.org "
                                      "(were: none)"),
        ("root", url_gadget_id(url), f"script, style and frame hosts of the spec URL {url}: cdn.example.org "
                                      "maps.example.org:8443 (were: cdn.example.org)"),
        ("root", url_gadget_id(url), f"script, style and frame hosts of the spec URL {url}: none (were: "
                                      "cdn.example.org maps.example.org:8443)")]
    # a refused change is no change: nothing more in the log
    assert post_specs(admin_client, action="script_hosts", url=url, script_hosts="http:x").status_int == 400
    assert len(audit_entries(admin_client, provider="gadget-specs")) == 3


def test_a_spec_url_naming_a_provider_in_mixed_case_says_which_provider_id_it_needs(admin_client, specs):
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    post_specs(admin_client, action="hosts", spec_allow_hosts="127.0.0.1")
    url = specs.url + "/contacts.xml"
    assert post_specs(admin_client, action="add", url=url).status_int == 303
    assert statuses(admin_client)[url] == (
        "the spec names the OAuth service 'googleAPI' without its endpoints: it needs a plugin that declares the "
        "provider id 'googleapi', and none does")
    # and its gadget is not in the directory: it would wait for an approval that cannot come
    assert url_gadget_id(url) not in {g["id"] for g in admin_client.get_json("/api/gadgets")["gadgets"]}


@pytest.fixture
def file_app(dashboard_settings, tmp_path):
    from dashboard import main
    from dashboard.models import User

    gadgets = tmp_path / "gadgets"
    gadgets.mkdir()
    (gadgets / "signed.xml").write_bytes(OAUTH1_FILE)
    app = main({}, **{**dashboard_settings, "dashboard.gadgets_dir": str(gadgets)})
    with app_root_of(app) as root:
        root.add_user(User("alice", "correct horse battery staple", is_admin=True))
    yield app
    app.registry._zodb_databases[""].close()


def test_a_shared_secret_for_a_provider_a_spec_file_declares_is_refused_with_the_reason(file_app):
    client = Client(file_app)
    client.login("alice")
    pid = next(p for p in file_app.registry.dashboard_plugins.providers if p.startswith("spec-wiki-"))
    refused = client.app.post(f"/admin/providers/{pid}", {"csrf_token": client.csrf, "client_id": "key",
                                                          "client_secret": "s3cret", "enabled": "on"}, status=400)
    assert ("wiki is declared by a spec file and signs with RSA-SHA1, so it takes no shared secret: spec files in the "
            "gadgets directory are configured by their files alone") in refused.text
    with app_root_of(file_app) as root:
        settings = root.providers.get(pid)
        assert settings is None or (settings.client_secret_enc is None and not settings.approved)
    # without a secret it is approved as before (RSA-SHA1 with this server's key)
    assert client.app.post(f"/admin/providers/{pid}", {"csrf_token": client.csrf, "client_id": "key",
                                                       "enabled": "on"}).status_int == 303
    with app_root_of(file_app) as root:
        assert root.providers[pid].approved and root.providers[pid].client_secret_enc is None
