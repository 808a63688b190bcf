"""Attacks on logging in, sessions, accounts and administration (an audit of views/auth.py, views/users.py,
views/admin*.py and security.py)."""
from dashboard.testing import PASSWORD


def test_guessing_the_current_password_from_an_open_session_is_throttled_like_logins(user_client, anon_client):
    """A session left open (a shared computer) tried any number of passwords at /api/me/password: each answer said
    whether the guess was right, at full speed, never limited by the login throttle."""
    def guess(i):
        return user_client.app.post_json("/api/me/password", {"current": f"guess {i}", "new": "another password"},
                                         headers={"X-CSRF-Token": user_client.csrf}, status="*")

    answers = [guess(i) for i in range(6)]
    assert [a.status_int for a in answers] == [400] * 5 + [429]  # the API document names both
    assert [a.json["error"] for a in answers[:5]] == ["the current password is wrong"] * 5
    assert "try again in" in answers[5].json["error"] and int(answers[5].headers["Retry-After"]) > 0
    # the right password is not even checked now, and the page and the login page are locked the same
    locked = user_client.app.post_json("/api/me/password", {"current": PASSWORD, "new": "another password"},
                                       headers={"X-CSRF-Token": user_client.csrf}, status=429)
    assert "try again in" in locked.json["error"]
    page = user_client.form_post("/account/password", {"current": PASSWORD, "new": "another password",
                                                      "new2": "another password"}, status=429)
    assert "try again in" in page.text
    assert anon_client.login("alice").status_int == 429
    assert user_client.get_json("/api/me")["name"] == "alice"  # the session itself goes on


def test_a_next_address_with_characters_beyond_latin_1_is_followed_percent_encoded(anon_client, make_user):
    """next=/d/Ā went into the Location header as it was: no WSGI server can send it (PEP 3333 headers are
    latin-1), so the login that succeeded answered with a server error."""
    make_user("carol")
    for target, expected in [("/directory?q=\u0100\u2028", "http://localhost/directory?q=%C4%80%E2%80%A8"),
                             ("/d/caf\u00e9", "http://localhost/d/caf%C3%A9")]:
        anon_client.refresh_csrf()
        res = anon_client.app.post("/login", {"name": "carol", "password": PASSWORD, "next": target,
                                              "csrf_token": anon_client.csrf}, status=303)
        assert res.location == expected
        assert anon_client.app.get("/login", {"next": target}, status=303).location == expected
        anon_client.refresh_csrf()
        anon_client.form_post("/logout")


def test_a_form_field_sent_as_a_file_is_refused_with_a_reason(anon_client, admin_client, make_user):
    """A multipart form whose field is a file part gave the view a FieldStorage instead of text: the login page (to
    anyone), the add-user form and the own-password page answered with a server error."""
    make_user("carol")
    anon_client.refresh_csrf()
    res = anon_client.app.post("/login", {"csrf_token": anon_client.csrf, "password": PASSWORD},
                               upload_files=[("name", "name.txt", b"carol")], status=400)
    assert "file" in res.text
    for url, fields, upload in [("/admin/users", {"name": "dora"}, "password"),
                                ("/account/password", {"current": PASSWORD, "new": "x" * 9}, "new2")]:
        res = admin_client.app.post(url, {"csrf_token": admin_client.csrf, **fields},
                                    upload_files=[(upload, "f.txt", b"x" * 9)], status=400)
        assert "file" in res.text
    # multipart forms without files still work
    admin_client.app.post("/admin/users", {"csrf_token": admin_client.csrf, "name": "dora", "password": PASSWORD},
                          content_type="multipart/form-data", status=303)
    assert admin_client.get_json("/api/admin/users/dora")["name"] == "dora"


def _login_from(client, name, address):
    client.refresh_csrf()
    return client.app.post("/login", {"name": name, "password": "wrong", "csrf_token": client.csrf},
                           extra_environ={"REMOTE_ADDR": address}, status="*")


