"""``dashboard new-plugin NAME``: write a standalone plugin distribution a third party could publish as is.

NAME may be given as authors type it: ``weather``, ``dashboard-weather`` or ``dashboard_weather`` all make the
distribution ``dashboard-weather``, the package ``dashboard_weather`` and the plugin (entry point, gadget id) ``weather``.
The plugin has two gadgets: a greeting, and the user's account at the plugin's own service through the credential
broker, with tests against a test provider shaped like that service (a custom route and a custom scope) and the
conformance kit (``dashboard.testing.check_plugin``).
"""
import re
from pathlib import Path

#: The scope the scaffold's provider declares and its test provider grants: not one the kit's default provider has.
SCOPE = "profile"
THUMBNAIL = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 60 60" width="60" height="60">'
             '<rect width="60" height="60" rx="10" fill="#{colour}"/>'
             '<circle cx="30" cy="30" r="14" fill="#fff"/></svg>\n')

FILES = {
    "pyproject.toml": """[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"
""",
    "setup.cfg": """[metadata]
name = dashboard-{name}
version = 0.1.0
description = The {title} gadgets for Gadget Dashboard
long_description = file: README.md
long_description_content_type = text/markdown

[options]
# templates/ and thumbnails/ are data folders inside the package: namespace packages to setuptools
packages = find_namespace:
include_package_data = True
install_requires =
    gadget-dashboard >= 0.1

[options.packages.find]
include = {package}, {package}.*

[options.package_data]
{package} = templates/*.jinja2, thumbnails/*.svg

[options.extras_require]
testing =
    gadget-dashboard[plugin-testing]

[options.entry_points]
dashboard =
    {name} = {package}
""",
    "README.md": """# dashboard-{name}

The *{title}* gadgets for Gadget Dashboard: a greeting, and your account at {title} (OAuth 2.0, through the
server's credential broker).

    pip install -e .            # into the server's environment, then restart the server
    pip install -e '.[testing]' && pytest

`DASHBOARD_{env}_URL` says where the {title} service is (default https://{name}.example.com). See the plugin
author's guide (docs/plugins.md of Gadget Dashboard) for every hook and field.
""",
    "{package}/__init__.py": '''"""The {title} gadgets."""
import json
import os

from dashboard import Gadget, Pref, Provider, hookimpl


def service_url():
    """Where the {title} service is (read at each start-up, so tests can point it at a provider on 127.0.0.1)."""
    return os.environ.get("DASHBOARD_{env}_URL", "https://{name}.example.com").rstrip("/")


def account_data(ctx):
    resp = ctx.broker.fetch("me")  # relative to the provider's first base URL, signed by the server
    if resp.status != 200:
        return {{"message": f"{title} answered with HTTP status {{resp.status}}."}}
    return {{"account": json.loads(resp.body)}}


@hookimpl
def dashboard_gadgets():
    return [Gadget(
        id="{name}", title="{title}", description="Says hello.", category="Other", author="",
        thumbnail="{package}:thumbnails/{name}.svg", template="{package}:templates/{name}.jinja2",
        prefs=[Pref("greeting", "string", "Greeting", default="Hello", required=True, max_length=100),
               Pref("shout", "bool", "Shout")],
    ), Gadget(
        id="{name}-account", title="My {title} account", description="Your account at {title}.",
        thumbnail="{package}:thumbnails/{name}-account.svg",
        template="{package}:templates/{name}-account.jinja2", data=account_data,
        provider="{name}", scopes=["{scope}"], cache="user", refresh=300,
    )]


@hookimpl
def dashboard_providers():
    # Pending until an administrator approves it and enters the client id and secret {title} gave this server.
    url = service_url()
    return [Provider(id="{name}", name="{title}", kind="oauth2", scopes=["{scope}"],
                     endpoints={{"authorize": url + "/oauth/authorize", "token": url + "/oauth/token"}},
                     base_urls=[url + "/api/"], account_url=url + "/api/me")]
''',
    "{package}/templates/{name}.jinja2": """<p class="{name}">{{{{ prefs.greeting|upper if prefs.shout else prefs.greeting }}}}, {{{{ ctx.username }}}}!</p>
""",
    "{package}/templates/{name}-account.jinja2": """{{% if data.account %}}<p class="{name}-account">You are {{{{ data.account.name }}}} at {title}.</p>
{{% else %}}<p class="{name}-account">{{{{ data.message }}}}</p>{{% endif %}}
""",
    "{package}/thumbnails/{name}.svg": THUMBNAIL.replace("{colour}", "0052cc"),
    "{package}/thumbnails/{name}-account.svg": THUMBNAIL.replace("{colour}", "00875a"),
    "tests/test_{package}.py": '''"""The {title} gadgets with the core's fixtures (dashboard.testing), against a real OAuth 2.0 provider on
127.0.0.1 shaped like the {title} service: its endpoints, the scope it grants, its user and its API."""
import pytest

from dashboard.testing import Route, add_gadget, approve_provider, check_plugin, connect_account


@pytest.fixture(autouse=True)
def service(make_oauth2_server, monkeypatch):
    server = make_oauth2_server(scopes=["{scope}"], users=["ola"],
                                paths={{"authorize": "/oauth/authorize", "token": "/oauth/token"}},
                                routes={{"/api/me": Route(lambda req: {{"name": req.user}}, scope="{scope}")}})
    monkeypatch.setenv("DASHBOARD_{env}_URL", server.url)  # before the app starts: its provider is this server
    return server


def test_gadget_shows_the_greeting(user_client):
    did, inst = add_gadget(user_client, "{name}", prefs={{"greeting": "Hi", "shout": True}})
    assert "HI, alice!" in user_client.get(inst["frame_url"]).text


def test_empty_greeting_is_refused(user_client):
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    err = user_client.post_json(f"/api/dashboards/{{did}}/gadgets", {{"gadget": "{name}", "prefs": {{"greeting": ""}}}},
                                status=400)
    assert "Greeting is required" in err["error"]


def test_my_account(user_client, admin_client, service):
    approve_provider(admin_client, "{name}", service)
    did, inst = add_gadget(user_client, "{name}-account")
    assert "Connect to {title}" in user_client.get(inst["frame_url"]).text
    connect_account(user_client, did, inst, "{name}")
    assert "You are ola at {title}." in user_client.get(inst["frame_url"]).text


def test_conforms(user_client, admin_client, service):
    check_plugin("{name}", user_client, admin_client, servers={{"{name}": service}})
''',
}


def names(raw):
    """(plugin name, package) from ``weather``, ``dashboard-weather`` or ``dashboard_weather``."""
    name = raw.strip().lower().replace("_", "-")
    name = name[len("dashboard-"):] if name.startswith("dashboard-") else name
    if not re.match(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", name) or len(name) > 40 or name == "dashboard":
        raise ValueError(f"{raw!r}: plugin names are 1-40 lowercase letters, digits and single '-' or '_' between "
                         "them, starting with a letter (e.g. weather, dashboard-weather or dashboard_weather)")
    return name, "dashboard_" + name.replace("-", "_")


def new_plugin(name, directory="."):
    """Write ``dashboard-NAME/`` in ``directory`` and return its path."""
    name, package = names(name)
    target = Path(directory) / f"dashboard-{name}"
    if target.exists():
        raise ValueError(f"{target} already exists")
    values = {"name": name, "package": package, "title": name.replace("-", " ").capitalize(),
              "env": name.replace("-", "_").upper(), "scope": SCOPE}
    for path, text in FILES.items():
        out = target / path.format(**values)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text.format(**values))
    return target
