"""development.ini and production.ini serve the login page from a fresh directory, as `make run` does."""
import os
import stat
from pathlib import Path

import pytest
import requests

from processes import Pserve, free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["development.ini", "production.ini"])
def test_ini_serves_the_login_page(tmp_path, name):
    port = free_port()
    text = (ROOT / name).read_text().replace("listen = 127.0.0.1:6543", f"listen = 127.0.0.1:{port}")
    assert f"127.0.0.1:{port}" in text
    ini = tmp_path / name
    ini.write_text(text)
    os.makedirs(tmp_path / "var")
    server = Pserve(str(ini), port)
    try:
        page = requests.get(server.url + "/login", timeout=30)
        assert page.status_code == 200 and "users add YOURNAME --admin" in page.text
        # behind the TLS proxy production.ini trusts, links and redirects use the scheme and host it forwards
        forwarded = requests.get(server.url + "/", allow_redirects=False, timeout=30, headers={
            "X-Forwarded-Proto": "https", "X-Forwarded-Host": "dash.example.org"})
        expected = "https://dash.example.org/" if name == "production.ini" else f"http://127.0.0.1:{port}/"
        assert forwarded.headers["Location"].startswith(expected + "login")
    finally:
        server.stop()
    # SIGTERM stops the server: waitress (development.ini) by the signal, production.ini's cheroot runner cleanly
    assert server.proc.wait(timeout=15) == (0 if name == "production.ini" else -15)
    assert (tmp_path / "var" / "Data.fs").exists()
    mode = stat.S_IMODE((tmp_path / "var" / "secret.key").stat().st_mode)
    assert mode == 0o600
    for key in ("retry.attempts = 3", "pyramid_tm.explicit_manager", "zodbconn.uri = file://%(here)s/var/Data.fs"):
        assert key in text


def _connections_held(backlog, count=40):
    """How many of ``count`` simultaneous new connections production's server lets complete before it has accepted
    any (the listening socket is open, its accept loop not yet running: the moment a page's frames all connect)."""
    import socket

    from dashboard.server import build_server

    settings = {"backlog": backlog} if backlog else {}
    server = build_server(lambda environ, start_response: [], listen=f"127.0.0.1:{free_port()}", **settings)
    server.prepare()
    held = []
    try:
        for _ in range(count):
            try:
                held.append(socket.create_connection(server.bind_addr, timeout=2))
            except OSError:  # the attempt was dropped: the client would retry after a second
                break
        return len(held)
    finally:
        for sock in held:
            sock.close()
        server.stop()


def test_production_server_holds_a_burst_of_new_connections():
    assert _connections_held(None) == 40
    # cheroot's own default of 5: the attempts after the sixth are dropped until the server catches up
    assert _connections_held("5") < 40
