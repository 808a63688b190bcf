"""Real server processes for tests: pserve (the app) and runzeo, each on a free loopback port."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=60, host="127.0.0.1"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


SERVERS = {"waitress": "egg:waitress#main", "cheroot": "egg:gadget-dashboard#main"}  # development.ini, production.ini


def write_ini(directory, uri, port=None, name="app.ini", server="waitress", threads=8, plugins_extra="",
              app_settings=None, server_settings=None):
    """An ini file serving the app on 127.0.0.1 with ``server`` (a key of SERVERS) and any further ``app_settings``
    in [app:main] and ``server_settings`` in [server:main]; returns (path, port)."""
    port = port or free_port()
    path = Path(directory) / name
    extra = f"dashboard.plugins.extra = {plugins_extra}\n" if plugins_extra else ""
    extra += "".join(f"{key} = {value}\n" for key, value in (app_settings or {}).items())
    path.write_text(f"""[app:main]
use = egg:gadget-dashboard
zodbconn.uri = {uri}
dashboard.secret_file = {directory}/secret.key
{extra}
[server:main]
use = {SERVERS[server]}
listen = 127.0.0.1:{port}
threads = {threads}
""" + "".join(f"{key} = {value}\n" for key, value in (server_settings or {}).items()))
    return str(path), port


def add_server_option(parser):
    """The benchmarks' ``--server``: production.ini's cheroot by default, or development.ini's waitress."""
    parser.add_argument("--server", choices=tuple(SERVERS), default="cheroot",
                        help="development.ini's server (waitress) or production.ini's (cheroot)")


def add_user(ini, name, password, admin=False):
    args = [str(BIN / "dashboard"), ini, "users", "add", name] + (["--admin"] if admin else [])
    res = subprocess.run(args, input=password + "\n", capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr


class Process:
    def __init__(self, args, port):
        self.port = port
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        wait_for_port(port, self.proc)

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def stop(self):
        self.kill(signal.SIGTERM)


class Pserve(Process):
    def __init__(self, ini, port):
        super().__init__([str(BIN / "pserve"), ini], port)
        self.url = f"http://127.0.0.1:{port}"
        requests.get(self.url + "/login", timeout=30).raise_for_status()


class RunZeo(Process):
    def __init__(self, directory):
        port = free_port()
        super().__init__([str(BIN / "runzeo"), "-a", f"127.0.0.1:{port}", "-f", f"{directory}/zeo.fs"], port)
        self.uri = f"zeo://127.0.0.1:{port}"
