"""Dashboards as Atlassian and Grafana users know them (issue 15): shared read-only with users, groups or everyone
logged in; copies; the default dashboard new users start with. A viewer sees the owner's layout, gadgets and
preferences, each gadget acting with the viewer's own credentials (test_sharing_credentials.py checks that against
the Authlib provider). Real app, real FileStorage, real frame tokens."""
import argparse
import io

import pytest

from dashboard import cli, tokens
from dashboard.rendering import FRAME_PURPOSE
from dashboard.testing import PASSWORD, Client, _logged_in, app_root_of, audit_entries


@pytest.fixture
def people(dashboard_app, make_user):
    """alice's first dashboard holds a clock set to Tokyo and a note; bob, carol and root (an administrator)."""
    alice = _logged_in(dashboard_app, make_user, "alice")
    did = alice.get_json("/api/dashboards")["dashboards"][0]["id"]
    alice.patch_json(f"/api/dashboards/{did}", {"layout": "ABA", "title": "Team"})
    clock = alice.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock", "column": 1,
                                                               "prefs": {"time_zone": "Asia/Tokyo"}})
    notes = alice.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes", "column": 2})
    alice.app.post("/p/notes/save", {"st": notes["frame_url"].split("st=")[1], "text": "alice's words"})
    return {"alice": alice, "bob": _logged_in(dashboard_app, make_user, "bob"),
            "carol": _logged_in(dashboard_app, make_user, "carol"),
            "root": _logged_in(dashboard_app, make_user, "root", admin=True),
            "did": did, "clock": clock, "notes": notes}


def frame_fields(frame_url):
    return frame_url.split("st=")[1]


def test_a_user_shares_with_named_users_who_see_it_read_only_with_the_owners_prefs(dashboard_app, people):
    alice, bob, carol, did = people["alice"], people["bob"], people["carol"], people["did"]
    form = alice.app.get(f"/d/{did}").click(href=f"/d/{did}/share").forms["share-form"]
    form["users"] = "bob"
    page = form.submit(status=303).follow()
    assert [li.text for li in page.html.select("#shared-with li")] == ["User bob"]
    assert bob.get_json("/api/shared")["dashboards"] == [{"id": did, "title": "Team", "layout": "ABA",
                                                         "owner": "alice"}]
    assert carol.get_json("/api/shared")["dashboards"] == []
    carol.app.get(f"/u/alice/d/{did}", status=404)
    # the Shared with me page links to it; the page shows the owner's layout and gadgets
    shared = bob.app.get("/shared").click("Team")
    assert "Shared with you by alice" in shared.text and "layout-ABA" in shared.text
    assert [a["title"] for a in shared.html.select("iframe")] == ["World clock", "Notes"]
    # each frame acts as bob (the token names bob, and alice as the owner) and shows alice's preferences and note
    srcs = [f["src"] for f in shared.html.select("iframe")]
    secret = dashboard_app.registry.dashboard_secret
    for src in srcs:
        viewer, _, _, _, owner = tokens.verify(secret, FRAME_PURPOSE, src.split("st=")[1])
        assert (viewer, owner) == ("bob", "alice")
    assert "Asia/Tokyo" in bob.app.get(srcs[0]).text
    assert "alice&#39;s words" in bob.app.get(srcs[1]).text
    # the API's view of it gives the same
    data = bob.get_json(f"/api/shared/alice/{did}")
    assert [[i["gadget"] for i in col] for col in data["columns"]] == [[], ["clock"], ["notes"]]
    assert data["columns"][1][0]["prefs"]["time_zone"] == "Asia/Tokyo"


def test_viewers_cannot_change_it_from_its_frames(dashboard_app, people):
    alice, bob, did, notes = people["alice"], people["bob"], people["did"], people["notes"]
    alice.put_json(f"/api/dashboards/{did}/sharing", {"users": ["bob"]})
    src = bob.get_json(f"/api/shared/alice/{did}")["columns"][2][0]["frame_url"]
    res = bob.app.post("/p/notes/save", {"st": frame_fields(src), "text": "bob was here"}, status=403)
    assert "to view only" in res.text
    bob.app.post(f"/frame/{did}/{notes['id']}/prefs", {"st": frame_fields(src)}, status=403)
    clock_src = bob.get_json(f"/api/shared/alice/{did}")["columns"][1][0]["frame_url"]
    bob.app.post(f"/frame/{did}/{people['clock']['id']}/prefs",
                 {"st": frame_fields(clock_src), "time_zone": "UTC"}, status=403)
    inst = alice.get_json(f"/api/dashboards/{did}/gadgets/{people['clock']['id']}")
    assert inst["prefs"]["time_zone"] == "Asia/Tokyo"
    assert "alice&#39;s words" in alice.app.get(notes["frame_url"]).text
    # the viewer's notes frame shows the text without a form to change it
    viewer_frame = bob.app.get(src).html
    assert "alice's words" in viewer_frame.select_one(".notes-read-only").text
    assert viewer_frame.select_one("form") is None and viewer_frame.select_one("textarea") is None
    # nor through the owner's pages and API: it is not among bob's dashboards
    bob.patch_json(f"/api/dashboards/{did}", {"title": "Bob's"}, status=404)
    bob.app.get(f"/d/{did}", status=404)


