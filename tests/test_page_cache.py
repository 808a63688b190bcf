"""Kept dashboard pages (dashboard/views/page_cache.py): served again only while nothing they show has changed,
always with fresh frame links."""
import re

import pytest
import transaction

from dashboard import tokens
from dashboard.models.credentials import Connection
from dashboard.rendering import FRAME_PURPOSE
from dashboard.testing import Client, app_root_of
from dashboard.views.page_cache import PageCache


def frame_tokens(page):
    """instance id -> the frame token in its iframe's src."""
    return dict(re.findall(r'<iframe[^>]*src="/frame/[^/]+/([^?"]+)\?st=([^"]+)"', page))


def without_frame_tokens(page):
    return re.sub(r'\?st=[^"]+"', '?st="', page)


@pytest.fixture
def dashboard(user_client):
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    user_client.patch_json(f"/api/dashboards/{did}", {"layout": "AAA"})
    ids = [user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": g, "column": n})["id"]
           for n, g in enumerate(["clock", "notes", "github-pulls"])]
    return did, ids


def test_a_kept_page_is_served_again_with_frame_links_made_for_that_load(dashboard_app, user_client, dashboard):
    did, ids = dashboard
    cache = dashboard_app.registry.dashboard_page_cache
    first = user_client.app.get(f"/d/{did}").text
    hits = cache.hits
    second = user_client.app.get(f"/d/{did}").text
    assert cache.hits == hits + 1
    assert without_frame_tokens(second) == without_frame_tokens(first)
    for page in (first, second):
        found = frame_tokens(page)
        assert sorted(found) == sorted(ids)
        for iid, token in found.items():
            name, token_did, token_iid, _issued = tokens.verify(dashboard_app.registry.dashboard_secret, FRAME_PURPOSE,
                                                                token.replace("&amp;", "&"))
            assert (name, token_did, token_iid) == ("alice", did, iid)
    assert "frame-src-" not in second  # no marker is ever left in a page


def test_every_change_shows_on_the_next_load(dashboard_app, user_client, make_user, dashboard):
    did, (clock, notes, pulls) = dashboard

    def page():
        return user_client.app.get(f"/d/{did}").text

    page()
    user_client.patch_json(f"/api/dashboards/{did}", {"title": "Renamed <here>"})
    assert "<h1>Renamed &lt;here&gt;</h1>" in page()
    other = user_client.post_json("/api/dashboards", {"title": "Second tab"})["id"]
    assert "Second tab</a>" in page()
    user_client.patch_json(f"/api/dashboards/{other}", {"title": "Tab renamed"})
    assert "Tab renamed</a>" in page() and "Second tab" not in page()
    user_client.patch_json(f"/api/dashboards/{did}", {"layout": "AB"})
    assert "layout-AB" in page()
    user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "welcome", "column": 0})
    assert "Welcome" in page()
    before = page()
    user_client.patch_json(f"/api/dashboards/{did}/gadgets/{clock}", {"column": 1, "position": 0})
    assert page().index(f'id="g-{clock}"') > page().index('data-column="1"') and page() != before
    user_client.patch_json(f"/api/dashboards/{did}/gadgets/{notes}", {"minimized": True})
    assert re.search(rf'class="gadget minimized" id="g-{notes}"', page())
    user_client.delete_json(f"/api/dashboards/{did}/gadgets/{notes}")
    assert f'id="g-{notes}"' not in page()

    # changes committed elsewhere (another connection, as another process would): accounts and the admin flag
    assert 'aria-label="Account used by this gadget"' not in page()
    with app_root_of(dashboard_app) as root:
        for account in ("work", "personal"):
            conn = Connection("github", account, [])
            root.users["alice"].connections[conn.id] = conn
    assert ">personal</option>" in page() and ">work</option>" in page()
    with app_root_of(dashboard_app) as root:
        conn = next(c for c in root.users["alice"].connections.values() if c.account == "work")
        conn.account = "work (renamed)"
    assert ">work (renamed)</option>" in page()
    assert ">Administration</a>" not in page()
    with app_root_of(dashboard_app) as root:
        root.users["alice"].is_admin = True
    assert ">Administration</a>" in page()

    # a plugin disabled by an administrator: its gadget shows as unavailable
    admin = Client(dashboard_app)
    make_user("root", admin=True)
    admin.login("root")
    assert "World clock" in page()
    admin.form_post("/admin/plugins/clock", {"action": "disable"})
    assert "World clock" not in page()
    admin.form_post("/admin/plugins/clock", {"action": "enable"})
    assert "World clock" in page()


