"""The core and every first-party plugin build without a warning about their package configuration (each plugin is
installable on its own, as a third party's would be), and their wheels carry their templates and thumbnails."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTIONS = [ROOT] + sorted(p.parent for p in (ROOT / "plugins").glob("*/setup.cfg"))


@pytest.mark.parametrize("source", DISTRIBUTIONS, ids=[p.name for p in DISTRIBUTIONS])
def test_a_distribution_builds_without_warnings(tmp_path, source):
    build = tmp_path / "src"
    shutil.copytree(source, build, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".venv", "var",
                                                                 "plugins", "tests", ".git"))
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v",
                          "-w", str(tmp_path / "dist"), str(build)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    warnings = [line for line in (res.stdout + res.stderr).splitlines()
                if "warning" in line.lower() and "byte-compiling" not in line and "Location 'file:" not in line]
    assert warnings == []
    wheel, = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any("/templates/" in n for n in names) and any(n.endswith(".svg") for n in names), names
    if source == ROOT:  # the OpenSocial feature units: without them spec gadgets would get no JavaScript
        assert {"dashboard/opensocial/features/core/feature.xml", "dashboard/static/favicon.svg"} <= set(names)
