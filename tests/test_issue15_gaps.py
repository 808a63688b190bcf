"""Issue 15, points the other tests showed only in part (the audit of issue 15): the owner sees groups and "everyone
logged in" among those a dashboard is shared with; a viewer changes nothing through any route that names the
owner's dashboard or its gadgets; Jira's and Confluence's servers are chosen on Service Providers and a move needs a
new approval (`make run HOST=… PORT=…` serving at that address is tests/test_browser_first_run.py); the README's screenshots are the ones `make
screenshots` takes, and tests never write into the checkout. Real app, real FileStorage, real processes."""
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.testing import _logged_in, approve_provider, audit_entries

ROOT = Path(__file__).resolve().parent.parent


# -- sharing: the owner sees with whom -----------------------------------------------------------------------------

@pytest.fixture
def shared(dashboard_app, make_user):
    alice = _logged_in(dashboard_app, make_user, "alice")
    people = {"alice": alice, "bob": _logged_in(dashboard_app, make_user, "bob"),
              "carol": _logged_in(dashboard_app, make_user, "carol"),
              "root": _logged_in(dashboard_app, make_user, "root", admin=True)}
    did = alice.get_json("/api/dashboards")["dashboards"][0]["id"]
    notes = alice.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})
    alice.app.post("/p/notes/save", {"st": notes["frame_url"].split("st=")[1], "text": "alice's words"})
    people["root"].post_json("/api/admin/groups", {"name": "ops", "members": ["carol"]}, status=201)
    return people, did, notes


def shared_with(client, did):
    return [li.text for li in client.app.get(f"/d/{did}/share").html.select("#shared-with li")]


def test_the_owner_sees_the_groups_and_everyone_it_is_shared_with(shared):
    people, did, _ = shared
    alice = people["alice"]
    form = alice.app.get(f"/d/{did}/share").forms["share-form"]
    form["users"], form["groups"] = "bob", "ops"
    form.submit(status=303)
    assert shared_with(alice, did) == ["User bob", "Group ops"]
    assert alice.get_json(f"/api/dashboards/{did}/sharing") == {"users": ["bob"], "groups": ["ops"],
                                                                 "everyone": False}
    alice.put_json(f"/api/dashboards/{did}/sharing", {"everyone": True})
    assert shared_with(alice, did) == ["Everyone who can log in"]
    assert alice.get_json(f"/api/dashboards/{did}/sharing")["everyone"] is True
    # the page's checkbox shows it, and saving the form as shown keeps it (no silent unsharing)
    form = alice.app.get(f"/d/{did}/share").forms["share-form"]
    assert form["everyone"].checked
    form.submit(status=303)
    assert shared_with(alice, did) == ["Everyone who can log in"]
    alice.put_json(f"/api/dashboards/{did}/sharing", {"users": [], "groups": [], "everyone": False})
    assert shared_with(alice, did) == []
    assert "Nobody: only you see it." in alice.app.get(f"/d/{did}/share").text


# -- viewers cannot change it, through any route ---------------------------------------------------------------------

def without_frame_links(dashboard):
    """A dashboard's JSON without its frame links (signed afresh, with the time, on every answer)."""
    return {**dashboard, "columns": [[{k: v for k, v in i.items() if k != "frame_url"} for i in col]
                                     for col in dashboard["columns"]]}


