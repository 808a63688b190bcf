"""Accounts: login, logout, session cookie, password hashing, redirects."""
from dashboard.testing import PASSWORD, app_root_of


def test_login_page_tells_how_to_create_the_first_admin(anon_client):
    page = anon_client.get("/login")
    assert "users add YOURNAME --admin" in page.text


def test_anonymous_pages_redirect_to_login(anon_client):
    res = anon_client.get("/directory?q=x", status=303)
    assert res.location == "http://localhost/login?next=%2Fdirectory%3Fq%3Dx"


def test_login_and_logout(anon_client, make_user):
    make_user("carol")
    res = anon_client.login("carol")
    assert res.status_int == 303
    cookie = next(v for k, v in res.headers.items() if k == "Set-Cookie" and v.startswith("dashboard_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert anon_client.get_json("/api/me")["name"] == "carol"
    anon_client.form_post("/logout")
    anon_client.get_json("/api/me", status=401)


def test_wrong_password_and_unknown_user_look_the_same(anon_client, make_user):
    make_user("carol")
    wrong = anon_client.app.post("/login", {"name": "carol", "password": "nope", "csrf_token": anon_client.csrf},
                                 status=400)
    unknown = anon_client.app.post("/login", {"name": "dave", "password": "nope", "csrf_token": anon_client.csrf},
                                   status=400)
    assert "Wrong user name or password." in wrong.text and "Wrong user name or password." in unknown.text


def test_login_needs_csrf_token(anon_client, make_user):
    make_user("carol")
    res = anon_client.app.post("/login", {"name": "carol", "password": PASSWORD}, status=400)
    assert "CSRF" in res.text


def test_login_redirect_stays_on_site(anon_client, make_user):
    make_user("carol")
    for target, expected in [("/directory", "http://localhost/directory"), ("//evil.example/", "http://localhost/"),
                             ("https://evil.example/", "http://localhost/"), ("/\\evil.example", "http://localhost/")]:
        anon_client.refresh_csrf()
        res = anon_client.app.post("/login", {"name": "carol", "password": PASSWORD, "next": target,
                                              "csrf_token": anon_client.csrf}, status=303)
        assert res.location == expected
        anon_client.refresh_csrf()
        anon_client.form_post("/logout")


def test_passwords_are_stored_as_argon2id(dashboard_app, make_user):
    make_user("carol")
    with app_root_of(dashboard_app) as root:
        stored = root.users["carol"]._password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_session_is_renewed_at_login(anon_client, make_user):
    make_user("carol")
    before = anon_client.app.cookies.get("dashboard_session")
    anon_client.login("carol")
    assert anon_client.app.cookies.get("dashboard_session") != before


def test_disabled_user_is_logged_out(dashboard_app, user_client):
    with app_root_of(dashboard_app) as root:
        root.users["alice"].disabled = True
    user_client.get_json("/api/me", status=401)
