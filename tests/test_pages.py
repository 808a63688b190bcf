"""The HTML pages: every action as a person does it, with forms and their CSRF tokens."""
import re

import pytest

from dashboard.rendering import FRAME_SANDBOX


def dash_id(client):
    return client.get_json("/api/dashboards")["dashboards"][0]["id"]


def test_home_redirects_to_first_dashboard(user_client):
    res = user_client.get("/", status=303).follow()
    assert "<h1>My dashboard</h1>" in res.text
    assert "This column is empty" in res.text


def test_build_a_dashboard_from_the_directory(user_client):
    did = dash_id(user_client)
    directory = user_client.get(f"/directory?dashboard={did}")
    assert "World clock" in directory.text and "Feed reader" in directory.text
    form = next(f for f in directory.forms.values() if "gadget" in f.fields and f["gadget"].value == "clock")
    page = form.submit(status=303).follow()
    assert "World clock" in page.text
    frames = re.findall(r'<iframe[^>]*src="([^"]+)"', page.text)
    assert len(frames) == 1
    assert f'sandbox="{FRAME_SANDBOX}"' in page.text and "allow-same-origin" not in FRAME_SANDBOX
    frame = user_client.get(frames[0].replace("&amp;", "&"))
    assert "UTC" in frame.text


def test_directory_search_and_category(user_client):
    assert "World clock" not in user_client.get("/directory?q=feed").text
    page = user_client.get("/directory?category=Time")
    assert "World clock" in page.text and "Notes" not in page.text
    assert "No gadget matches" in user_client.get("/directory?q=zzzz").text


def test_dashboard_forms(user_client):
    did = dash_id(user_client)
    user_client.form_post(f"/d/{did}/rename", {"title": "Home base"})
    user_client.form_post(f"/d/{did}/layout", {"layout": "AAA"})
    user_client.form_post(f"/d/{did}/add", {"gadget": "notes", "column": "2"})
    dash = user_client.get_json(f"/api/dashboards/{did}")
    assert dash["title"] == "Home base" and dash["layout"] == "AAA" and dash["columns"][2][0]["gadget"] == "notes"
    iid = dash["columns"][2][0]["id"]
    user_client.form_post(f"/d/{did}/g/{iid}/move", {"column": "0", "position": "0"})
    user_client.form_post(f"/d/{did}/g/{iid}/minimize")
    dash = user_client.get_json(f"/api/dashboards/{did}")
    assert dash["columns"][0][0]["id"] == iid and dash["columns"][0][0]["minimized"]
    page = user_client.form_post(f"/d/{did}/g/{iid}/remove").follow()
    assert user_client.get_json(f"/api/dashboards/{did}")["columns"] == [[], [], []]
    # without script, the page after a removal offers to undo it
    assert "Notes was removed" in page.text
    page.forms["undo-remove"].submit().follow()
    assert user_client.get_json(f"/api/dashboards/{did}")["columns"][0][0]["id"] == iid
    user_client.form_post(f"/d/{did}/g/{iid}/remove")
    new = user_client.form_post("/dashboards/new", {"title": "Second"}).follow()
    assert "<h1>Second</h1>" in new.text
    user_client.form_post(f"/d/{did}/delete")
    assert [d["title"] for d in user_client.get_json("/api/dashboards")["dashboards"]] == ["Second"]


def test_bad_form_input_is_explained_on_the_page(user_client):
    did = dash_id(user_client)
    page = user_client.form_post(f"/d/{did}/layout", {"layout": "ZZ"}).follow()
    assert "the layout must be one of" in page.text
    page = user_client.form_post(f"/d/{did}/add", {"gadget": "nope"}).follow()
    assert "there is no gadget" in page.text
    assert user_client.form_post(f"/d/{did}/frobnicate", status=404)


def test_edit_preferences_with_a_rejected_value(user_client):
    did = dash_id(user_client)
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "feed-reader"})
    form_page = user_client.get(f"/d/{did}/g/{inst['id']}/prefs")
    form = form_page.forms["prefs-form"]
    form["count"] = "fifty"
    bad = form.submit(status=400)
    assert "Number of headlines must be a number" in bad.text and 'value="fifty"' in bad.text
    form = bad.forms["prefs-form"]
    form["count"] = "5"
    form["feed_url"] = "https://example.org/feed.xml"
    form.submit(status=303)
    prefs = user_client.get_json(f"/api/dashboards/{did}/gadgets/{inst['id']}")["prefs"]
    assert prefs == {"count": 5, "feed_url": "https://example.org/feed.xml"}


def test_forms_without_csrf_token_are_refused(user_client):
    did = dash_id(user_client)
    res = user_client.app.post(f"/d/{did}/add", {"gadget": "clock"}, status=400)
    assert "CSRF" in res.text
    assert user_client.get_json(f"/api/dashboards/{did}")["columns"] == [[], []]


def test_markup_in_titles_and_prefs_is_escaped(user_client):
    did = dash_id(user_client)
    user_client.form_post(f"/d/{did}/rename", {"title": "<script>alert(1)</script>"})
    page = user_client.get(f"/d/{did}")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets",
                                 {"gadget": "feed-reader", "prefs": {"feed_url": '"><script>x()</script>'}})
    prefs_page = user_client.get(f"/d/{did}/g/{inst['id']}/prefs")
    assert "<script>x()</script>" not in prefs_page.text


