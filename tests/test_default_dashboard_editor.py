"""An administrator edits the default dashboard new users start with in the dashboard editor itself (issue 15, as
Jira's "Edit default dashboard"): the same pages, forms (with their CSRF token), JSON API and frames as their own
dashboards, at /d/default. New users get a copy; users who exist keep theirs; no account is ever copied; every change
is in the audit log; nobody else may touch it. Real app, real FileStorage, real frame tokens."""
import pytest

from brokerworld import World, make_app
from dashboard.testing import Client, _logged_in, audit_entries
from dashboard.testing.oauth2 import OAuth2Provider

CALLBACK = "http://localhost/connect/callback/oauth2"


@pytest.fixture
def people(dashboard_app, make_user):
    return {"alice": _logged_in(dashboard_app, make_user, "alice"),
            "root": _logged_in(dashboard_app, make_user, "root", admin=True)}


def edits(app):
    return [e["outcome"] for e in audit_entries(app, provider="default-dashboard")]


def layout_of(client, did):
    full = client.get_json(f"/api/dashboards/{did}")
    return [[(i["gadget"], i["prefs"].get("time_zone")) for i in col] for col in full["columns"]]


def test_the_administrator_edits_the_default_dashboard_in_the_editor(dashboard_app, people, make_user):
    root, alice = people["root"], people["alice"]
    # from the administration page to the editor
    editor = root.app.get("/admin").click(href="/admin/default-dashboard").follow()
    assert editor.request.path == "/d/default"
    assert "default dashboard" in editor.html.select_one("#default-dashboard-notice").text
    assert not editor.html.select("#share-dashboard")  # nobody's to share, copy or delete
    # the directory page adds into it (a form with its CSRF token; none, and nothing is added)
    directory = editor.click(href=r"/directory\?dashboard=default", index=0)
    assert "Adding to" in directory.text and "My dashboard" in directory.text
    root.app.post("/d/default/add", {"gadget": "clock"}, status=400)
    assert root.get_json("/api/admin/default-dashboard") == {"default": None}
    form = [f for f in directory.forms.values() if f.action.endswith("/d/default/add")
            and f["gadget"].value == "clock"][0]
    assert form.submit(status=303).location.endswith("/d/default")
    clock = root.get_json("/api/dashboards/default")["columns"][0][0]
    # title and layout through the page's forms, a preference through the gadget's own form, a move by the API
    root.form_post("/d/default/rename", {"title": "Welcome"})
    root.form_post("/d/default/layout", {"layout": "AB"})
    root.form_post(f"/d/default/g/{clock['id']}/prefs", {"time_zone": "Europe/Oslo"})
    notes = root.post_json("/api/dashboards/default/gadgets", {"gadget": "notes"}, status=201)
    root.patch_json(f"/api/dashboards/default/gadgets/{clock['id']}", {"column": 1, "position": 0})
    # the preview frame renders it; the notes gadget's own form keeps its text in the default dashboard
    assert "Europe/Oslo" in root.app.get(clock["frame_url"]).text
    root.app.post("/p/notes/save", {"st": notes["frame_url"].split("st=")[1], "text": "Welcome aboard"})
    page = root.app.get("/d/default")
    assert "Welcome" in page.html.select_one("h1").text and "layout-AB" in page.text
    default = root.get_json("/api/admin/default-dashboard")["default"]
    assert (default["title"], default["layout"]) == ("Welcome", "AB")
    assert [[g["gadget"] for g in col] for col in default["columns"]] == [["notes"], ["clock"]]
    # a refused change says why and changes nothing (and is not audited)
    assert "error=" in root.form_post("/d/default/layout", {"layout": "ZZ"}).location
    root.post_json("/api/dashboards/default/gadgets", {"gadget": "no-such"}, status=400)
    root.patch_json("/api/dashboards/default", {"position": 0}, status=400)
    # a user added now starts with a copy, theirs to change; alice, who existed, keeps hers
    root.post_json("/api/admin/users", {"name": "newbie", "password": "x" * 12}, status=201)
    newbie = Client(dashboard_app)
    newbie.login("newbie", "x" * 12)
    mine = newbie.get_json("/api/dashboards")["dashboards"]
    assert [(d["title"], d["layout"]) for d in mine] == [("Welcome", "AB")] and mine[0]["id"] != "default"
    assert layout_of(newbie, mine[0]["id"]) == [[("notes", None)], [("clock", "Europe/Oslo")]]
    copied_notes = newbie.get_json(f"/api/dashboards/{mine[0]['id']}")["columns"][0][0]
    assert "Welcome aboard" in newbie.app.get(copied_notes["frame_url"]).text
    newbie.patch_json(f"/api/dashboards/{mine[0]['id']}", {"title": "Mine now"})
    assert root.get_json("/api/dashboards/default")["title"] == "Welcome"
    assert [d["title"] for d in alice.get_json("/api/dashboards")["dashboards"]] == ["My dashboard"]
    # every change the administrator made is in the audit log, by them; refusals are not
    entries = audit_entries(dashboard_app, provider="default-dashboard")
    assert {e["user"] for e in entries} == {"root"}
    assert sorted(edits(dashboard_app)) == sorted([
        "default dashboard edited (POST /d/default/add)", "default dashboard edited (POST /d/default/rename)",
        "default dashboard edited (POST /d/default/layout)",
        f"default dashboard edited (POST /d/default/g/{clock['id']}/prefs)",
        "default dashboard edited (POST /api/dashboards/default/gadgets)",
        f"default dashboard edited (PATCH /api/dashboards/default/gadgets/{clock['id']})",
        "default dashboard edited (POST /p/notes/save)"])
    # "set from my dashboard" remains, as a shortcut that replaces it
    rdid = root.get_json("/api/dashboards")["dashboards"][0]["id"]
    root.put_json("/api/admin/default-dashboard", {"from": rdid})
    assert root.get_json("/api/dashboards/default")["columns"] == [[], []]


