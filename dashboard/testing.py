"""Pytest fixtures for the core's tests and for plugin authors (registered as the ``dashboard`` pytest plugin).

    def test_my_gadget(user_client):
        dash = user_client.get_json("/api/dashboards")["dashboards"][0]
        inst = user_client.post_json(f"/api/dashboards/{dash['id']}/gadgets", {"gadget": "my-gadget"})
        assert "Hello" in user_client.get(inst["frame_url"]).text

Fixtures: ``dashboard_settings`` (a temporary FileStorage), ``dashboard_app``, ``make_user``, ``anon_client``,
``user_client``, ``other_client``, ``admin_client``, ``live_server`` (a real waitress on 127.0.0.1), and real
OAuth providers on 127.0.0.1 built on Authlib: ``oauth2_server`` (authorization code + PKCE, refresh, revocation)
and ``oauth1_server`` (HMAC-SHA1 and RSA-SHA1 at Jira's endpoint paths). With the helpers ``add_gadget``,
``approve_provider`` and ``connect_account`` a credentialed gadget is tested end to end in about ten lines:

    @pytest.fixture(autouse=True)
    def my_provider_at_loopback(oauth2_server, monkeypatch):
        monkeypatch.setenv("MY_PROVIDER_URL", oauth2_server.url)   # read by my dashboard_providers()

    def test_my_gadget(user_client, admin_client, oauth2_server):
        approve_provider(admin_client, "my-provider", oauth2_server)
        did, inst = add_gadget(user_client, "my-gadget")
        connect_account(user_client, did, inst, "my-provider")
        assert "octocat" in user_client.get(inst["frame_url"]).text
"""
import re
import threading

import pytest

PASSWORD = "correct horse battery staple"


def app_root_of(app):
    """Open a connection to the app's database; use as ``with app_root_of(app) as root:`` (commits on exit)."""
    from .broker.credentials import side_transaction

    return side_transaction(app.registry._zodb_databases[""])


class Client:
    """A WebTest client with a session, that knows its CSRF token and speaks the JSON API.

    ``record``, when given a list, receives the text of every response (e.g. to scan them for secrets).
    """

    def __init__(self, app, record=None):
        import webtest

        class RecordingTestApp(webtest.TestApp):
            def do_request(self, *args, **kw):
                res = super().do_request(*args, **kw)
                if record is not None:
                    record.append(str(res.headers) + res.text)
                return res

        self.app = RecordingTestApp(app)
        self.csrf = None

    def __getattr__(self, name):
        return getattr(self.app, name)

    def refresh_csrf(self):
        page = self.app.get("/login")
        if page.status_int == 303:
            page = self.app.get("/directory")
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        return self.csrf

    def login(self, name, password=PASSWORD):
        self.refresh_csrf()
        res = self.app.post("/login", {"name": name, "password": password, "csrf_token": self.csrf}, status="*")
        if res.status_int == 303:
            self.refresh_csrf()
        return res

    def _headers(self, headers):
        return {"X-CSRF-Token": self.csrf or "", **(headers or {})}

    def get_json(self, url, status=200, **kw):
        return self.app.get(url, status=status, **kw).json

    def post_json(self, url, data, status=(200, 201), headers=None):
        return self.app.post_json(url, data, headers=self._headers(headers), status=status).json

    def patch_json(self, url, data, status=200, headers=None):
        return self.app.patch_json(url, data, headers=self._headers(headers), status=status).json

    def put_json(self, url, data, status=200, headers=None):
        return self.app.put_json(url, data, headers=self._headers(headers), status=status).json

    def delete_json(self, url, status=200, headers=None):
        return self.app.delete(url, headers=self._headers(headers), status=status).json

    def form_post(self, url, data=None, status=303):
        return self.app.post(url, {"csrf_token": self.csrf, **(data or {})}, status=status)


@pytest.fixture
def dashboard_settings(tmp_path):
    """Settings for an app on a fresh FileStorage in a temporary directory."""
    return {
        "zodbconn.uri": f"file://{tmp_path}/Data.fs",
        "dashboard.secret_file": str(tmp_path / "secret.key"),
        "retry.attempts": "3",
        "tm.manager_hook": "pyramid_tm.explicit_manager",
    }


@pytest.fixture
def dashboard_app(dashboard_settings):
    from . import main

    app = main({}, **dashboard_settings)
    yield app
    for db in app.registry._zodb_databases.values():
        db.close()


@pytest.fixture
def make_user(dashboard_app):
    """``make_user(name, admin=False, password=PASSWORD)`` stores a user and returns the name."""
    from .models import User

    def make(name, admin=False, password=PASSWORD):
        with app_root_of(dashboard_app) as root:
            root.add_user(User(name, password, is_admin=admin))
        return name

    return make


@pytest.fixture
def anon_client(dashboard_app):
    client = Client(dashboard_app)
    client.refresh_csrf()
    return client


