"""Loading real gadget specs as an administrator does, shared by tests/test_corpus.py (the corpus kept in
tests/specs/real/) and bench/spec_corpus.py (any directory of specs): an app whose gadgets/ folder holds them, the
same specs added by URL, and each offered one shown on a dashboard of its own in Chromium.
"""
import re
from pathlib import Path

from dashboard.testing import PASSWORD, app_root_of

#: The arguments tests/browserkit.py launches Debian's Chromium with (headless, nothing fetched in the background).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
#: What the frame shows: its text and its buttons' labels (as a person reads it).
FRAME_TEXT = ("() => (document.body ? document.body.innerText : '') + ' ' + Array.from(document.querySelectorAll("
              "'input[type=button], input[type=submit]')).map(b => b.value).join(' ')")
_ADD = """([did, gadget]) => fetch(`/api/dashboards/${did}/gadgets`, {method: "POST", headers: {"Content-Type":
    "application/json", "X-CSRF-Token": document.querySelector("meta[name=csrf-token]").content},
    body: JSON.stringify({gadget})}).then(r => r.status)"""
_NEW_DASHBOARD = """([title]) => fetch("/api/dashboards", {method: "POST", headers: {"Content-Type": "application/json",
    "X-CSRF-Token": document.querySelector("meta[name=csrf-token]").content}, body: JSON.stringify({title})})
    .then(r => r.json()).then(d => d.id)"""


def gadget_id(name):
    """The id the gadgets/ folder gives a spec file."""
    return "spec." + re.sub(r"[^a-z0-9_-]", "-", Path(name).stem.lower())[:58]


def settings_in(directory):
    """The settings of dashboard.testing's ``dashboard_settings`` fixture, for a temporary ``directory``."""
    from dashboard.testing import dashboard_settings

    return dashboard_settings.__wrapped__(Path(directory))


def make_corpus_app(settings, gadgets_dir, admin="alice"):
    """The app with ``gadgets_dir`` as its gadgets/ folder, an administrator ``admin``, and spec URLs and fetches
    allowed from 127.0.0.1 (where the corpus is served)."""
    from dashboard import main
    from dashboard.models import User

    app = main({}, **{**settings, "dashboard.gadgets_dir": str(gadgets_dir)})
    with app_root_of(app) as root:
        root.add_user(User(admin, PASSWORD, is_admin=True))
        root.settings["fetch_allow_hosts"] = ("127.0.0.1",)
        root.settings["spec_allow_hosts"] = ("127.0.0.1",)
    return app


def close_app(app):
    app.registry._zodb_databases[""].close()


def offered(client):
    """The ids of the gadgets the directory offers."""
    return {g["id"] for g in client.get_json("/api/gadgets")["gadgets"]}


def file_errors(client):
    """{file name: the gadgets/ folder's reason for refusing it}."""
    lines = {p["name"]: p for p in client.get_json("/api/admin/plugins")["plugins"]}["gadgets-dir"]["errors"]
    return {line.split(":", 1)[0]: line for line in lines}


def add_url(client, url):
    """Add a spec URL on the admin page: (HTTP status, the page's reason when it refuses it, the response)."""
    from bs4 import BeautifulSoup

    res = client.app.post("/admin/specs", {"csrf_token": client.csrf, "action": "add", "url": url}, status="*")
    reason = None
    if res.status_int == 400:
        error = BeautifulSoup(res.text, "html.parser").select_one("p.error")
        reason = error.get_text(" ", strip=True) if error else res.text[:300]
    return res.status_int, reason, res


def url_statuses(client):
    """{spec URL: its status on the admin page ("OK" or the reason it failed)}."""
    page = client.get("/admin/specs").html
    return {row.find("code").text: row.select_one("td.spec-status").get_text(" ", strip=True)
            for row in page.select("tr.spec-source")}


def launch_chromium(playwright, executable):
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


def dashboard_with(page, title, gadget):
    """A new dashboard of the logged-in page's user holding only ``gadget`` (so its frame is the first and loads at
    once): (its id, the HTTP status of adding the gadget)."""
    did = page.evaluate(_NEW_DASHBOARD, [title[:40]])
    return did, page.evaluate(_ADD, [did, gadget])


def add_to(page, did, gadget):
    return page.evaluate(_ADD, [did, gadget])


def first_frame(page, base, did):
    """Open dashboard ``did`` and return its first gadget's frame, loaded."""
    page.goto(f"{base}/d/{did}")
    frame = page.locator("iframe.gadget-frame").first.element_handle().content_frame()
    frame.wait_for_load_state()
    return frame
