"""The scaffold's output is a working third-party plugin: installed with pip into a fresh virtual environment with
the core, its generated tests pass (against a test provider shaped like the plugin's service, with its own route and
scope, and the conformance kit), and a started server lists its gadgets in the directory."""
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from dashboard.scaffold import new_plugin
from dashboard.testing import PASSWORD
from livehelpers import HttpUser
from processes import Process, write_ini

ROOT = Path(__file__).resolve().parent.parent
#: What dashboard.testing and the test providers need of the core's testing extra.
TEST_REQUIREMENTS = ("WebTest", "pytest", "pytest-timeout", "requests", "Authlib", "Flask")


def test_scaffold_refuses_bad_names_and_existing_directories(tmp_path):
    for bad in ("Bad Name", "1weather", "dashboard", "dashboard-", "we--ather", "a" * 41):
        with pytest.raises(ValueError, match="lowercase"):
            new_plugin(bad, tmp_path)
    new_plugin("ok", tmp_path)
    with pytest.raises(ValueError, match="already exists"):
        new_plugin("ok", tmp_path)


@pytest.mark.parametrize("typed", ["weather", "dashboard-weather", "dashboard_weather", "Dashboard-Weather"])
def test_new_plugin_takes_the_name_as_authors_type_it(tmp_path, typed):
    res = subprocess.run([str(Path(sys.executable).parent / "dashboard"), "new-plugin", typed, "--dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    plugin = tmp_path / "dashboard-weather"
    assert "name = dashboard-weather" in (plugin / "setup.cfg").read_text()
    assert "    weather = dashboard_weather" in (plugin / "setup.cfg").read_text()
    assert (plugin / "dashboard_weather" / "templates" / "weather.jinja2").is_file()
    assert (plugin / "tests" / "test_dashboard_weather.py").is_file()
    assert 'id="weather"' in (plugin / "dashboard_weather" / "__init__.py").read_text()


def test_a_hyphenated_name_makes_the_usual_names(tmp_path):
    plugin = new_plugin("dashboard_my_sample", tmp_path)
    assert plugin.name == "dashboard-my-sample"
    source = (plugin / "dashboard_my_sample" / "__init__.py").read_text()
    assert 'id="my-sample", title="My sample"' in source and "DASHBOARD_MY_SAMPLE_URL" in source
    assert "    my-sample = dashboard_my_sample" in (plugin / "setup.cfg").read_text()


@pytest.mark.timeout(150)  # about 30 s with pip's cache: part of make test
def test_new_plugin_in_a_fresh_virtualenv(tmp_path):
    res = subprocess.run([str(Path(sys.executable).parent / "dashboard"), "new-plugin", "weather", "--dir",
                          str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    plugin = tmp_path / "dashboard-weather"
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_ = env_dir / "bin"

    def run(*args, **kw):
        done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kw)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done

    # The core and what the scaffold's tests use (the rest of the core's testing extra, browsers and PostgreSQL
    # drivers among them, is for the core's own suite), then the plugin, whose gadget-dashboard is then satisfied.
    run(bin_ / "pip", "install", "-q", str(ROOT), *TEST_REQUIREMENTS)
    run(bin_ / "pip", "install", "-q", str(plugin))
    tests = run(bin_ / "python", "-m", "pytest", "-v", "-p", "no:cacheprovider", "tests", cwd=plugin)
    for name in ("test_gadget_shows_the_greeting", "test_empty_greeting_is_refused", "test_my_account",
                 "test_conforms"):  # test_my_account: the shaped provider's own route (/api/me) and scope (profile)
        assert f"{name} PASSED" in tests.stdout, tests.stdout
    assert "4 passed" in tests.stdout
    ini, port = write_ini(tmp_path, f"file://{tmp_path}/Data.fs")
    run(bin_ / "dashboard", ini, "users", "add", "ann", input=PASSWORD + "\n")
    server = Process([str(bin_ / "pserve"), ini], port)
    try:
        user = HttpUser(f"http://127.0.0.1:{port}", "ann")
        ids = [g["id"] for g in user.call("GET", "/api/gadgets").json()["gadgets"]]
        assert {"weather", "weather-account"} <= set(ids)
    finally:
        server.stop()