def test_pages_send_a_strict_content_security_policy(user_client):
    page = user_client.get(f"/d/{dash_id(user_client)}")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "onclick" not in page.text and "<script>" not in page.text


def test_frame_is_sandboxed_and_token_bound(user_client, other_client):
    did = dash_id(user_client)
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock"})
    frame = user_client.get(inst["frame_url"])
    assert frame.headers["Content-Security-Policy"].startswith("sandbox allow-scripts")
    assert "allow-same-origin" not in frame.headers["Content-Security-Policy"]
    # the frame needs no cookie: its token alone identifies the instance ...
    other_client.get(inst["frame_url"], status=200)
    # ... and a forged or missing token, or a token moved to another instance, is refused
    user_client.get(f"/frame/{did}/{inst['id']}", status=403)
    user_client.get(inst["frame_url"][:-3] + "xyz", status=403)
    other = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock"})
    assert "does not match" in user_client.get(inst["frame_url"].replace(inst["id"], other["id"]), status=403).text


def test_clock_renders_its_preferences(user_client):
    did = dash_id(user_client)
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets",
                                 {"gadget": "clock", "prefs": {"time_zone": "Asia/Tokyo", "hour_format": "12"}})
    text = user_client.get(inst["frame_url"]).text
    assert "Asia/Tokyo" in text and re.search(r"\d{1,2}:\d\d [AP]M", text)


def test_notes_are_kept_per_instance(user_client):
    did = dash_id(user_client)
    one = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})
    two = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})
    form = user_client.get(one["frame_url"]).forms[0]
    form["text"] = "buy <milk>"
    saved = form.submit(status=303).follow()
    assert "buy &lt;milk&gt;" in saved.text and "Saved." in saved.text
    assert "buy" not in user_client.get(two["frame_url"]).text
    # the frame token is required: a forged one saves nothing
    user_client.app.post("/p/notes/save", {"st": "forged", "text": "evil"}, status=403)
    assert "buy &lt;milk&gt;" in user_client.get(one["frame_url"]).text


def test_note_too_long_is_refused(user_client):
    did = dash_id(user_client)
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})
    st = inst["frame_url"].split("st=")[1]
    res = user_client.app.post("/p/notes/save", {"st": st, "text": "x" * 20001}, status=400)
    assert "at most 20000 characters" in res.text


@pytest.fixture
def hostile_client(dashboard_settings):
    from dashboard import main
    from dashboard.models import User
    from dashboard.testing import Client, app_root_of

    app = main({}, **{**dashboard_settings, "dashboard.plugins.extra": "plugins_for_tests.hostile"})
    with app_root_of(app) as root:
        root.add_user(User("alice", "correct horse battery staple"))
    client = Client(app)
    client.login("alice")
    yield client
    app.registry._zodb_databases[""].close()


def test_gadget_markup_stays_inside_its_sandboxed_frame(hostile_client):
    did = dash_id(hostile_client)
    inst = hostile_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "echo"})
    for page in (hostile_client.get(f"/d/{did}"), hostile_client.get("/directory")):
        assert "<img src=x onerror" not in page.text and "&lt;img src=x onerror=alert(1)&gt;Echo" in page.text
        assert "gadgetRan" not in page.text
    frame = hostile_client.get(inst["frame_url"])
    assert "<script>window.gadgetRan = true</script>" in frame.text  # the gadget's own script, in its frame only
    assert frame.headers["Content-Security-Policy"].startswith("sandbox ")


def test_arrow_buttons_move_one_step_without_script(user_client):
    did = dash_id(user_client)
    a = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock"})["id"]
    b = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})["id"]

    def columns():
        return [[i["id"] for i in col] for col in user_client.get_json(f"/api/dashboards/{did}")["columns"]]

    page = user_client.get(f"/d/{did}")
    assert 'value="down"' in page.text and 'value="right"' in page.text
    user_client.form_post(f"/d/{did}/g/{a}/move", {"direction": "down"})
    assert columns() == [[b, a], []]
    user_client.form_post(f"/d/{did}/g/{a}/move", {"direction": "right"})
    assert columns() == [[b], [a]]
    user_client.form_post(f"/d/{did}/g/{b}/move", {"direction": "right"})
    assert columns() == [[], [b, a]]
    assert "cannot move further right" in user_client.form_post(f"/d/{did}/g/{b}/move", {"direction": "right"}).follow().text
    assert "cannot move further up" in user_client.form_post(f"/d/{did}/g/{b}/move", {"direction": "up"}).follow().text
    assert "direction must be" in user_client.form_post(f"/d/{did}/g/{b}/move", {"direction": "sideways"}).follow().text
    assert columns() == [[], [b, a]]


def test_no_template_of_our_pages_has_inline_script_style_or_handlers():
    """The pages' CSP allows no inline script or style; gadget frames (frame.jinja2) have their own policy."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "dashboard" / "templates"
    for path in templates.glob("*.jinja2"):
        if path.name == "frame.jinja2":
            continue
        text = path.read_text()
        assert not re.search(r"\son[a-z]+\s*=", text), f"{path.name} has an inline event handler"
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"{path.name} has an inline script"
        assert not re.search(r"\sstyle\s*=|<style", text), f"{path.name} has an inline style"
