"""A spec's own OAuth 1.0a service signs with RSA-SHA1 and this server's key pair, or with HMAC-SHA1 once the
administrator gives the shared secret that service issued (Service Providers). Against dashboard.testing.oauth1's
provider on 127.0.0.1, which checks every signature."""
from dashboard.specs import url_gadget_id
from dashboard.testing import connect_account
from httpserver import Upstream

SPEC = """<Module><ModulePrefs title="Issues"><OAuth><Service name="jira">
<Request url="{request_token}" method="POST"/><Authorization url="{authorize}"/><Access url="{access_token}"/>
</Service></OAuth></ModulePrefs><Content><![CDATA[<p>issues</p>]]></Content></Module>"""


def _providers(client):
    page = client.get("/admin/providers").html
    return {s.get("id", "").removeprefix("provider-"): s for s in page.select("[id^=provider-]")}


def test_a_spec_oauth1_service_signs_with_hmac_sha1_given_a_shared_secret(admin_client, user_client, oauth1_server):
    specs = Upstream({"/issues.xml": (200, {}, SPEC.format(**oauth1_server.endpoints).encode())})
    try:
        admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
        admin_client.form_post("/admin/specs", {"action": "hosts", "spec_allow_hosts": "127.0.0.1"})
        url = specs.url + "/issues.xml"
        admin_client.form_post("/admin/specs", {"action": "add", "url": url})
        pid = next(p for p in _providers(admin_client) if p.startswith("spec-jira-"))
        # RSA-SHA1 until a shared secret is given; the page offers the field and says so
        section = _providers(admin_client)[pid]
        assert "RSA-SHA1" in section.text and section.select_one("input[name=client_secret]") is not None
        oauth1_server.add_consumer("dashboard-hmac", secret="a shared secret of the service")
        admin_client.form_post(f"/admin/providers/{pid}", {"action": "approve", "client_id": "dashboard-hmac",
                                                           "client_secret": "a shared secret of the service",
                                                           "enabled": "on"})
        assert "HMAC-SHA1" in _providers(admin_client)[pid].select_one(".meta").text
        did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
        inst = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": url_gadget_id(url)})
        # the provider (Authlib) accepts the HMAC-SHA1 signatures of the token dance and of the API call
        assert connect_account(user_client, did, inst, pid).status_int in (200, 302, 303)
        st = inst["frame_url"].split("st=")[1]
        got = user_client.app.get(f"/proxy/{did}/{inst['id']}", status="*",
                                  params={"st": st, "path": oauth1_server.url + "/rest/api/2/myself"})
        assert got.status_int == 200 and got.json["name"] == "jdoe", got.text[:300]
        # forgetting the secret goes back to RSA-SHA1, which this consumer (registered with a secret) cannot pass
        admin_client.form_post(f"/admin/providers/{pid}", {"action": "approve", "client_id": "dashboard-hmac",
                                                           "forget_secret": "on", "enabled": "on"})
        assert "RSA-SHA1" in _providers(admin_client)[pid].select_one(".meta").text
    finally:
        specs.close()
