"""The plugin contract: loading, fault isolation, restriction, and the hooks' documentation."""
import inspect
import re
from pathlib import Path

import pytest

from dashboard import hookspecs
from dashboard.plugins import load_plugins
from dashboard.testing import Client

ROOT = Path(__file__).resolve().parent.parent
HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("dashboard_")]
EXTRA = "plugins_for_tests.raising plugins_for_tests.malformed plugins_for_tests.duplicate " \
        "plugins_for_tests.typo plugins_for_tests.render_fails"


def test_every_hook_has_a_docstring_saying_what_to_return():
    assert HOOKS
    for name in HOOKS:
        doc = getattr(hookspecs, name).__doc__ or ""
        assert doc.strip() and "return" in doc.lower(), f"hook {name} needs a docstring saying what it returns"


def test_every_hook_is_documented_in_the_plugin_guide():
    guide = (ROOT / "docs" / "plugins.md").read_text()
    for name in HOOKS:
        assert re.search(rf"^#+ .*`{name}", guide, re.M), f"docs/plugins.md has no section for {name}"


def test_every_hook_has_a_test_of_its_own():
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))
    for name in HOOKS:
        assert re.search(rf"def test_hook_{name}\b", tests), f"no test named test_hook_{name}"


def test_hookspecs_import_nothing_of_the_app():
    source = (ROOT / "dashboard" / "hookspecs.py").read_text()
    assert not re.search(r"^\s*(from \.|import dashboard|from dashboard)", source, re.M)


def test_bundled_plugins_use_only_the_public_api():
    # Plugin code imports only `dashboard`; plugin tests may also use the documented `dashboard.testing`.
    for path in (ROOT / "plugins").glob("*/dashboard_*/*.py"):
        for line in path.read_text().splitlines():
            if re.match(r"\s*(from|import) dashboard\b", line):
                assert re.match(r"\s*from dashboard import ", line), f"{path}: {line}"
            assert "pluggy" not in line, f"{path} imports pluggy instead of dashboard.hookimpl"


def test_hook_dashboard_gadgets():
    registry = load_plugins()
    assert {"welcome", "clock", "notes", "feed-reader"} <= set(registry.gadgets)
    assert registry.gadgets["clock"].plugin == "clock"
    assert registry.plugins["builtin"].distribution == "gadget-dashboard"


def test_hook_dashboard_providers():
    registry = load_plugins(extra=[("malformed", "plugins_for_tests.malformed")])
    assert [p.id for p in registry.plugins["malformed"].providers] == ["goodprov"]
    assert "badprov" not in registry.providers
    assert registry.providers["goodprov"].plugin == "malformed"
    assert any("badprov" in e and "endpoint 'authorize' must be an absolute http(s) URL" in e
               for e in registry.plugins["malformed"].errors)


def test_hook_dashboard_configure(user_client):
    # The notes plugin adds /p/notes/save through the hook: under its own prefix.
    res = user_client.app.post("/p/notes/save", {"st": "x"}, status=403)
    assert "not valid" in res.text
    user_client.app.post("/save", {"st": "x"}, status=404)


def test_environment_variable_restricts_plugins(monkeypatch):
    monkeypatch.setenv("DASHBOARD_PLUGINS", "builtin, clock")
    registry = load_plugins()
    assert set(registry.plugins) == {"builtin", "clock"}
    assert set(registry.gadgets) == {"welcome", "my-dashboards", "clock"}


def test_faults_are_reported_by_name_and_others_keep_working():
    registry = load_plugins(extra=[(m.rsplit(".", 1)[1], m) for m in EXTRA.split()] +
                            [("missing", "plugins_for_tests.does_not_exist")])
    errors = registry.errors()
    assert "dashboard_gadgets raised RuntimeError: database of gadgets is on fire" in errors["raising"][0]
    assert any("invalid gadget" in e and "'Bad Id!'" in e for e in errors["malformed"])
    assert "fine-gadget" in registry.gadgets  # the good half of a partly bad plugin still works
    assert "already declared by plugin 'clock'" in errors["duplicate"][0]
    assert registry.gadgets["clock"].plugin == "clock"
    assert "unknown hook" in errors["typo"][0]
    assert "could not be loaded" in errors["missing"][0]
    assert {"welcome", "clock", "notes", "feed-reader", "boom"} <= set(registry.gadgets)


