"""Pytest fixtures for the core's tests and for plugin authors (registered as the ``dashboard`` pytest plugin).

    def test_my_gadget(user_client):
        dash = user_client.get_json("/api/dashboards")["dashboards"][0]
        inst = user_client.post_json(f"/api/dashboards/{dash['id']}/gadgets", {"gadget": "my-gadget"})
        assert "Hello" in user_client.get(inst["frame_url"]).text

Fixtures: ``dashboard_settings`` (a temporary FileStorage), ``dashboard_app``, ``make_user``, ``anon_client``,
``user_client``, ``other_client``, ``admin_client``, ``live_server`` (a real waitress on 127.0.0.1), and real
OAuth providers on 127.0.0.1 built on Authlib: ``oauth2_server`` (authorization code + PKCE, refresh, revocation)
and ``oauth1_server`` (HMAC-SHA1 and RSA-SHA1 at Jira's endpoint paths), ``trusted_server``, and the same shaped like
your own service in one line: ``make_oauth2_server(scopes=..., users=..., expires_in=..., routes={path: JSON or
handler})``, ``make_oauth1_server(...)``, ``make_trusted_server(...)`` (see ``dashboard.testing.routes``). With the
helpers ``add_gadget``, ``approve_provider`` and ``connect_account`` a credentialed gadget is tested end to end in
about ten lines; ``audit_entries`` reads the audit log once its writer has caught up, and ``check_plugin`` (the
conformance kit) checks a whole plugin as the core would:

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

from .routes import Route  # noqa: F401 (for authors: a route that needs a scope or answers another status)

PASSWORD = "correct horse battery staple"


def app_root_of(app):
    """Open a connection to the app's database; use as ``with app_root_of(app) as root:`` (commits on exit)."""
    from ..broker.credentials import side_transaction

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
    from .. import main

    from ..broker import audit

    app = main({}, **dashboard_settings)
    yield app
    for db in app.registry._zodb_databases.values():
        audit.flush(db, timeout=5)  # as the server does before it closes the database
        db.close()


@pytest.fixture
def make_user(dashboard_app):
    """``make_user(name, admin=False, password=PASSWORD)`` stores a user and returns the name."""
    from ..models import User

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


def _servers(make):
    """A factory fixture's body: ``make(**shape)`` starts a server; every server started is closed afterwards."""
    started = []

    def start(**shape):
        started.append(make(**shape))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture
def make_oauth2_server():
    """``make_oauth2_server(scopes=[...], users=[...], expires_in=3600, routes={...}, paths={...})`` starts an OAuth 2.0
    provider on 127.0.0.1 shaped like your service: the scopes it grants, who may consent (the first user unless
    ``connect_account(..., as_user=...)``), the access token's lifetime, your API's routes (path -> canned JSON or
    handler, see ``dashboard.testing.routes``) and, optionally, its OAuth endpoints' paths (``.endpoints``)."""
    from .oauth2 import OAuth2Provider

    yield from _servers(lambda **shape: OAuth2Provider(CALLBACK_OAUTH2, **shape))


@pytest.fixture
def make_oauth1_server():
    """``make_oauth1_server(users=[...], expires_in=None, routes={...}, paths={...})``: an OAuth 1.0a provider
    (HMAC-SHA1 and RSA-SHA1, as ``approve_provider`` registers the consumer) shaped like your service."""
    from .oauth1 import OAuth1Provider

    yield from _servers(lambda **shape: OAuth1Provider(**shape))


@pytest.fixture
def make_trusted_server():
    """``make_trusted_server(users=[...], max_age=60, routes={...})``: a provider that trusts this server as a trusted
    application (``approve_provider`` tells it our key), shaped like your service."""
    from .trusted import TrustedProvider

    yield from _servers(lambda **shape: TrustedProvider(**shape))


@pytest.fixture
def oauth2_server():
    """A real OAuth 2.0 provider on 127.0.0.1 (see ``dashboard.testing.oauth2``); its user is "octocat".

    Endpoints: ``/login/oauth/authorize``, ``/login/oauth/access_token``, ``/login/oauth/revoke``; API under
    ``/api/v3/`` (``user``, ``search/issues``). Requires the ``testing`` extra (Authlib, Flask).
    """
    from .oauth2 import OAuth2Provider

    server = OAuth2Provider(CALLBACK_OAUTH2)
    yield server
    server.close()


