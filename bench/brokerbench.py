"""Shared set-up for the broker benchmarks: an app on a temporary FileStorage served by a pserve process,
a plain upstream on loopback, and a user whose gadgets hold an OAuth 1.0a (HMAC-SHA1) connection to it."""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The OAuth 1.0a HMAC-SHA1 credentials stored for the bench user (and known to bench/authlib_upstream.py).
CONSUMER, CONSUMER_SECRET, TOKEN, TOKEN_SECRET = "bench-consumer", "bench-shared-secret", "tok", "tok-secret"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))


def Upstream(delay=0.0):
    """A loopback upstream answering /api/data with a small JSON document after ``delay`` seconds."""
    from httpserver import Upstream as Server, slow

    body, headers = b'{"value": 42}', {"Content-Type": "application/json"}
    return Server({"/api/data": slow(delay, body, headers) if delay else (200, headers, body)})


class UpstreamProcess:
    """bench/{kind}_upstream.py in its own process, as upstreams are: it shares no interpreter lock with the load
    generator here, so neither the direct nor the brokered measurement is slowed by the other's clients."""

    def __init__(self, kind, *args):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen([sys.executable, str(HERE / f"{kind}_upstream.py"), *map(str, args)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        self.url = self.proc.stdout.readline().strip()

    def close(self):
        self.proc.kill()
        self.proc.wait()


def start(upstream, gadgets=1, threads=8, server="waitress", others=()):
    """Return (server process, frame URLs, dashboard id) for ``gadgets`` connected and approved bench gadgets, and
    users named ``others`` with the same password ("benchmark password").

    The data is prepared in this process; the server is a separate pserve process, so the load generator here
    does not compete with it for the interpreter lock.
    """
    os.environ["BENCH_UPSTREAM"] = upstream.url
    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    from dashboard import main
    from dashboard.models import User
    from dashboard.models.credentials import Connection, ProviderSettings
    from dashboard.testing import Client, app_root_of
    from processes import Pserve, write_ini

    tmp = tempfile.mkdtemp()
    app_settings = {"zodbconn.uri": f"file://{tmp}/Data.fs", "dashboard.secret_file": f"{tmp}/secret.key",
                "dashboard.plugins.extra": "bench_plugins bare_plugin"}
    app = main({}, **app_settings)
    box = app.registry.dashboard_secretbox
    with app_root_of(app) as root:
        user = root.add_user(User("bench", "benchmark password"))
        for name in others:
            root.add_user(User(name, "benchmark password"))
        root.settings["fetch_allow_hosts"] = ("127.0.0.1",)
        settings = root.providers["bench"] = ProviderSettings("bench")
        settings.approved, settings.client_id = True, CONSUMER
        settings.client_secret_enc = box.encrypt(CONSUMER_SECRET)
        conn = Connection("bench", "bench account", [])
        conn.access_token_enc, conn.token_secret_enc = box.encrypt(TOKEN), box.encrypt(TOKEN_SECRET)
        user.connections[conn.id] = conn
        dash = user.ordered_dashboards()[0]
        dash.set_layout("AAA")
        for n in range(gadgets):
            dash.add("bench-data", {}, n % 3).connection_id = conn.id
    client = Client(app)
    client.login("bench", "benchmark password")
    dash = client.get_json(f"/api/dashboards/{dash.id}")
    frames = [i["frame_url"] for col in dash["columns"] for i in col]
    app.registry._zodb_databases[""].close()
    ini, port = write_ini(tmp, app_settings["zodbconn.uri"], server=server, threads=threads,
                          plugins_extra=app_settings["dashboard.plugins.extra"])
    server = Pserve(ini, port)
    return server, [f.replace("http://localhost", server.url) for f in frames], dash["id"]
