"""Shared set-up for the broker tests: an app with an admin and a user, and a browser-like connect dance."""
from urllib.parse import urlsplit

import requests

from dashboard import main
from dashboard.models import User
from dashboard.testing import PASSWORD, Client, app_root_of


def make_app(settings, extra="", record=None):
    """An app with users root (admin), alice and bob; clients for root and alice that record every response."""
    app = main({}, **{**settings, "dashboard.plugins.extra": extra})
    with app_root_of(app) as root:
        root.add_user(User("root", PASSWORD, is_admin=True))
        root.add_user(User("alice", PASSWORD))
        root.add_user(User("bob", PASSWORD))
    admin, alice = Client(app, record), Client(app, record)
    admin.login("root")
    alice.login("alice")
    admin.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    return app, admin, alice


def scan_for_secrets(world, settings, secrets_):
    """No token or secret ever reached a page, a JSON body or a header of any response the test saw,
    and none is stored in plaintext."""
    assert world.seen, "no response was recorded"
    for body in world.seen:
        for secret in secrets_:
            assert secret not in body
    world.app.registry._zodb_databases[""].close()
    data_fs = open(settings["zodbconn.uri"][len("file://"):], "rb").read()
    for secret in secrets_:
        assert secret.encode() not in data_fs


class World:
    def __init__(self, app, provider, admin, alice, seen=None):
        self.app, self.provider, self.admin, self.alice = app, provider, admin, alice
        self.seen = seen if seen is not None else []  # every response, scanned for secrets at the end

    def get(self, client, url, **kw):
        if "audit" in url or "connections" in url:  # the audit log is written in the background
            from dashboard.broker import audit

            audit.flush(self.app.registry._zodb_databases[""])
        return client.app.get(url, **kw)

    def approve(self, pid="github", enabled=True, data=None):
        if data is None:
            data = {"client_id": self.provider.client.client_id, "client_secret": self.provider.client.client_secret}
        data = dict(data)
        if enabled:
            data["enabled"] = "on"
        return self.admin.form_post(f"/admin/providers/{pid}", data)

    def add(self, gadget="github-pulls", client=None):
        client = client or self.alice
        did = client.get_json("/api/dashboards")["dashboards"][0]["id"]
        return did, client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": gadget})

    def connect(self, did, inst, provider="github", client=None):
        """Run the dance as the browser would: our redirect, the provider's consent, our callback."""
        client = client or self.alice
        res = client.app.get(f"/connect/{provider}?d={did}&i={inst['id']}", status=303)
        upstream = requests.get(res.location, allow_redirects=False, timeout=10)
        self.seen.append(upstream.headers.get("Location", ""))
        assert upstream.status_code == 302, upstream.text
        back = urlsplit(upstream.headers["Location"])
        return self.get(client, back.path + "?" + back.query, status="*")