def test_only_an_administrators_session_edits_the_default_dashboard(dashboard_app, people):
    root, alice = people["root"], people["alice"]
    inst = root.post_json("/api/dashboards/default/gadgets", {"gadget": "clock"}, status=201)
    for url in ("/d/default", "/admin/default-dashboard", f"/d/default/g/{inst['id']}/prefs", "/directory?dashboard=default"):
        assert alice.app.get(url, status=403).status_int == 403
    assert "administrators" in alice.app.get("/d/default", status=403).text
    alice.form_post("/d/default/add", {"gadget": "notes"}, status=403)
    alice.form_post(f"/d/default/g/{inst['id']}/remove", status=403)
    alice.post_json("/api/dashboards/default/gadgets", {"gadget": "notes"}, status=403)
    alice.patch_json(f"/api/dashboards/default/gadgets/{inst['id']}", {"minimized": True}, status=403)
    alice.get_json("/api/dashboards/default", status=403)
    Client(dashboard_app).app.get("/d/default", status=303)  # to the login page
    # the default dashboard is nobody's: it cannot be deleted, copied, shared or given an account
    root.form_post("/d/default/delete", status=404)
    root.form_post("/d/default/copy", status=404)
    root.app.get("/d/default/share", status=404)
    root.delete_json("/api/dashboards/default", status=404)
    root.put_json("/api/dashboards/default/sharing", {"users": ["alice"]}, status=404)
    # a frame link of the default dashboard stops acting once its holder is no administrator
    root.patch_json("/api/admin/users/root", {"is_admin": False}, status=400)  # not their own role
    with dashboard_app.registry._zodb_databases[""].transaction() as conn:
        conn.root()["gadget_dashboard"].users["root"].is_admin = False
    root.app.get(inst["frame_url"], status=403)
    assert root.get_json("/api/dashboards/default", status=403)
    assert len(root.get_json("/api/dashboards/default", status=403)["error"]) > 10
    assert edits(dashboard_app) == ["default dashboard edited (POST /api/dashboards/default/gadgets)"]


@pytest.fixture
def world(dashboard_settings, monkeypatch):
    provider = OAuth2Provider(CALLBACK, users=["octocat"])
    monkeypatch.setenv("DASHBOARD_GITHUB_URL", provider.url)
    app, admin, alice = make_app(dashboard_settings)
    yield World(app, provider, admin, alice)
    provider.close()


def test_no_account_of_the_administrator_reaches_new_users(world):
    world.approve()
    inst = world.admin.post_json("/api/dashboards/default/gadgets", {"gadget": "github-pulls"}, status=201)
    # the preview asks the administrator to connect; they do, from it: the account is theirs, bound to no gadget
    assert "Connect to GitHub" in world.get(world.admin, inst["frame_url"]).text
    assert "octocat" in world.connect("default", inst, client=world.admin).text
    assert "for octocat" in world.get(world.admin, inst["frame_url"]).text
    with world.app.registry._zodb_databases[""].transaction() as conn:
        root = conn.root()["gadget_dashboard"]
        assert [i.connection_id for i in root["default_dashboard"].instances.values()] == [None]
    world.admin.post_json("/api/admin/users", {"name": "carol", "password": "x" * 12}, status=201)
    carol = Client(world.app)
    carol.login("carol", "x" * 12)
    did = carol.get_json("/api/dashboards")["dashboards"][0]["id"]
    frame = carol.get_json(f"/api/dashboards/{did}")["columns"][0][0]["frame_url"]
    text = world.get(carol, frame).text
    assert "Connect to GitHub" in text and "octocat" not in text


def test_a_preview_frame_without_cookies_is_audited_by_its_token_and_a_fetching_gadget_keeps_nothing(
        dashboard_app, people):
    """Gadget frames are sandboxed (no cookie): a write from the administrator's preview is audited under the name its
    frame token carries. A gadget that fetches with the administrator's accounts or name (a provider's, a spec's)
    may not keep anything from its frame on the default dashboard, which every new user gets a copy of."""
    root = people["root"]
    frame = Client(dashboard_app)  # what the sandboxed frame sends: no session cookie
    notes = root.post_json("/api/dashboards/default/gadgets", {"gadget": "notes"}, status=201)
    frame.app.post("/p/notes/save", {"st": notes["frame_url"].split("st=")[1], "text": "Welcome"}, status=303)
    assert [e["user"] for e in audit_entries(dashboard_app, provider="default-dashboard")][-1] == "root"
    pulls = root.post_json("/api/dashboards/default/gadgets", {"gadget": "github-pulls"}, status=201)
    st = pulls["frame_url"].split("st=")[1]
    refused = frame.app.post(f"/frame/default/{pulls['id']}/prefs", {"st": st, "state": "alice's private data"},
                             status=403)
    assert "cannot keep anything from its frame" in refused.text
    assert root.get_json(f"/api/dashboards/default/gadgets/{pulls['id']}")["prefs"] == pulls["prefs"]
    frame.app.get(pulls["frame_url"], status=200)  # showing it is fine