@pytest.fixture
def faulty_app(dashboard_settings):
    from dashboard import main

    app = main({}, **{**dashboard_settings, "dashboard.plugins.extra": EXTRA})
    yield app
    app.registry._zodb_databases[""].close()


def test_faulty_plugins_in_a_running_app(faulty_app, caplog):
    from dashboard.testing import app_root_of
    from dashboard.models import User

    with app_root_of(faulty_app) as root:
        root.add_user(User("root", "correct horse battery staple", is_admin=True))
    admin = Client(faulty_app)
    admin.login("root")
    page = admin.get("/admin")
    for name, reason in [("raising", "database of gadgets is on fire"), ("duplicate", "already declared"),
                         ("typo", "unknown hook"), ("render_fails", "dashboard_configure raised RuntimeError")]:
        row = re.search(rf'data-plugin="{name}">(.*?)</tr>', page.text, re.S).group(1)
        assert reason in row
    did = admin.get_json("/api/dashboards")["dashboards"][0]["id"]
    boom = admin.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "boom"})
    clock = admin.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock"})
    frame = admin.get(boom["frame_url"])
    assert "Boom could not be shown: ValueError" in frame.text and "secret internals" not in frame.text
    assert "UTC" in admin.get(clock["frame_url"]).text
    assert admin.get(f"/d/{did}").status_int == 200
    entry = re.search(r'data-gadget="needs-provider">(.*?)</li>', admin.get("/directory").text, re.S).group(1)
    assert "needs Good provider" in entry and "waiting for an administrator to approve it" in entry
    providers = admin.get_json("/api/admin/providers")["providers"]
    assert ("goodprov", "pending", "malformed") in [(p["id"], p["state"], p["plugin"]) for p in providers]
    assert "Good provider" in page.text


def test_gadget_whose_plugin_is_gone_shows_unavailable(dashboard_settings, monkeypatch):
    from dashboard import main

    app = main({}, **dashboard_settings)
    from dashboard.testing import app_root_of
    from dashboard.models import User

    with app_root_of(app) as root:
        root.add_user(User("alice", "correct horse battery staple"))
    client = Client(app)
    client.login("alice")
    did = client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock", "prefs": {"time_zone": "Asia/Tokyo"}})
    app.registry._zodb_databases[""].close()
    monkeypatch.setenv("DASHBOARD_PLUGINS", "builtin")
    app = main({}, **dashboard_settings)
    client = Client(app)
    client.login("alice")
    got = client.get_json(f"/api/dashboards/{did}/gadgets/{inst['id']}")
    assert got["available"] is False and got["prefs"] == {"time_zone": "Asia/Tokyo", "hour_format": "24"}
    assert "not available" in client.get(got["frame_url"]).text
    assert client.get(f"/d/{did}").status_int == 200
    app.registry._zodb_databases[""].close()


