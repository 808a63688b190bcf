"""Inbound trusted applications: a request signed by a trusted application acts as the named user only if that user
exists and may log in, within the certificate timeout, from an allowed IP, to an allowed path, never twice."""
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from dashboard.broker import trusted
from dashboard.testing import app_root_of

URL = "http://localhost/api/me"


@pytest.fixture
def other_app(admin_client, make_user, dashboard_app):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    page = admin_client.form_post("/admin/trusted", {"app_id": "wiki:1", "name": "Team wiki", "public_key": public,
                                                     "ips": "10.0.0.0/24 192.168.7.*", "paths": "/api/*",
                                                     "timeout": "10"})
    assert page.status_int == 303
    make_user("alice")
    return private


def ask(client, private, url=URL, user="alice", ip="10.0.0.7", now=None, headers=None, method="GET"):
    headers = headers or trusted.signed_headers(private, "wiki:1", method, url, user, now=now)
    path = url.replace("http://localhost", "")
    return client.app.request(path, method=method, headers=headers, environ={"REMOTE_ADDR": ip}, status="*"), headers


def test_a_signed_request_acts_as_the_user(anon_client, other_app):
    res, _ = ask(anon_client, other_app)
    assert res.status_int == 200 and res.json["name"] == "alice"
    res, _ = ask(anon_client, other_app, ip="192.168.7.20")  # glob patterns work too
    assert res.status_int == 200


def test_writes_need_no_csrf_token(anon_client, other_app):
    url = "http://localhost/api/dashboards"
    headers = trusted.signed_headers(other_app, "wiki:1", "POST", url, "alice")
    headers["Content-Type"] = "application/json"
    res = anon_client.app.post("/api/dashboards", b'{"title": "From the wiki"}', headers=headers,
                               extra_environ={"REMOTE_ADDR": "10.0.0.7"}, status="*")
    assert res.status_int == 201


def test_replayed_signature_is_refused(anon_client, other_app):
    res, headers = ask(anon_client, other_app)
    assert res.status_int == 200
    again, _ = ask(anon_client, other_app, headers=headers)
    assert again.status_int == 401


def test_past_the_timeout_is_refused(anon_client, other_app):
    import time

    res, _ = ask(anon_client, other_app, now=time.time() - 20)  # signed 20 s ago; the timeout is 10 s
    assert res.status_int == 401


@pytest.mark.parametrize("ip", ["10.0.1.7", "127.0.0.1", "192.168.8.1"])
def test_from_a_disallowed_ip_is_refused(anon_client, other_app, ip):
    res, _ = ask(anon_client, other_app, ip=ip)
    assert res.status_int == 401


def test_to_a_disallowed_path_is_refused(anon_client, other_app):
    res, _ = ask(anon_client, other_app, url="http://localhost/directory")
    assert res.status_int in (303, 401)  # not logged in: sent to the login page
    assert "alice" not in res.text


def test_for_a_user_who_does_not_exist_or_may_not_log_in(anon_client, other_app, dashboard_app):
    res, _ = ask(anon_client, other_app, user="mallory")
    assert res.status_int == 401
    with app_root_of(dashboard_app) as root:
        root.users["alice"].disabled = True
    res, _ = ask(anon_client, other_app)
    assert res.status_int == 401


def test_a_forged_signature_is_refused(anon_client, other_app):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    res, _ = ask(anon_client, other_key)
    assert res.status_int == 401


def test_admin_input_is_checked(admin_client, other_app):
    page = admin_client.app.post("/admin/trusted", {"csrf_token": admin_client.csrf, "app_id": "x", "name": "X",
                                                    "public_key": "not a key", "ips": "10.0.0.1", "paths": "/api/*"},
                                 status=400)
    assert "not a PEM or base64 RSA public key" in page.text
    page = admin_client.app.post("/admin/trusted", {"csrf_token": admin_client.csrf, "app_id": "x", "name": "X",
                                                    "public_key": "k", "ips": "10.0.0.1", "paths": "api"},
                                 status=400)
    assert "starting with /" in page.text
    assert "Team wiki" in admin_client.get("/admin/trusted").text