def _logged_in(app, make_user, name, admin=False):
    make_user(name, admin=admin)
    client = Client(app)
    assert client.login(name).status_int == 303
    client.name = name
    return client


@pytest.fixture
def user_client(dashboard_app, make_user):
    return _logged_in(dashboard_app, make_user, "alice")


@pytest.fixture
def other_client(dashboard_app, make_user):
    return _logged_in(dashboard_app, make_user, "bob")


@pytest.fixture
def admin_client(dashboard_app, make_user):
    return _logged_in(dashboard_app, make_user, "root", admin=True)


class LiveServer:
    def __init__(self, app, threads=8):
        from waitress.server import create_server

        self.app = app
        self.server = create_server(app, host="127.0.0.1", port=0, threads=threads, clear_untrusted_proxy_headers=True)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.server.run()
        except Exception:
            if not self.stopping:  # closing the sockets under the running loop makes it raise; that is the stop
                raise

    def stop(self):
        self.stopping = True
        self.server.close()


@pytest.fixture
def live_server(dashboard_app):
    """The app served by a real waitress on 127.0.0.1; ``live_server.url`` is its base URL."""
    server = LiveServer(dashboard_app)
    yield server
    server.stop()


@pytest.fixture
def oauth2_server():
    """A real OAuth 2.0 provider on 127.0.0.1 (see ``dashboard.testing_oauth2``); its user is "octocat".

    Endpoints: ``/login/oauth/authorize``, ``/login/oauth/access_token``, ``/login/oauth/revoke``; API under
    ``/api/v3/`` (``user``, ``search/issues``). Requires the ``testing`` extra (Authlib, Flask).
    """
    from .testing_oauth2 import OAuth2Provider

    server = OAuth2Provider(CALLBACK_OAUTH2)
    yield server
    server.close()


@pytest.fixture
def oauth1_server():
    """A real OAuth 1.0a provider on 127.0.0.1 at Jira's paths (see ``dashboard.testing_oauth1``); user "jdoe"."""
    from .testing_oauth1 import OAuth1Provider

    server = OAuth1Provider()
    yield server
    server.close()


@pytest.fixture
def trusted_server():
    """A Confluence-like provider on 127.0.0.1 that verifies trusted-application identities (see
    ``dashboard.testing_trusted``); its user is "alice". ``approve_provider`` makes it trust this server."""
    from .testing_trusted import TrustedProvider

    server = TrustedProvider()
    yield server
    server.close()


CALLBACK_OAUTH2 = "http://localhost/connect/callback/oauth2"


def add_gadget(client, gadget_id, prefs=None):
    """Put a gadget on the client's first dashboard; return (dashboard id, instance JSON)."""
    did = client.get_json("/api/dashboards")["dashboards"][0]["id"]
    body = {"gadget": gadget_id, **({"prefs": prefs} if prefs else {})}
    return did, client.post_json(f"/api/dashboards/{did}/gadgets", body)


def approve_provider(admin_client, provider_id, server=None, **fields):
    """Allow loopback fetches and approve a provider, with the test server's client credentials when it has them.

    For an OAuth 1.0a RSA-SHA1 provider or a trusted application, the test server is also told this server's consumer
    key and public key, as an administrator would enter them at the provider. A trusted application is approved as
    "usernames match" unless ``usernames_match=None`` is given.
    """
    admin_client.put_json("/api/admin/settings", {"fetch_allow_hosts": ["127.0.0.1"]})
    data = {"enabled": "on", **fields}
    if server is not None and hasattr(server, "client"):
        data.setdefault("client_id", server.client.client_id)
        data.setdefault("client_secret", server.client.client_secret)
    elif server is not None and hasattr(server, "trust"):
        with app_root_of(admin_client.app.app) as root:
            server.trust(root.settings["consumer_key"], root.settings["consumer_public_key"])
        data.setdefault("usernames_match", "on")
        data = {k: v for k, v in data.items() if v is not None}
    elif server is not None and hasattr(server, "add_consumer"):
        if "client_secret" in data:
            server.add_consumer(data["client_id"], secret=data["client_secret"])
        else:
            with app_root_of(admin_client.app.app) as root:
                server.add_consumer(root.settings["consumer_key"], rsa_public_key=root.settings["consumer_public_key"])
    admin_client.form_post(f"/admin/providers/{provider_id}", data)


def connect_account(client, did, inst, provider_id):
    """Run the connect dance as a browser would: our redirect, the provider's consent, our callback."""
    import requests
    from urllib.parse import urlsplit

    res = client.app.get(f"/connect/{provider_id}?d={did}&i={inst['id']}", status=303)
    upstream = requests.get(res.location, allow_redirects=False, timeout=10)
    back = urlsplit(upstream.headers["Location"])
    return client.app.get(back.path + "?" + back.query)