def test_disable_and_enable_a_plugin_keeps_its_gadgets(user_client, admin_client):
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets",
                                 {"gadget": "clock", "prefs": {"time_zone": "Asia/Tokyo"}})
    admin_client.form_post("/admin/plugins/clock", {"action": "disable"})
    assert {p["name"]: p["enabled"] for p in admin_client.get_json("/api/admin/plugins")["plugins"]}["clock"] is False
    assert "disabled" in re.search(r'data-plugin="clock">(.*?)</tr>', admin_client.get("/admin").text, re.S).group(1)
    got = user_client.get_json(f"/api/dashboards/{did}/gadgets/{inst['id']}")
    assert got["available"] is False and got["prefs"]["time_zone"] == "Asia/Tokyo"
    assert "not available" in user_client.get(inst["frame_url"]).text
    assert "World clock" not in user_client.get("/directory").text
    user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock"}, status=400)
    assert user_client.get(f"/d/{did}").status_int == 200
    admin_client.form_post("/admin/plugins/clock", {"action": "enable"})
    assert "Asia/Tokyo" in user_client.get(inst["frame_url"]).text
    assert admin_client.form_post("/admin/plugins/clock", {"action": "explode"}, status=400)


def test_declaration_errors_are_isolated_per_gadget_and_provider_in_every_form():
    """One bad Gadget(...)/Pref(...) object, a bad dict and a lazy declaration that raises each cost only
    themselves: the good gadgets and providers of the same plugin load, every error names the plugin and the id."""
    registry = load_plugins(extra=[("half_bad", "plugins_for_tests.half_bad")])
    info = registry.plugins["half_bad"]
    assert [g.id for g in info.gadgets] == ["half-good-1", "half-good-2"]
    assert registry.gadgets["half-good-2"].pref("n").max == 9
    assert [p.id for p in info.providers] == ["half-prov-good", "half-prov-dict"]
    errors = "\n".join(info.errors)
    assert "invalid gadget: gadget 'half-bad-pref': preference 'units': type 'colour'" in errors
    assert "invalid gadget: gadget 'half-bad-field': got an unexpected keyword argument 'heigth'" in errors
    assert "invalid gadget: gadget 'half-bad-dict': refresh must be whole seconds" in errors
    assert "the declaration dashboard_gadgets.<locals>.<lambda> raised ValueError" in errors
    assert "invalid provider: provider 'half-prov-bad': a oauth2 provider needs the 'token' endpoint" in errors
    assert "dashboard_providers raised RuntimeError: the generator stops here" in errors
    assert len(info.errors) == 6


def test_declarations_built_outside_the_core_still_raise_at_once():
    from dashboard import DeclarationError, Gadget, Pref

    with pytest.raises(DeclarationError, match="type 'colour'"):
        Pref("units", "colour")
    with pytest.raises(TypeError, match="heigth"):
        Gadget(id="x", title="X", render=str, heigth=1)


def test_cli_plugins_runs_every_hook_and_names_each_error(tmp_path):
    """`dashboard CONFIG plugins` runs dashboard_configure too (on a throwaway Configurator): a plugin whose
    configure raises is named with its error and the command exits 1; a bad gadget is named with its plugin."""
    import subprocess
    import sys

    ini = tmp_path / "test.ini"
    ini.write_text(f"[app:main]\nuse = egg:gadget-dashboard\nzodbconn.uri = file://{tmp_path}/Data.fs\n"
                   f"dashboard.secret_file = {tmp_path}/secret.key\n"
                   "dashboard.plugins.extra = plugins_for_tests.configure_fails plugins_for_tests.half_bad\n")
    res = subprocess.run([str(Path(sys.executable).parent / "dashboard"), str(ini), "plugins"], capture_output=True,
                         text=True, timeout=60, env={"PYTHONPATH": str(ROOT / "tests"), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 1, res.stdout + res.stderr
    sections = dict(re.findall(r"^(\S+)  .*\n((?:  .*\n)*)", res.stdout, re.M))
    assert "gadgets:   configured-late" in sections["configure_fails"]
    assert "ERROR: dashboard_configure raised LookupError: no such view module: configure_fails.views" in \
        sections["configure_fails"]
    assert "gadgets:   half-good-1, half-good-2" in sections["half_bad"]
    assert "ERROR: invalid gadget: gadget 'half-bad-pref'" in sections["half_bad"]
    assert "dashboard_configure" in sections["notes"] and "ERROR" not in sections["notes"]  # its configure ran fine
