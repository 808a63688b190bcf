"""The first run without a terminal: the server prints a one-time setup code, and the first administrator is
created through the setup page with it. `make run`'s own commands, started without a terminal, are driven in
Chromium in tests/test_browser_first_run.py."""
import re
import time

import pytest

from dashboard import first_run, main
from dashboard.testing import PASSWORD, Client, app_root_of

CODE = re.compile(r"setup code .*?:\s+([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})", re.S)


@pytest.fixture
def fresh(dashboard_settings, capsys):
    """An app on an empty database, and the setup code it printed."""
    app = main({}, **dashboard_settings)
    printed = capsys.readouterr().err
    yield app, CODE.search(printed).group(1), printed
    app.registry._zodb_databases[""].close()


def setup(client, code, name="ann", password=PASSWORD, password2=None, status=303):
    client.refresh_csrf()
    return client.app.post("/setup", {"csrf_token": client.csrf, "code": code, "name": name, "password": password,
                                      "password2": password2 or password}, status=status)


def test_the_server_prints_the_setup_page_and_a_code_in_one_block(fresh):
    _, code, printed = fresh
    assert "/setup" in printed and code in printed and "no accounts yet" in printed


def test_the_login_page_points_to_the_setup_page(fresh):
    app, _, _ = fresh
    page = Client(app).app.get("/login")
    assert page.html.select_one("a[href='/setup']") is not None


def test_the_first_administrator_is_created_with_the_code_and_logged_in(fresh):
    app, code, _ = fresh
    client = Client(app)
    setup(client, code.lower().replace("-", " "))  # as a person may type it
    me = client.get_json("/api/me")
    assert me == {"name": "ann", "is_admin": True}
    Client(app).app.get("/setup", status=404)  # gone once there is an account
    setup(Client(app), code, name="eve", status=404)  # and the code was single use
    assert Client(app).login("ann").status_int == 303


@pytest.mark.parametrize("fields, message", [
    ({"code": "AAAA-BBBB-CCCC"}, "not the setup code"),
    ({"password": "short", "password2": "short"}, "at least 8 characters"),
    ({"password2": "something else entirely"}, "passwords differ"),
    ({"name": "bad name!"}, "user names are"),
])
def test_mistakes_are_explained_and_the_code_stays_usable(fresh, fields, message):
    app, code, _ = fresh
    client = Client(app)
    res = setup(client, fields.pop("code", code), **fields, status=400)
    assert message in res.text.lower() or message in res.text
    setup(client, code)  # still valid after a mistake


def test_an_expired_code_is_refused_and_says_what_to_do(fresh):
    app, code, _ = fresh
    with app_root_of(app) as root:
        digest, _expires = root.settings[first_run.KEY]
        root.settings[first_run.KEY] = (digest, time.time() - 1)
    assert "Restart the server" in setup(Client(app), code, status=400).text


def test_guessing_codes_is_limited(fresh):
    app, code, _ = fresh
    client = Client(app)
    statuses = [setup(client, "2222-2222-2222", status="*").status_int for _ in range(8)]
    assert statuses == [400] * 5 + [429] * 3  # as failed logins of one name: 5 a minute


def test_a_server_with_accounts_prints_no_code(dashboard_settings, capsys):
    app = main({}, **dashboard_settings)
    with app_root_of(app) as root:
        from dashboard.models import User

        root.add_user(User("ann", PASSWORD, is_admin=True))
    app.registry._zodb_databases[""].close()
    capsys.readouterr()
    app = main({}, **dashboard_settings)
    app.registry._zodb_databases[""].close()
    assert "setup code" not in capsys.readouterr().err
