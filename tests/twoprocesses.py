"""Two app processes on one ZEO server, with a user connected to an OAuth 2.0 provider on loopback.

Used by the cross-process refresh test and by bench/refresh_storm.py."""
import os
import re
from datetime import timedelta

import requests
import transaction
from ZEO import DB as ZEODB

from dashboard.models import get_app_root
from dashboard.testing import PASSWORD
from livehelpers import HttpUser
from dashboard.testing.oauth2 import OAuth2Provider
from processes import Pserve, RunZeo, add_user, free_port, write_ini


class TwoProcesses:
    def __init__(self, directory):
        self.zeo = RunZeo(directory)
        port_a, port_b = free_port(), free_port()
        self.provider = OAuth2Provider(f"http://127.0.0.1:{port_a}/connect/callback/oauth2")
        os.environ["DASHBOARD_GITHUB_URL"] = self.provider.url
        ini_a, _ = write_ini(directory, self.zeo.uri, port_a, name="a.ini")
        ini_b, _ = write_ini(directory, self.zeo.uri, port_b, name="b.ini")
        add_user(ini_a, "root", PASSWORD, admin=True)
        add_user(ini_a, "alice", PASSWORD)
        self.servers = [Pserve(ini_a, port_a), Pserve(ini_b, port_b)]
        a = self.servers[0].url
        admin = HttpUser(a, "root")
        assert admin.call("PUT", "/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]}).ok
        res = admin.http.post(a + "/admin/providers/github", allow_redirects=False, data={
            "csrf_token": admin.csrf, "client_id": self.provider.client.client_id,
            "client_secret": self.provider.client.client_secret, "enabled": "on"})
        assert res.status_code == 303, res.text
        alice = HttpUser(a, "alice")
        did = alice.call("GET", "/api/dashboards").json()["dashboards"][0]["id"]
        inst = alice.call("POST", f"/api/dashboards/{did}/gadgets", {"gadget": "github-pulls"}).json()
        to_provider = alice.http.get(a + f"/connect/github?d={did}&i={inst['id']}", allow_redirects=False)
        back = requests.get(to_provider.headers["Location"], allow_redirects=False, timeout=10)
        done = alice.http.get(back.headers["Location"], timeout=30)
        assert "octocat" in done.text, done.text
        st = re.search(r"st=([^&\"]+)", inst["frame_url"]).group(1)
        self.proxy_paths = [f"{s.url}/proxy/{did}/{inst['id']}?st={st}&path=search/issues" for s in self.servers]
        self.db = ZEODB(("127.0.0.1", self.zeo.port))

    def expire_tokens(self):
        tm = transaction.TransactionManager()
        conn = self.db.open(tm)
        with tm:
            for c in get_app_root(conn.root()).users["alice"].connections.values():
                c.expires_at = c.created - timedelta(seconds=1)
        conn.close()

    def close(self):
        self.db.close()
        for server in self.servers:
            server.stop()
        self.zeo.stop()
        self.provider.close()
