"""Helpers for tests that talk HTTP to a real running server (waitress in a thread or a pserve process)."""
import re

import requests

from dashboard.testing import PASSWORD


class HttpUser:
    """A logged-in user of a live server, speaking the JSON API with its CSRF token."""

    def __init__(self, base, name, password=PASSWORD):
        self.base = base
        self.http = requests.Session()
        page = self.http.get(base + "/login", timeout=30)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        res = self.http.post(base + "/login", data={"name": name, "password": password, "csrf_token": token},
                             allow_redirects=False, timeout=30)
        assert res.status_code == 303, res.text
        page = self.http.get(base + "/directory", timeout=30)
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)

    def call(self, method, path, json=None):
        return self.http.request(method, self.base + path, json=json, headers={"X-CSRF-Token": self.csrf}, timeout=60)


def log_in(page, base, name, password=PASSWORD):
    """Log in through the login form in a Playwright page; returns on the first dashboard."""
    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/d/*")
