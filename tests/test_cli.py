"""The ``dashboard`` console script, run as a real process against a real FileStorage."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "dashboard"


@pytest.fixture
def ini(tmp_path):
    path = tmp_path / "test.ini"
    path.write_text(f"""[app:main]
use = egg:gadget-dashboard
zodbconn.uri = file://{tmp_path}/Data.fs
dashboard.secret_file = {tmp_path}/secret.key
""")
    return str(path)


def run(*args, stdin=""):
    return subprocess.run([str(BIN), *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_users_add_and_list(ini):
    res = run(ini, "users", "add", "ann", "--admin", stdin="a long enough password\n")
    assert res.returncode == 0, res.stderr
    assert "added administrator ann" in res.stdout
    assert run(ini, "users", "add", "ben", stdin="another password\n").returncode == 0
    assert run(ini, "users", "list").stdout.splitlines() == ["ann\tadmin", "ben\tuser"]


def test_users_add_refuses_bad_input(ini):
    assert "at least 8 characters" in run(ini, "users", "add", "ann", stdin="short\n").stderr
    assert "user names are" in run(ini, "users", "add", "bad name!", stdin="long enough pw\n").stderr
    run(ini, "users", "add", "ann", stdin="a long enough password\n")
    assert "already exists" in run(ini, "users", "add", "ann", stdin="a long enough password\n").stderr
    assert "names may not differ only in case" in run(ini, "users", "add", "Ann", stdin="a long enough pw\n").stderr
    assert run(ini, "users", "list").stdout.splitlines() == ["ann\tuser"]


def test_password_change_and_login(ini, tmp_path):
    run(ini, "users", "add", "ann", stdin="first password\n")
    assert run(ini, "users", "passwd", "ann", stdin="second password\n").returncode == 0
    from dashboard.cli import open_db
    from dashboard.models import get_app_root

    db = open_db({"zodbconn.uri": f"file://{tmp_path}/Data.fs"})
    try:
        user = get_app_root(db.open().root()).users["ann"]
        assert user.check_password("second password") and not user.check_password("first password")
    finally:
        db.close()


def test_plugins_listing(ini):
    res = run(ini, "plugins")
    assert res.returncode == 0
    assert "clock  (dashboard-clock 0.1.0)" in res.stdout
    assert "gadgets:   feed-reader" in res.stdout
    assert "hooks:     dashboard_configure, dashboard_gadgets" in res.stdout
    assert "providers: github (oauth2, pending)" in res.stdout


def test_plugins_listing_shows_approval_and_disabled_state(ini, tmp_path):
    from dashboard.models import get_app_root
    from dashboard.models.credentials import ProviderSettings
    from dashboard.cli import open_db

    run(ini, "evolve")
    db = open_db({"zodbconn.uri": f"file://{tmp_path}/Data.fs"})
    with db.transaction() as conn:
        root = get_app_root(conn.root())
        root.providers["github"] = ProviderSettings("github")
        root.providers["github"].approved = True
        root.settings["disabled_plugins"] = ("clock",)
    db.close()
    out = run(ini, "plugins").stdout
    assert "providers: github (oauth2, approved)" in out and "clock  (dashboard-clock 0.1.0)  [disabled]" in out


def test_plugins_listing_reports_errors(ini):
    with open(ini, "a") as fh:
        fh.write("dashboard.plugins.extra = plugins_for_tests.raising\n")
    env_path = str(Path(__file__).parent)
    res = subprocess.run([str(BIN), ini, "plugins"], capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"})
    assert res.returncode == 1
    assert "ERROR: dashboard_gadgets raised RuntimeError: database of gadgets is on fire" in res.stdout


def test_evolve_brings_an_old_database_up_to_date(ini, tmp_path):
    from dashboard.cli import open_db
    from dashboard.models.root import ROOT_KEY, AppRoot

    db = open_db({"zodbconn.uri": f"file://{tmp_path}/Data.fs"})
    with db.transaction() as conn:  # a Data.fs written before any evolve step existed
        old = conn.root()[ROOT_KEY] = AppRoot()
        del old["settings"]["fetch_allow_hosts"]
    db.close()
    assert "evolved to schema version(s) [1, 2, 3, 4, 5, 6, 7, 8]" in run(ini, "evolve").stdout
    assert "already up to date" in run(ini, "evolve").stdout
    db = open_db({"zodbconn.uri": f"file://{tmp_path}/Data.fs"})
    with db.transaction() as conn:
        root = conn.root()[ROOT_KEY]
        assert root.schema_version == 8 and root["settings"]["fetch_allow_hosts"] == ()
        root.schema_version = 99  # written by a newer release
    db.close()
    res = run(ini, "evolve")
    assert res.returncode != 0 and "newer than this code's" in res.stderr


def test_init_creates_the_first_admin_at_a_terminal_only(ini):
    res = run(ini, "init", stdin="")
    assert "no accounts yet" in res.stdout and run(ini, "users", "list").stdout == ""
    import pty
    import os

    pid, fd = pty.fork()
    if pid == 0:
        os.execv(str(BIN), [str(BIN), ini, "init"])
    output = b""

    def read_until(text):
        nonlocal output
        while text not in output:
            output += os.read(fd, 1024)

    read_until(b"User name: ")
    os.write(fd, b"ann\n")
    read_until(b"Password: ")
    os.write(fd, b"a long enough password\n")
    read_until(b"Repeat password: ")
    os.write(fd, b"a long enough password\n")
    read_until(b"added administrator ann")
    os.waitpid(pid, 0)
    assert run(ini, "users", "list").stdout.splitlines() == ["ann\tadmin"]
    assert run(ini, "init", stdin="").stdout == ""  # only ever the first one


def test_rotate_key_reencrypts_and_old_keys_can_then_go(ini, tmp_path):
    from dashboard.broker.crypto import SecretBox, load_or_create_keys
    from dashboard.cli import open_db
    from dashboard.models import get_app_root
    from dashboard.models.credentials import ProviderSettings

    run(ini, "users", "add", "ann", stdin="a long enough password\n")  # creates the key file and the key pair
    keys_path = tmp_path / "encryption.keys"
    assert oct(keys_path.stat().st_mode & 0o777) == "0o600"
    old_keys = load_or_create_keys(str(keys_path))
    db = open_db({"zodbconn.uri": f"file://{tmp_path}/Data.fs"})
    with db.transaction() as conn:
        root = get_app_root(conn.root())
        settings = root.providers["p"] = ProviderSettings("p")
        settings.client_secret_enc = SecretBox(old_keys).encrypt("s3cret-value")
    db.close()
    res = run(ini, "rotate-key")
    # the provider secret and this server's private key
    assert res.returncode == 0 and "re-encrypted 2 stored secrets" in res.stdout, res.stderr
    new_keys = load_or_create_keys(str(keys_path))
    assert len(new_keys) == 2 and new_keys[1:] == old_keys
    db = open_db({"zodbconn.uri": f"file://{tmp_path}/Data.fs"})
    with db.transaction() as conn:
        root = get_app_root(conn.root())
        only_new = SecretBox(new_keys[:1])  # the old key is no longer needed
        assert only_new.decrypt(root.providers["p"].client_secret_enc) == "s3cret-value"
        assert "PRIVATE KEY" in only_new.decrypt(root.settings["consumer_private_key_enc"])
    db.close()


def app_of(ini):
    from pyramid.paster import get_appsettings

    from dashboard import main

    return main({}, **get_appsettings(str(ini)))


def close(app):
    for db in app.registry._zodb_databases.values():
        db.close()


@pytest.mark.parametrize("command", ["end-sessions", "disable", "passwd"])
def test_an_administrator_ends_a_users_sessions_from_the_command_line(ini, command):
    from dashboard.testing import PASSWORD, Client
    from test_sessions import copy_of

    run(ini, "users", "add", "alice", stdin=PASSWORD + "\n")
    app = app_of(ini)
    alice = Client(app)
    alice.login("alice")
    assert alice.get_json("/api/me")["name"] == "alice"
    close(app)  # the command line needs the FileStorage (with ZEO it runs beside the server)
    res = run(ini, "users", command, "alice", stdin="another long password\n")
    assert res.returncode == 0 and "ended" in res.stdout, res.stderr
    app = app_of(ini)
    try:
        copy_of(alice, app).app.get("/api/me", status=401)
    finally:
        close(app)


def test_files_the_server_and_the_command_line_create_are_theirs_alone(tmp_path, ini):
    """Data.fs, its index, lock and temporary files, and the keys: mode 0600 (the processes set umask 077)."""
    assert run(ini, "users", "add", "ann", stdin="a long enough password\n").returncode == 0
    made_by_cli = {p.name: oct(p.stat().st_mode & 0o777) for p in tmp_path.iterdir() if p.name != "test.ini"}
    assert {"Data.fs", "Data.fs.index"} <= set(made_by_cli)
    assert made_by_cli == {name: "0o600" for name in made_by_cli}
    for p in tmp_path.iterdir():
        if p.name != "test.ini":
            p.unlink()
    subprocess.run([sys.executable, "-c", f"""