def test_a_viewer_changes_nothing_through_any_route_naming_the_owners_dashboard(shared, dashboard_app):
    """Every route with {did} (and {iid}), as the viewer (bob, shared by name) and as a group viewer (carol): each
    is refused, and the dashboard, its gadget, its sharing and the note are as they were."""
    people, did, notes = shared
    alice = people["alice"]
    alice.put_json(f"/api/dashboards/{did}/sharing", {"users": ["bob"], "groups": ["ops"]})
    before = without_frame_links(alice.get_json(f"/api/dashboards/{did}"))
    iid = notes["id"]
    pages = [f"/d/{did}/{a}" for a in ("rename", "delete", "layout", "add", "copy")] + [
        f"/d/{did}/share", f"/d/{did}/g/{iid}/prefs", f"/d/{did}/g/{iid}/restore", f"/d/{did}/g/{iid}/account"] + [
        f"/d/{did}/g/{iid}/{a}" for a in ("move", "remove", "minimize")]
    form_data = {"title": "Taken", "layout": "AAA", "gadget": "clock", "column": "0", "users": "bob",
                 "direction": "down", "text": "x", "dashboard": did}
    api = [("PATCH", f"/api/dashboards/{did}", {"title": "Taken", "layout": "AAA"}),
           ("DELETE", f"/api/dashboards/{did}", None),
           ("POST", f"/api/dashboards/{did}/copy", {}),
           ("PUT", f"/api/dashboards/{did}/sharing", {"users": ["bob", "carol"], "everyone": True}),
           ("POST", f"/api/dashboards/{did}/gadgets", {"gadget": "clock"}),
           ("PATCH", f"/api/dashboards/{did}/gadgets/{iid}", {"minimized": True, "column": 1}),
           ("DELETE", f"/api/dashboards/{did}/gadgets/{iid}", None),
           ("POST", f"/api/dashboards/{did}/gadgets/{iid}/restore", {}),
           ("PUT", f"/api/shared/alice/{did}", {"title": "Taken"}),
           ("PATCH", f"/api/shared/alice/{did}", {"title": "Taken"}),
           ("DELETE", f"/api/shared/alice/{did}", None)]
    for name in ("bob", "carol"):
        viewer = people[name]
        assert viewer.get_json(f"/api/shared/alice/{did}")["title"] == before["title"]  # a viewer indeed
        for url in pages:
            res = viewer.app.post(url, {"csrf_token": viewer.csrf, **form_data}, status="*")
            assert res.status_int in (403, 404, 405), (name, url, res.status_int)
        for method, url, body in api:
            res = viewer.app.request(url, method=method, status="*", content_type="application/json",
                                     body=(b"{}" if body is None else json.dumps(body).encode()),
                                     headers={"X-CSRF-Token": viewer.csrf or ""})
            assert res.status_int in (403, 404, 405), (name, method, url, res.status_int)
        # the viewer's own frame link: neither the note nor the preferences change
        src = viewer.get_json(f"/api/shared/alice/{did}")["columns"][0][0]["frame_url"]
        viewer.app.post("/p/notes/save", {"st": src.split("st=")[1], "text": "changed"}, status=403)
        viewer.app.post(f"/frame/{did}/{iid}/prefs", {"st": src.split("st=")[1]}, status=403)
        assert [d["title"] for d in viewer.get_json("/api/dashboards")["dashboards"]] == ["My dashboard"]
    after = without_frame_links(alice.get_json(f"/api/dashboards/{did}"))
    assert after == before
    assert alice.get_json(f"/api/dashboards/{did}/sharing") == {"users": ["bob"], "groups": ["ops"],
                                                                 "everyone": False}
    assert "alice&#39;s words" in alice.app.get(notes["frame_url"]).text
    audit_entries(dashboard_app)  # lets the audit log's writer thread finish before the database closes


# -- Jira and Confluence: the server is chosen on Service Providers, and a move is a new approval ------------------

@pytest.fixture
def atlassian_servers(oauth1_server, trusted_server, monkeypatch):
    monkeypatch.setenv("DASHBOARD_JIRA_URL", oauth1_server.url)
    monkeypatch.setenv("DASHBOARD_CONFLUENCE_URL", trusted_server.url)
    return {"jira": oauth1_server, "confluence": trusted_server}


@pytest.mark.parametrize("pid", ["jira", "confluence"])
def test_jira_and_confluence_servers_are_chosen_on_service_providers_and_need_a_new_approval(
        atlassian_servers, admin_client, dashboard_app, pid):
    server = atlassian_servers[pid]
    page = admin_client.app.get("/admin/providers")
    assert page.html.select_one(f"#provider-{pid} input[name=server_url]")["value"] == server.url  # the env default
    approve_provider(admin_client, pid, server)
    assert admin_client.app.get("/admin/providers").html.select_one(f"#provider-{pid} .state").text == "approved"
    elsewhere = f"https://{pid}.example.com/root"
    admin_client.form_post(f"/admin/providers/{pid}", {"action": "server", "server_url": elsewhere})
    page = admin_client.app.get("/admin/providers")
    assert page.html.select_one(f"#provider-{pid} input[name=server_url]")["value"] == elsewhere
    assert page.html.select_one(f"#provider-{pid} .state").text == "pending"
    assert any(e["outcome"] == f"server moved from {server.url} to {elsewhere}: approve it again"
               for e in audit_entries(dashboard_app, provider=pid))


README_SHOT = re.compile(r"docs/screenshots/([\w-]+\.png)")


def screenshot_tests():
    """The tests `make screenshots` runs: its files and -k expression, as make itself expands them."""
    dry = subprocess.run(["make", "-n", "screenshots"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60).stdout.replace("\\\n", " ")
    line, = [l for l in dry.splitlines() if "DASHBOARD_SCREENSHOTS=" in l]
    words = shlex.split(line)
    env = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))
    assert env["DASHBOARD_SCREENSHOTS"] == str(ROOT / "docs" / "screenshots")
    files = [w for w in words if w.startswith("tests/")]
    return files, words[words.index("-k") + 1]


