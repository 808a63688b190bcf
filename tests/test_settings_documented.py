"""Every dashboard.* setting the code reads is in the administrator's guide, and every one the guide names is read
by the code: the settings table cannot drift from what the server does."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: a setting read: settings.get("dashboard.x" ...), number_setting(settings, "dashboard.x" ...), settings["dashboard.x"]
READ = re.compile(r'(?:\.get\(|number_setting\(\s*\w+,\s*|\[)\s*"(dashboard\.[a-z_]+(?:\.[a-z_]+)*)"')
NAMED = re.compile(r"`(dashboard\.[a-z_]+(?:\.[a-z_]+)*)(?: = [^`]*)?`")


def test_the_settings_the_code_reads_are_the_ones_the_guide_names():
    read = {m for p in (ROOT / "dashboard").rglob("*.py") for m in READ.findall(p.read_text())}
    named = set(NAMED.findall((ROOT / "docs" / "admin.md").read_text()))
    modules = {f"dashboard.{p.stem}" for p in (ROOT / "dashboard").rglob("*.py")} | {
        f"dashboard.{p.parent.name}.{p.stem}" for p in (ROOT / "dashboard").rglob("*/*.py")}
    assert len(read) > 15
    assert read - named == set(), "read by the code but not in docs/admin.md"
    assert named - read - modules == set(), "in docs/admin.md but read nowhere"


def test_the_guide_states_the_rule_for_user_names_as_the_code_does():
    from dashboard.models.users import MIN_PASSWORD, NAME_RULE

    guide = " ".join((ROOT / "docs" / "admin.md").read_text().split())
    assert f"Names are {NAME_RULE};" in guide and f"need at least {MIN_PASSWORD} characters" in guide


def test_the_guide_states_the_connection_pool_as_the_server_sizes_it():
    from dashboard.server import BACKGROUND_CONNECTIONS

    guide = " ".join((ROOT / "docs" / "admin.md").read_text().split())
    assert guide.count(f"`threads` + {BACKGROUND_CONNECTIONS}") == 2
    assert f"plus {BACKGROUND_CONNECTIONS} for the background threads" in (ROOT / "dashboard" / "server.py").read_text()