def test_unsharing_takes_effect_on_the_next_load_and_stops_the_frames(dashboard_app, people):
    alice, bob, did = people["alice"], people["bob"], people["did"]
    alice.put_json(f"/api/dashboards/{did}/sharing", {"users": ["bob"]})
    page = bob.app.get(f"/u/alice/d/{did}")
    src = page.html.select("iframe")[0]["src"]
    bob.app.get(src, status=200)
    form = alice.app.get(f"/d/{did}/share").forms["share-form"]
    form["users"] = ""
    assert "Nobody: only you see it." in form.submit(status=303).follow().text
    bob.app.get(f"/u/alice/d/{did}", status=404)
    assert "no longer shared with you" in bob.app.get(src, status=403).text
    assert bob.get_json("/api/shared")["dashboards"] == []


def test_sharing_with_a_group_and_with_everyone(dashboard_app, people):
    alice, bob, carol, root, did = people["alice"], people["bob"], people["carol"], people["root"], people["did"]
    root.post_json("/api/admin/groups", {"name": "ops", "members": ["carol"]})
    alice.put_json(f"/api/dashboards/{did}/sharing", {"groups": ["ops"]})
    assert [d["owner"] for d in carol.get_json("/api/shared")["dashboards"]] == ["alice"]
    bob.app.get(f"/u/alice/d/{did}", status=404)
    root.patch_json("/api/admin/groups/ops", {"remove": ["carol"]})  # out of the group: out of the audience
    carol.app.get(f"/u/alice/d/{did}", status=404)
    assert alice.put_json(f"/api/dashboards/{did}/sharing", {"everyone": True}) == {
        "users": [], "groups": [], "everyone": True}
    for viewer in (bob, carol, root):
        assert viewer.app.get(f"/u/alice/d/{did}").status_int == 200
    assert alice.get_json("/api/shared")["dashboards"] == []  # one's own is not "shared with me"
    Client(dashboard_app).app.get(f"/u/alice/d/{did}", status=303)  # everyone logged in, not anonymous
    # names that are not users or groups are refused, with the reason
    assert "no user or group named nobody" in alice.put_json(
        f"/api/dashboards/{did}/sharing", {"users": ["nobody"]}, status=400)["error"]
    # a disabled owner's dashboards are shared no more
    root.patch_json("/api/admin/users/alice", {"disabled": True})
    bob.app.get(f"/u/alice/d/{did}", status=404)


def test_deleting_a_shared_dashboard_removes_it_from_viewers_lists(dashboard_app, people):
    alice, bob, did = people["alice"], people["bob"], people["did"]
    alice.post_json("/api/dashboards", {"title": "Spare"})
    alice.put_json(f"/api/dashboards/{did}/sharing", {"users": ["bob"]})
    alice.delete_json(f"/api/dashboards/{did}")
    assert bob.get_json("/api/shared")["dashboards"] == []
    with app_root_of(dashboard_app) as root:
        assert list(root["shared_index"]) == [] and len(root["sharing"]) == 0


def test_a_viewer_never_gets_the_owners_kept_page(dashboard_app, people):
    """Kept dashboard pages (views/page_cache.py) hold frame links acting as their owner: a viewer must never be
    served one, nor the owner a viewer's."""
    alice, bob, did = people["alice"], people["bob"], people["did"]
    alice.put_json(f"/api/dashboards/{did}/sharing", {"users": ["bob"]})
    for _ in range(2):  # the second load is served from the kept page
        owners = alice.app.get(f"/d/{did}")
    assert dashboard_app.registry.dashboard_page_cache.hits >= 1
    secret = dashboard_app.registry.dashboard_secret
    for _ in range(2):
        viewers = bob.app.get(f"/u/alice/d/{did}")
        fields = [tokens.verify(secret, FRAME_PURPOSE, f["src"].split("st=")[1])
                  for f in viewers.html.select("iframe")]
        assert {(f[0], f[4]) for f in fields} == {("bob", "alice")}
    fields = [tokens.verify(secret, FRAME_PURPOSE, f["src"].split("st=")[1]) for f in owners.html.select("iframe")]
    assert {tuple(f[:1]) + (len(f),) for f in fields} == {("alice", 4)}
    assert "Delete dashboard" not in viewers.text and "Delete dashboard" in alice.app.get(f"/d/{did}").text


