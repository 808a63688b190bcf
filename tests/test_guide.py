"""docs/plugins.md runs: every code block that is a file (its first line names its path) or a test (it defines
test_ functions) is extracted into a temporary plugin and run with pytest, so the guide cannot drift from the code.
The files the guide shows must be what `dashboard new-plugin weather` writes; the other Python blocks (fragments of
a hook, a context's call) must at least compile."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.scaffold import new_plugin

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "plugins.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
PATH_LINE = re.compile(r"^(?:# |\{# )(dashboard-weather/\S+?)(?: #\})?$")


def blocks():
    """(language, path or None, text without its path line) of every fenced block, in order."""
    for lang, text in FENCE.findall(GUIDE.read_text()):
        first, _, rest = text.partition("\n")
        named = PATH_LINE.match(first)
        yield (lang, named.group(1), rest) if named else (lang, None, text)


def test_the_guide_has_files_and_tests_to_run():
    found = list(blocks())
    assert sum(1 for _, path, _ in found if path) >= 5
    assert sum(1 for lang, path, text in found if not path and "def test_" in text) >= 2


def test_every_file_the_guide_shows_is_what_the_scaffold_writes(tmp_path):
    plugin = new_plugin("weather", tmp_path)
    for _, path, text in blocks():
        if path:
            written = (tmp_path / path).read_text()
            assert text == written, f"docs/plugins.md shows {path} otherwise than the scaffold writes it"


def test_every_other_python_block_compiles():
    for n, (lang, path, text) in enumerate(blocks()):
        if lang == "python" and not path:
            compile(text, f"docs/plugins.md block {n}", "exec")


@pytest.mark.timeout(120)
def test_the_guide_runs(tmp_path):
    """The guide's files, as a plugin installed for this Python (by its .dist-info, as pip would leave it), and its
    tests, each block a test module of that plugin, pass with pytest."""
    plugin = new_plugin("weather", tmp_path)
    for _, path, text in blocks():  # the guide's files over the scaffold's (the same, as the test above checks)
        if path:
            (tmp_path / path).write_text(text)
    expected = len(re.findall(r"^def test_", (plugin / "tests" / "test_dashboard_weather.py").read_text(), re.M))
    for n, (lang, path, text) in enumerate(blocks()):
        if lang == "python" and not path and "def test_" in text:
            (plugin / "tests" / f"test_guide_block_{n}.py").write_text(text)
            expected += len(re.findall(r"^def test_", text, re.M))
    info = plugin / "dashboard_weather-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dashboard-weather\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[dashboard]\nweather = dashboard_weather\n")
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=plugin,
                         env={"PYTHONPATH": str(plugin), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                         capture_output=True, text=True, timeout=110)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert f"{expected} passed" in res.stdout, res.stdout[-2000:]