def test_the_readme_shows_exactly_the_screenshots_make_screenshots_takes():
    files, expression = screenshot_tests()
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", *files, "-k", expression],
                               cwd=ROOT, capture_output=True, text=True, timeout=120).stdout
    selected = [l.split("::")[1] for l in collected.splitlines() if "::" in l]
    assert selected, collected
    source = "\n".join((ROOT / f).read_text() for f in files)
    taken = set()
    for name in selected:
        body = re.search(rf"(?ms)^def {re.escape(name)}\(.*?(?=^def |\Z)", source).group(0)
        taken |= set(re.findall(r'SHOTS / "([\w.-]+\.png)"', body))
        if 'SHOTS / f"admin-{path.rsplit' in body:  # admin-<last part of the path>.png, for the labels it names
            labels = re.findall(r'"([^"]+)"', re.search(r"if label in \(([^)]*)\)", body).group(1))
            taken |= {f"admin-{path.rsplit('/', 1)[1]}.png"
                      for label, path in re.findall(r'\("([^"]+)", "(/admin[^"]*)"\)', body) if label in labels}
    readme = set(README_SHOT.findall((ROOT / "README.md").read_text()))
    assert readme == taken, (readme, taken)
    assert readme <= {p.name for p in (ROOT / "docs" / "screenshots").glob("*.png")}


def test_tests_write_screenshots_outside_the_checkout_unless_asked():
    env = {k: v for k, v in os.environ.items() if k != "DASHBOARD_SCREENSHOTS"}
    where = subprocess.run([sys.executable, "-c", "import browserkit; print(browserkit.SHOTS, browserkit.DEMO)"],
                           cwd=ROOT / "tests", env={**env, "PYTHONPATH": str(ROOT / "tests")}, capture_output=True,
                           text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    shots, demo = where.stdout.split()
    assert demo == "False" and not Path(shots).resolve().is_relative_to(ROOT)
    # every screenshot a test takes goes to SHOTS; no test writes to a path of the checkout
    for path in [*(ROOT / "tests").glob("test_*.py"), *(ROOT / "plugins").glob("*/tests/test_*.py")]:
        text = path.read_text()
        for call in re.findall(r"\.screenshot\(([^)]*)\)", text):
            assert "path=" not in call or "SHOTS /" in call, (path.name, call)
        for line in text.splitlines():
            if re.search(r"\b(ROOT|GUIDE)\b[^#\n]*\.(write_text|write_bytes|unlink|rename|mkdir)\(", line) \
                    or re.search(r"open\(\s*\(?\s*ROOT\b[^)]*\)?\s*,\s*['\"][wa]", line):
                pytest.fail(f"{path.name} writes into the checkout: {line.strip()}")


@pytest.mark.timeout(600)
def test_make_screenshots_takes_the_readmes_screenshots_from_the_demo_set_and_tests_leave_them_alone(tmp_path):
    """`make screenshots`'s own pytest command, with DASHBOARD_SCREENSHOTS pointed at a temporary folder instead of
    docs/screenshots: every screenshot the README shows is made, from the demo set of gadgets (the demo directory
    test runs beside them); the same tests as `make test` runs them leave docs/screenshots as it was."""
    files, expression = screenshot_tests()
    tracked = {p.name: p.read_bytes() for p in (ROOT / "docs" / "screenshots").glob("*.png")}
    demo_check = "tests/test_issue15_browser_gaps.py"
    shots = tmp_path / "shots"
    shots.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DASHBOARD_SCREENSHOTS"}
    made = subprocess.run([sys.executable, "-m", "pytest", "-q", *files, demo_check,
                           "-k", f"({expression}) or the_demo_directory"], cwd=ROOT,
                          env={**env, "DASHBOARD_SCREENSHOTS": str(shots)}, capture_output=True, text=True,
                          timeout=540)
    assert made.returncode == 0 and " skipped" not in made.stdout, made.stdout[-3000:]
    readme = set(README_SHOT.findall((ROOT / "README.md").read_text()))
    assert readme <= {p.name for p in shots.glob("*.png")}, made.stdout[-2000:]
    # as `make test` runs them: nothing under docs/ changes
    again = subprocess.run([sys.executable, "-m", "pytest", "-q", *files, "-k", expression], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=540)
    assert again.returncode == 0, again.stdout[-3000:]
    assert {p.name: p.read_bytes() for p in (ROOT / "docs" / "screenshots").glob("*.png")} == tracked
