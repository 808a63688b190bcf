"""``dashboard new-plugin NAME``: write a standalone plugin distribution a third party could publish as is."""
import re
from pathlib import Path

FILES = {
    "pyproject.toml": """[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"
""",
    "setup.cfg": """[metadata]
name = dashboard-{name}
version = 0.1.0
description = The {title} gadget for Gadget Dashboard
long_description = file: README.md
long_description_content_type = text/markdown

[options]
packages = {package}
include_package_data = True
install_requires =
    gadget-dashboard >= 0.1

[options.package_data]
{package} = templates/*.jinja2

[options.extras_require]
testing =
    gadget-dashboard[testing]

[options.entry_points]
dashboard =
    {name} = {package}
""",
    "README.md": """# dashboard-{name}

The *{title}* gadget for Gadget Dashboard.

    pip install -e .            # into the server's environment, then restart the server
    pip install -e '.[testing]' && pytest

See the plugin author's guide (docs/plugins.md of Gadget Dashboard) for every hook and field.
""",
    "{package}/__init__.py": '''"""The {title} gadget."""
from dashboard import Gadget, Pref, hookimpl


@hookimpl
def dashboard_gadgets():
    return [Gadget(
        id="{name}", title="{title}", description="Says hello.", category="Other", author="",
        template="{package}:templates/{name}.jinja2",
        prefs=[Pref("greeting", "string", "Greeting", default="Hello", required=True, max_length=100),
               Pref("shout", "bool", "Shout")],
    )]


@hookimpl
def dashboard_providers():
    # Declare the service providers your gadgets need (they stay pending until an administrator approves them),
    # then give the gadget provider="..." and scopes=[...] and call ctx.broker.fetch(...) in a data callable:
    #
    #     return [Provider(id="example", name="Example", kind="oauth2", scopes=["read"],
    #                      endpoints={{"authorize": "https://example.com/oauth/authorize",
    #                                 "token": "https://example.com/oauth/token"}},
    #                      base_urls=["https://api.example.com/"])]
    return []
''',
    "{package}/templates/{name}.jinja2": """<p class="{name}">{{{{ prefs.greeting|upper if prefs.shout else prefs.greeting }}}}, {{{{ ctx.username }}}}!</p>
""",
    "tests/test_{package}.py": '''def test_gadget_shows_the_greeting(user_client):
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = user_client.post_json(f"/api/dashboards/{{did}}/gadgets",
                                 {{"gadget": "{name}", "prefs": {{"greeting": "Hi", "shout": True}}}})
    assert "HI, alice!" in user_client.get(inst["frame_url"]).text


def test_empty_greeting_is_refused(user_client):
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    err = user_client.post_json(f"/api/dashboards/{{did}}/gadgets", {{"gadget": "{name}", "prefs": {{"greeting": ""}}}},
                                status=400)
    assert "Greeting is required" in err["error"]
''',
}


def new_plugin(name, directory="."):
    """Write ``dashboard-NAME/`` in ``directory`` and return its path."""
    if not re.match(r"^[a-z][a-z0-9_]{0,39}$", name):
        raise ValueError("plugin names are 1-40 lowercase letters, digits or _, starting with a letter")
    target = Path(directory) / f"dashboard-{name}"
    if target.exists():
        raise ValueError(f"{target} already exists")
    values = {"name": name, "package": f"dashboard_{name}", "title": name.replace("_", " ").capitalize()}
    for path, text in FILES.items():
        out = target / path.format(**values)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text.format(**values))
    return target