@pytest.fixture
def oauth1_server():
    """A real OAuth 1.0a provider on 127.0.0.1 at Jira's paths (see ``dashboard.testing.oauth1``); user "jdoe"."""
    from .oauth1 import OAuth1Provider

    server = OAuth1Provider()
    yield server
    server.close()


@pytest.fixture
def trusted_server():
    """A Confluence-like provider on 127.0.0.1 that verifies trusted-application identities (see
    ``dashboard.testing.trusted``); its user is "alice". ``approve_provider`` makes it trust this server."""
    from .trusted import TrustedProvider

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


def connect_account(client, did, inst, provider_id, as_user=None):
    """Run the connect dance as a browser would: our redirect, the provider's consent (by its first user, or
    ``as_user``), our callback. Returns our callback's answer."""
    import requests
    from urllib.parse import urlsplit

    res = client.app.get(f"/connect/{provider_id}?d={did}&i={inst['id']}", status=303)
    upstream = requests.get(res.location, allow_redirects=False, timeout=10,
                            headers={"X-Test-User": as_user} if as_user else {})
    back = urlsplit(upstream.headers["Location"])
    return client.app.get(back.path + "?" + back.query)


def _wsgi_app(app_or_client):
    """The dashboard's WSGI app, given it or a ``Client``."""
    while not hasattr(app_or_client, "registry") and hasattr(app_or_client, "app"):
        app_or_client = app_or_client.app
    return app_or_client


def audit_entries(app_or_client, user=None, provider=None, limit=200, timeout=10):
    """The audit log's entries (newest first; dicts with ``time``, ``user``, ``gadget``, ``provider``, ``account``,
    ``method``, ``url``, ``status``, ``outcome``...), optionally one user's or one provider's. The broker records an
    entry on a writer thread of its own, committed a moment (up to a few seconds) after the fetch; this waits, at most
    ``timeout`` seconds, until every entry recorded so far is committed."""
    from ..broker import audit

    app = _wsgi_app(app_or_client)
    audit.flush(app.registry._zodb_databases[""], timeout)
    with app_root_of(app) as root:
        return [dict(entry) for entry in audit.entries(root, user=user, provider=provider, limit=limit)]


#: What the conformance kit feeds through a plugin's providers and preferences; it must never reach a frame unescaped.
HOSTILE = "<script>alert('conformance')</script>"


def _pref_variants(gadget):
    """(label, prefs) to render a gadget with: defaults, every enum value, every pref at its upper and lower limits,
    and every text pref holding markup."""
    from ..declarations import MAX_LIST_ITEMS

    edited = [p for p in gadget.prefs if p.type != "hidden"]
    yield "defaults", {}
    for pref in edited:
        if pref.type == "enum":
            for value, _ in pref.options:
                yield f"{pref.name}={value}", {pref.name: value}
    high, low, markup = {}, {}, {}
    for pref in edited:
        if pref.type == "number":
            if pref.max is not None:
                high[pref.name] = pref.max
            if pref.min is not None:
                low[pref.name] = pref.min
        elif pref.type == "string":
            high[pref.name] = "x" * pref.max_length
            if not pref.required:
                low[pref.name] = ""
            if pref.max_length >= len(HOSTILE):
                markup[pref.name] = HOSTILE
        elif pref.type == "list":
            high[pref.name] = ["x"] * min(MAX_LIST_ITEMS, pref.max_length)
            if not pref.required:
                low[pref.name] = []
        elif pref.type == "bool":
            high[pref.name], low[pref.name] = True, False
    for label, prefs in (("upper limits", high), ("lower limits", low), ("markup in text", markup)):
        if prefs:
            yield label, prefs


