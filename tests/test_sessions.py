"""Sessions end when they should: at logout (every copy of the cookie), at a password change, when an administrator
ends them, after the idle timeout and the absolute lifetime; a cross-site POST that fails its CSRF check leaves the
victim's session alone; failed logins are limited; authenticated answers are never stored by a cache."""
import re
import time

import pytest
import webtest

from dashboard import main
from dashboard.broker import audit
from dashboard.testing import PASSWORD, Client, app_root_of

def copy_of(client, app=None):
    """Another client holding a copy of ``client``'s cookies (as an attacker who captured them would)."""
    other = Client(app or client.app.app)
    other.app.cookiejar = type(client.app.cookiejar)()
    for cookie in client.app.cookiejar:
        other.app.cookiejar.set_cookie(cookie)
    other.csrf = client.csrf
    return other


def test_a_copied_cookie_is_worthless_after_logout(user_client):
    stolen = copy_of(user_client)
    assert stolen.get_json("/api/me")["name"] == "alice"
    user_client.form_post("/logout")
    assert stolen.app.get("/api/me", status=401)
    stolen.app.post_json("/api/dashboards", {"title": "x"}, headers={"X-CSRF-Token": stolen.csrf}, status=401)
    assert stolen.app.get("/", status=303).location.endswith("/login?next=%2F")


def test_logging_out_ends_only_that_session(dashboard_app, user_client):
    laptop = Client(dashboard_app)
    laptop.login("alice")
    user_client.form_post("/logout")
    assert laptop.get_json("/api/me")["name"] == "alice"


def test_a_password_change_ends_every_session(dashboard_app, user_client):
    with app_root_of(dashboard_app) as root:
        root.users["alice"].set_password("a new long password")
    user_client.app.get("/api/me", status=401)
    assert Client(dashboard_app).login("alice", "a new long password").status_int == 303


@pytest.fixture
def short_sessions(dashboard_settings):
    def make(**settings):
        app = main({}, **dashboard_settings, **{f"dashboard.{k}": str(v) for k, v in settings.items()})
        with app_root_of(app) as root:
            from dashboard.models import User

            root.add_user(User("alice", PASSWORD))
        client = Client(app)
        client.login("alice")
        return client

    return make


def test_a_session_ends_after_the_idle_timeout(short_sessions):
    client = short_sessions(session_timeout=3)  # (the cookie keeps whole seconds)
    time.sleep(1.5)
    client.get_json("/api/me")  # used within the timeout: it goes on
    time.sleep(1.5)
    client.get_json("/api/me")
    time.sleep(4.1)
    client.app.get("/api/me", status=401)


def test_a_session_ends_after_its_lifetime_however_much_it_is_used(short_sessions):
    client = short_sessions(session_lifetime=2)
    deadline = time.time() + 1.5
    while time.time() < deadline:
        client.get_json("/api/me")
        time.sleep(0.3)
    time.sleep(1)
    client.app.get("/api/me", status=401)


def test_a_cross_site_post_that_fails_csrf_leaves_the_session_alone(user_client):
    # A cross-site form POST carries no SameSite=Lax cookie: the server sees a request without a session.
    browser = webtest.TestApp(user_client.app.app)
    forged = browser.post("/logout", {}, status=400)
    assert "CSRF" in forged.text and "Set-Cookie" not in forged.headers
    for url in ("/dashboards/new", "/admin/settings", "/login"):
        assert "Set-Cookie" not in browser.post(url, {"title": "x"}, status=(400, 401)).headers
    assert user_client.get_json("/api/me")["name"] == "alice"


def test_authenticated_answers_are_not_stored_by_caches(user_client):
    for url in ("/", "/api/me", "/api/dashboards", "/directory", "/connections", "/tokens"):
        res = user_client.app.get(url, status="*")
        assert res.headers["Cache-Control"] == "no-store", url
    assert "max-age" in user_client.app.get("/static/dashboard.css").headers["Cache-Control"]


# Login attempts


@pytest.fixture
def throttled(dashboard_settings):
    def make(**limits):
        app = main({}, **dashboard_settings, **{f"dashboard.login_limit_{k}": v for k, v in limits.items()})
        with app_root_of(app) as root:
            from dashboard.models import User

            root.add_user(User("alice", PASSWORD))
        return app

    return make


def attempt(app, name, password, address="192.0.2.1"):
    client = Client(app)
    client.refresh_csrf()
    return client.app.post("/login", {"name": name, "password": password, "csrf_token": client.csrf},
                           extra_environ={"REMOTE_ADDR": address}, status="*")


def test_200_wrong_passwords_in_a_row_are_not_tried_at_full_speed(throttled):
    app = throttled()  # the defaults: 5 a minute per name, 30 per address
    answers = [attempt(app, "alice", f"guess {i}", address=f"192.0.2.{i % 200}") for i in range(200)]
    assert [a.status_int for a in answers[:5]] == [400] * 5
    assert {a.status_int for a in answers[5:]} == {429}
    assert all(int(a.headers["Retry-After"]) > 0 for a in answers[5:])
    assert "Try again in" in answers[-1].text
    # and the right password now is refused too, until the lock expires
    assert attempt(app, "alice", PASSWORD).status_int == 429


def test_a_name_that_is_no_account_gets_the_same_answers(throttled):
    app = throttled()
    real = [attempt(app, "alice", "wrong") for _ in range(7)]
    fake = [attempt(app, "nobody", "wrong") for _ in range(7)]
    assert [r.status_int for r in real] == [f.status_int for f in fake] == [400] * 5 + [429] * 2
    def page(res, name):
        return re.sub(r'(csrf[-_]token" (?:content|value))="[^"]+"', r"\1", res.text.replace(name, "NAME"))

    assert [page(r, "alice") for r in real] == [page(f, "nobody") for f in fake]


def test_one_address_trying_many_names_is_limited(throttled):
    app = throttled(address="10/minute")
    answers = [attempt(app, f"name{i}", "wrong", address="198.51.100.9") for i in range(12)]
    assert [a.status_int for a in answers] == [400] * 10 + [429] * 2
    assert attempt(app, "alice", PASSWORD, address="198.51.100.10").status_int == 303  # another address


def test_the_right_password_works_once_the_lock_expires_and_each_lock_is_audited(throttled):
    app = throttled(account="3 per 2 seconds")
    assert [attempt(app, "alice", "wrong").status_int for _ in range(4)] == [400, 400, 400, 429]
    time.sleep(2.2)
    assert attempt(app, "alice", PASSWORD).status_int == 303
    db = app.registry._zodb_databases[""]
    audit.flush(db)
    with app_root_of(app) as root:
        locks = [e for e in audit.entries(root) if e["provider"] == "login"]
    assert len(locks) == 1 and locks[0]["user"] == "alice" and "locked" in locks[0]["outcome"]