from pyramid.paster import get_appsettings
from dashboard import main
app = main({{}}, **get_appsettings({ini!r}))
for db in app.registry._zodb_databases.values():
    db.close()
"""], check=True, timeout=60)
    made = [p for p in tmp_path.iterdir() if p.name != "test.ini"]
    assert {"Data.fs", "Data.fs.index", "secret.key"} <= {p.name for p in made}
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in made} == {p.name: "0o600" for p in made}


def test_pack_drops_history_older_than_the_days_kept(ini, tmp_path):
    run(ini, "users", "add", "ann", stdin="password 0 long enough\n")
    for n in range(1, 6):  # each change leaves the earlier revision of ann in Data.fs
        assert run(ini, "users", "passwd", "ann", stdin=f"password {n} long enough\n").returncode == 0
    data = tmp_path / "Data.fs"
    grown = data.stat().st_size
    res = run(ini, "pack")  # keeps a day: these revisions are minutes old
    assert res.returncode == 0, res.stderr
    assert "keeping 1 days of history" in res.stdout and data.stat().st_size >= grown * 0.95
    res = run(ini, "pack", "--days", "0")
    assert res.returncode == 0, res.stderr
    assert data.stat().st_size < grown * 0.7, (grown, data.stat().st_size)
    assert "-> " in res.stdout and (tmp_path / "Data.fs.old").exists()
    from dashboard.cli import open_db
    from dashboard.models import get_app_root

    db = open_db({"zodbconn.uri": f"file://{data}"})
    try:
        assert get_app_root(db.open().root()).users["ann"].check_password("password 5 long enough")
    finally:
        db.close()
    assert "must be 0 or more" in run(ini, "pack", "--days", "-1").stderr


def test_init_for_scripts_reads_the_first_administrators_password_from_stdin(ini):
    res = run(ini, "init", "--admin", "ann", stdin="a long enough password\n")
    assert res.returncode == 0 and "added administrator ann" in res.stdout, res.stderr
    assert run(ini, "users", "list").stdout.splitlines() == ["ann\tadmin"]
    assert run(ini, "init", "--admin", "bob", stdin="a long enough password\n").returncode == 0  # there is one
    assert run(ini, "users", "list").stdout.splitlines() == ["ann\tadmin"]


def test_init_without_a_terminal_says_the_server_prints_a_setup_code(ini):
    res = run(ini, "init")
    assert res.returncode == 0 and "setup code" in res.stdout


def test_a_database_held_by_a_running_server_is_named_in_one_line(ini):
    from pyramid.paster import get_appsettings

    from dashboard import main

    app = main({}, **get_appsettings(str(ini)))  # holds the FileStorage's lock, as a running server does
    try:
        res = run(ini, "users", "list")
    finally:
        close(app)
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0 and "in use by a running server" in res.stderr, res.stderr
    assert "Stop the server first, or serve it from a ZEO server" in res.stderr  # and what to do
    assert "Traceback" not in res.stderr


def test_a_short_password_at_the_terminal_is_asked_again(ini):
    """At a real terminal (a pseudo-terminal): too short, then two that differ, then a good one."""
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: the command at a terminal
        os.execv(str(BIN), [str(BIN), ini, "users", "add", "ann"])
    output, seen = b"", 0

    def answer(prompt, text):
        """Wait for ``prompt`` after what was answered so far, then type ``text``."""
        nonlocal output, seen
        while prompt not in output[seen:]:
            assert select.select([fd], [], [], 30)[0], output
            output += os.read(fd, 1024)
        seen = output.index(prompt, seen) + len(prompt)
        if text is not None:
            os.write(fd, text.encode() + b"\n")

    answer(b"Password: ", "short")
    answer(b"Password: ", "a long enough password")
    answer(b"Repeat password: ", "another long password")
    answer(b"Password: ", "a long enough password")
    answer(b"Repeat password: ", "a long enough password")
    answer(b"added user ann", None)
    assert os.waitpid(pid, 0)[1] == 0
    assert b"at least 8 characters; try again" in output and b"differ; try again" in output