def test_the_address_limit_holds_across_one_ipv6_network_and_ipv4_mapped_addresses(anon_client, make_user):
    """Failures were counted per exact address text: a client with an IPv6 /64 (every home line has one) took a new
    address for each guess, and ::ffff:198.51.100.7 was another address than 198.51.100.7."""
    make_user("carol")
    answers = [_login_from(anon_client, f"name{i}", f"2001:db8:1:2::{i:x}") for i in range(30)]
    assert {a.status_int for a in answers} == {400}
    assert _login_from(anon_client, "carol", "2001:db8:1:2:ffff:ffff:ffff:ffff").status_int == 429
    assert _login_from(anon_client, "carol", "2001:db8:1:3::1").status_int == 400  # another network
    answers = [_login_from(anon_client, f"other{i}", "::ffff:198.51.100.7") for i in range(30)]
    assert {a.status_int for a in answers} == {400}
    assert _login_from(anon_client, "carol", "198.51.100.7").status_int == 429


def test_a_look_alike_account_cannot_clear_anothers_failed_logins(anon_client, make_user, dashboard_app):
    """The per-name window was keyed by the name casefolded while accounts are looked up exactly: the owner of an
    account "Carol" cleared the failures counted against "carol" by logging in as themselves, and so guessed carol's
    password without end. (Such a pair is refused now, but a database may hold one from before.)"""
    from dashboard.models import User
    from dashboard.testing import app_root_of

    make_user("carol")
    with app_root_of(dashboard_app) as root:  # stored as before names were compared in lower case
        root.users["Carol"] = User("Carol", PASSWORD)
    for _ in range(3):
        answers = [_login_from(anon_client, "carol", "192.0.2.1") for _ in range(4)]
        own = anon_client.login("Carol")
        if own.status_int == 303:
            anon_client.refresh_csrf()
            anon_client.form_post("/logout")
    assert answers[-1].status_int == 429


def test_a_name_differing_from_anothers_only_in_case_is_refused(admin_client, make_user, tmp_path):
    """"Carol" beside "carol" (or "Root" beside "root") would be one person to whoever reads the audit log, a share
    or a group: the API, the form and the command refuse it, naming the existing user; deleting a user frees the
    name in every case."""
    make_user("carol")
    res = admin_client.app.post_json("/api/admin/users", {"name": "Carol", "password": PASSWORD},
                                     headers={"X-CSRF-Token": admin_client.csrf}, status=400)
    assert res.json["error"] == "a user named 'carol' already exists; names may not differ only in case"
    res = admin_client.app.post_json("/api/admin/users", {"name": "carol", "password": PASSWORD},
                                     headers={"X-CSRF-Token": admin_client.csrf}, status=400)
    assert res.json["error"] == "a user named 'carol' already exists"
    admin_client.app.delete("/api/admin/users/carol", headers={"X-CSRF-Token": admin_client.csrf})
    admin_client.app.post_json("/api/admin/users", {"name": "CAROL", "password": PASSWORD},
                               headers={"X-CSRF-Token": admin_client.csrf}, status=201)


def test_evolving_an_older_database_indexes_names_in_lower_case(dashboard_app, make_user):
    from dashboard.models.evolve import evolve
    from dashboard.testing import app_root_of

    make_user("Dave")
    with app_root_of(dashboard_app) as root:  # as version 6 left it
        del root["user_names_folded"]
        root.schema_version = 6
    with app_root_of(dashboard_app) as root:
        assert evolve(root) == [7, 8]
        assert root.name_taken("dave") == "a user named 'Dave' already exists; names may not differ only in case"


def test_a_disabled_account_answers_a_login_as_slowly_as_a_wrong_password(anon_client, make_user, dashboard_app):
    """A disabled account skipped the password hash check: its refusal came in about a millisecond where a wrong
    password took the hash's tens, so timing told which accounts are disabled. Now each refusal costs one check."""
    import statistics
    import time

    from dashboard.testing import app_root_of

    make_user("dora")
    make_user("erin")
    with app_root_of(dashboard_app) as root:
        root.users["dora"].disabled = True

    def took(name, password):
        anon_client.refresh_csrf()
        started = time.perf_counter()
        res = anon_client.app.post("/login", {"name": name, "password": password, "csrf_token": anon_client.csrf},
                                   status=400)
        assert "Wrong user name or password." in res.text
        return time.perf_counter() - started

    disabled = statistics.median(took("dora", PASSWORD) for _ in range(3))
    wrong = statistics.median(took("erin", "wrong password") for _ in range(3))
    assert disabled > wrong / 2, (disabled, wrong)