def test_each_session_gets_its_own_csrf_token(dashboard_app, user_client, dashboard):
    did, _ = dashboard
    assert f'value="{user_client.csrf}"' in user_client.app.get(f"/d/{did}").text
    again = Client(dashboard_app)
    again.login("alice")
    assert again.csrf != user_client.csrf
    page = again.app.get(f"/d/{did}").text
    assert f'value="{again.csrf}"' in page and user_client.csrf not in page


def test_pages_with_a_message_are_rendered_each_time_and_never_kept(dashboard_app, user_client, dashboard):
    did, _ = dashboard
    cache = dashboard_app.registry.dashboard_page_cache
    user_client.app.get(f"/d/{did}")
    kept = len(cache._pages)
    assert "Something &lt;went&gt; wrong" in user_client.app.get(f"/d/{did}?error=Something <went> wrong").text
    assert "went" not in user_client.app.get(f"/d/{did}").text
    assert len(cache._pages) == kept


def test_no_page_is_kept_while_templates_are_reloaded(dashboard_settings):
    from dashboard import main
    from dashboard.models import User
    from dashboard.testing import PASSWORD

    app = main({}, **dashboard_settings, **{"pyramid.reload_templates": "true"})
    assert app.registry.dashboard_page_cache is None
    with app_root_of(app) as root:
        root.add_user(User("carol", PASSWORD))
    client = Client(app)
    client.login("carol")
    did = client.get_json("/api/dashboards")["dashboards"][0]["id"]
    client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock", "column": 0})
    assert len(frame_tokens(client.app.get(f"/d/{did}").text)) == 1
    app.registry._zodb_databases[""].close()


def test_the_cache_keeps_the_most_recently_used_pages_up_to_its_size():
    cache = PageCache(size=2)
    for key in "abc":
        cache.put(key, key.upper())
    assert cache.get("a") is None and cache.get("b") == "B"
    cache.put("d", "D")  # "c" was used least recently
    assert cache.get("c") is None and cache.get("b") == "B" and cache.get("d") == "D"


def test_a_change_committed_elsewhere_changes_the_key_even_of_objects_already_loaded(dashboard_app, user_client,
                                                                                     dashboard):
    """A connection that had an object loaded sees another's commit as a ghost that still carries the old serial:
    the key must load it again, or the page of before the change would be served."""
    from types import SimpleNamespace

    from dashboard.models import get_app_root
    from dashboard.views.page_cache import page_key

    did, _ = dashboard
    db = dashboard_app.registry._zodb_databases[""]
    reader_tm, writer_tm = transaction.TransactionManager(), transaction.TransactionManager()
    reader, writer = db.open(reader_tm), db.open(writer_tm)
    try:
        request = SimpleNamespace(query_string="", application_url="http://localhost", gadgets={})

        def key():
            reader_tm.begin()
            user = get_app_root(reader.root()).users["alice"]
            dash = user.dashboards[did]
            return page_key(request, user, dash, dash.columns(), user.ordered_dashboards(), "csrf")

        before = key()
        with writer_tm:
            conn = Connection("github", "work", [])
            get_app_root(writer.root()).users["alice"].connections[conn.id] = conn
        with_account = key()
        assert with_account != before
        with writer_tm:
            get_app_root(writer.root()).users["alice"].connections[conn.id].account = "renamed"
        assert key() != with_account
        with writer_tm:
            inst = next(iter(get_app_root(writer.root()).users["alice"].dashboards[did].instances.values()))
            inst.minimized = True
        assert key() not in (before, with_account)
    finally:
        reader_tm.abort()
        reader.close()
        writer.close()
