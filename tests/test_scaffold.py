"""The scaffold's output is a working third-party plugin: installed with pip into a fresh virtual environment with
the core, its generated tests pass, and a started server lists its gadget in the directory."""
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


def test_scaffold_refuses_bad_names_and_existing_directories(tmp_path):
    with pytest.raises(ValueError, match="lowercase"):
        new_plugin("Bad-Name", tmp_path)
    new_plugin("ok", tmp_path)
    with pytest.raises(ValueError, match="already exists"):
        new_plugin("ok", tmp_path)


@pytest.mark.timeout(900)
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

    run(bin_ / "pip", "install", "-q", f"{ROOT}[testing]", str(plugin))
    tests = run(bin_ / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=plugin)
    assert "2 passed" in tests.stdout
    ini, port = write_ini(tmp_path, f"file://{tmp_path}/Data.fs")
    run(bin_ / "dashboard", ini, "users", "add", "ann", input=PASSWORD + "\n")
    server = Process([str(bin_ / "pserve"), ini], port)
    try:
        user = HttpUser(f"http://127.0.0.1:{port}", "ann")
        ids = [g["id"] for g in user.call("GET", "/api/gadgets").json()["gadgets"]]
        assert "weather" in ids
    finally:
        server.stop()


def test_the_guide_shows_what_the_scaffold_writes(tmp_path):
    """The plugin guide's example is the scaffold's output, so the tested scaffold also tests the guide."""
    guide = (ROOT / "docs" / "plugins.md").read_text()
    plugin = new_plugin("weather", tmp_path)
    source = (plugin / "dashboard_weather" / "__init__.py").read_text()
    block = source[source.index("@hookimpl"):source.index("@hookimpl", source.index("@hookimpl") + 1)].strip()
    assert block in guide
    template = (plugin / "dashboard_weather" / "templates" / "weather.jinja2").read_text().strip()
    assert template in guide