def check_plugin(plugin, user_client, admin_client, servers=None):
    """Check the installed plugin ``plugin`` (its entry point name) as the core would; raise ``AssertionError`` listing
    every problem found, or return what was checked (``{"renders": n, "gadgets": [ids]}``).

    - it loaded and declared at least one gadget without an error;
    - every provider it declares is complete (base URLs; for OAuth an ``account_url`` naming the account) and every
      provider its gadgets need has a test server in ``servers`` ({provider id: server}, shaped like the service);
    - every gadget has a thumbnail, and a packaged one is served;
    - every gadget renders (no exception, no "could not be shown") with its defaults, with each value of each enum
      preference, and with its preferences at their limits, connected to its provider;
    - templates escape upstream data: with ``<script>`` appended to every string the test servers answer (and put in
      every text preference), no frame contains it unescaped.
    """
    import logging

    servers = servers or {}
    app = _wsgi_app(user_client)
    registry = app.registry.dashboard_plugins
    info = registry.plugins.get(plugin)
    if info is None:
        raise AssertionError(f"plugin {plugin!r} is not installed (installed: {', '.join(registry.plugins)})")
    problems = [f"error: {e}" for e in info.errors]
    if not info.gadgets:
        problems.append("declares no gadget")
    for provider in info.providers:
        if provider.kind != "none" and not provider.base_urls:
            problems.append(f"provider {provider.id!r} declares no base_urls: its gadgets could fetch nothing")
        if provider.kind in ("oauth1", "oauth2") and not provider.account_url:
            problems.append(f"provider {provider.id!r} has no account_url: connected accounts would have no name")
    needed = {g.provider for g in info.gadgets if g.provider}
    for pid in sorted(needed):
        if pid not in servers:
            problems.append(f"no test server for provider {pid!r}: pass servers={{{pid!r}: make_..._server(...)}}")
        else:
            approve_provider(admin_client, pid, servers[pid])

    failures = []

    class Failures(logging.Handler):
        def emit(self, record):
            failures.append(record.getMessage() + (f": {record.exc_info[1]!r}" if record.exc_info else ""))

    handler = Failures(level=logging.ERROR)
    logging.getLogger("dashboard.rendering").addHandler(handler)
    renders = 0
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    try:
        for gadget in info.gadgets:
            if not gadget.thumbnail:
                problems.append(f"gadget {gadget.id!r} has no thumbnail")
            elif ":" in gadget.thumbnail and not gadget.thumbnail.startswith(("http", "data:")):
                res = user_client.app.get(f"/gadgets/{gadget.id}/thumbnail", status="*")
                if res.status_int != 200 or not res.content_type.startswith("image/"):
                    problems.append(f"gadget {gadget.id!r}: thumbnail {gadget.thumbnail} is not served "
                                    f"({res.status_int})")
            server = servers.get(gadget.provider)
            for label, prefs in _pref_variants(gadget):
                # Upstream data is hostile on the first load only: a gadget's data may be kept (cache) afterwards.
                hostile = label == "defaults" and server is not None
                if hostile:
                    server.inject = HOSTILE
                try:
                    res = user_client.app.post_json(f"/api/dashboards/{did}/gadgets",
                                                    {"gadget": gadget.id, **({"prefs": prefs} if prefs else {})},
                                                    headers=user_client._headers(None), status="*")
                    if res.status_int not in (200, 201):
                        problems.append(f"gadget {gadget.id!r} ({label}): refused with {res.status_int}: {res.text}")
                        continue
                    inst = res.json
                    failures.clear()
                    frame = user_client.app.get(inst["frame_url"], status="*")
                    if 'data-state="not_connected"' in frame.text and server is not None:
                        try:
                            connect_account(user_client, did, inst, gadget.provider)
                        except Exception as exc:
                            problems.append(f"gadget {gadget.id!r}: connecting to {gadget.provider!r} at its test "
                                            f"server failed ({type(exc).__name__}: {exc}); do its endpoints match?")
                        frame = user_client.app.get(inst["frame_url"], status="*")
                    renders += 1
                finally:
                    if hostile:
                        server.inject = None
                where = f"gadget {gadget.id!r} ({label})"
                state = re.search(r'data-state="(\w+)"', frame.text)
                if frame.status_int != 200:
                    problems.append(f"{where}: the frame answered {frame.status_int}")
                elif failures or "could not be shown" in frame.text:
                    problems.append(f"{where}: failed to render: {'; '.join(failures) or 'could not be shown'}")
                elif state and gadget.provider:
                    problems.append(f"{where}: shows the {state.group(1)!r} prompt, not its data")
                if HOSTILE in frame.text:
                    problems.append(f"{where}: {HOSTILE} from " + ("its provider" if hostile else "its preferences")
                                    + " reached the frame unescaped")
                user_client.delete_json(f"/api/dashboards/{did}/gadgets/{inst['id']}")
    finally:
        logging.getLogger("dashboard.rendering").removeHandler(handler)
    if problems:
        raise AssertionError(f"plugin {plugin!r} does not conform:\n  - " + "\n  - ".join(problems))
    return {"renders": renders, "gadgets": [g.id for g in info.gadgets]}