def test_copies_of_ones_own_and_of_shared_dashboards_are_independent(dashboard_app, people):
    alice, bob, did = people["alice"], people["bob"], people["did"]
    page = alice.app.get(f"/d/{did}").forms[[k for k, f in alice.app.get(f"/d/{did}").forms.items()
                                              if f.action.endswith("/copy")][0]].submit(status=303).follow()
    assert "Copy of Team" in page.text
    copy = [d for d in alice.get_json("/api/dashboards")["dashboards"] if d["title"] == "Copy of Team"][0]
    full = alice.get_json(f"/api/dashboards/{copy['id']}")
    assert full["layout"] == "ABA" and full["columns"][1][0]["prefs"]["time_zone"] == "Asia/Tokyo"
    assert "alice&#39;s words" in alice.app.get(full["columns"][2][0]["frame_url"]).text  # the note came along
    alice.patch_json(f"/api/dashboards/{copy['id']}/gadgets/{full['columns'][1][0]['id']}",
                     {"prefs": {"time_zone": "UTC"}})
    assert alice.get_json(f"/api/dashboards/{did}")["columns"][1][0]["prefs"]["time_zone"] == "Asia/Tokyo"
    # bob copies it once it is shared with him, and his copy is his to change
    bob.post_json(f"/api/shared/alice/{did}/copy", {"title": "Mine now"}, status=404)
    alice.put_json(f"/api/dashboards/{did}/sharing", {"users": ["bob"]})
    mine = bob.post_json(f"/api/shared/alice/{did}/copy", {"title": "Mine now"}, status=201)
    assert [[i["gadget"] for i in col] for col in mine["columns"]] == [[], ["clock"], ["notes"]]
    bob.patch_json(f"/api/dashboards/{mine['id']}", {"title": "Bob's"})
    bob.app.post("/p/notes/save", {"st": frame_fields(mine["columns"][2][0]["frame_url"]), "text": "bob's"})
    assert "alice&#39;s words" in alice.app.get(people["notes"]["frame_url"]).text
    assert alice.get_json(f"/api/dashboards/{did}")["title"] == "Team"
    page = bob.app.get(f"/u/alice/d/{did}").forms[1].submit(status=303).follow()  # the shared page's Copy button
    assert "Copy of Team" in page.text


def test_the_default_dashboard_is_copied_to_users_added_later(dashboard_app, people, monkeypatch):
    alice, root = people["alice"], people["root"]
    assert root.get_json("/api/admin/default-dashboard") == {"default": None}
    before = root.post_json("/api/admin/users", {"name": "early", "password": PASSWORD}, status=201)
    # the administrator arranges one of their own dashboards and makes it the default (a copy is taken)
    rdid = root.get_json("/api/dashboards")["dashboards"][0]["id"]
    root.patch_json(f"/api/dashboards/{rdid}", {"title": "Welcome", "layout": "AB"})
    root.post_json(f"/api/dashboards/{rdid}/gadgets", {"gadget": "clock", "column": 1,
                                                        "prefs": {"time_zone": "Europe/Oslo"}})
    form = root.app.get("/admin").forms[[k for k, f in root.app.get("/admin").forms.items()
                                         if f.action.endswith("/admin/default-dashboard")][0]]
    form["dashboard"] = rdid
    form.submit("action", value="set", status=303)
    default = root.get_json("/api/admin/default-dashboard")["default"]
    assert (default["title"], default["layout"], default["columns"][1][0]["prefs"]["time_zone"]) == (
        "Welcome", "AB", "Europe/Oslo")
    root.post_json(f"/api/dashboards/{rdid}/gadgets", {"gadget": "notes"})  # later changes are not the default
    # added on the web, by the CLI and by make_user (AppRoot.add_user, which first run uses too)
    root.post_json("/api/admin/users", {"name": "web1", "password": PASSWORD}, status=201)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    with app_root_of(dashboard_app) as app_root:
        cli.users_add(app_root, argparse.Namespace(name="cli1", admin=False))
    for name in ("web1", "cli1"):
        client = Client(dashboard_app)
        client.login(name)
        dashboards = client.get_json("/api/dashboards")["dashboards"]
        assert [(d["title"], d["layout"]) for d in dashboards] == [("Welcome", "AB")]
        full = client.get_json(f"/api/dashboards/{dashboards[0]['id']}")
        assert [[i["gadget"] for i in col] for col in full["columns"]] == [[], ["clock"]]
        assert full["columns"][1][0]["prefs"]["time_zone"] == "Europe/Oslo"
        assert "Europe/Oslo" in client.app.get(full["columns"][1][0]["frame_url"]).text
    # each copy is the user's own: a change touches neither the default nor other users
    web1 = Client(dashboard_app)
    web1.login("web1")
    wdid = web1.get_json("/api/dashboards")["dashboards"][0]["id"]
    web1.patch_json(f"/api/dashboards/{wdid}", {"title": "Mine"})
    assert root.get_json("/api/admin/default-dashboard")["default"]["title"] == "Welcome"
    early = Client(dashboard_app)
    early.login("early")
    assert [d["title"] for d in early.get_json("/api/dashboards")["dashboards"]] == ["My dashboard"]
    assert before["name"] == "early"
    # cleared: new users start empty again
    root.put_json("/api/admin/default-dashboard", {"from": None})
    root.post_json("/api/admin/users", {"name": "web2", "password": PASSWORD}, status=201)
    with app_root_of(dashboard_app) as app_root:
        assert [len(d.instances) for d in app_root.users["web2"].dashboards.values()] == [0]
        assert [d.title for d in app_root.users["cli1"].dashboards.values()] == ["Welcome"]
    assert [e["outcome"] for e in audit_entries(dashboard_app, provider="default-dashboard")] == [
        "default dashboard cleared", "default dashboard set from root's 'Welcome'"]
