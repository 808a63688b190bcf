"""GitHub: "my open pull requests", through the credential broker with OAuth 2.0 (authorization code + PKCE).

``DASHBOARD_GITHUB_URL`` points the provider at a GitHub Enterprise Server (its API is under /api/v3/).
"""
import os
from urllib.parse import urlsplit

from dashboard import Gadget, Provider, hookimpl


def _urls():
    server = os.environ.get("DASHBOARD_GITHUB_URL", "").rstrip("/")
    if not server:
        return "https://github.com", "https://api.github.com/"
    return server, server + "/api/v3/"


def pulls_data(ctx):
    resp = ctx.broker.fetch("search/issues", params={"q": "is:pr is:open author:@me", "per_page": "20"})
    if resp.status != 200:
        return {"message": f"GitHub answered with HTTP status {resp.status}."}
    import json

    items = json.loads(resp.body).get("items", [])
    for item in items:  # only https/http links become clickable
        if urlsplit(item.get("html_url", "")).scheme not in ("http", "https"):
            item["html_url"] = ""
    return {"items": items}


@hookimpl
def dashboard_providers():
    site, api = _urls()
    return [Provider(id="github", name="GitHub", kind="oauth2", description="Code hosting",
                     endpoints={"authorize": site + "/login/oauth/authorize",
                                "token": site + "/login/oauth/access_token"},
                     scopes=["repo", "read:user"], base_urls=[api], account_url=api + "user")]


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="github-pulls", thumbnail="dashboard_github:thumbnails/github-pulls.svg",
                   title="My open pull requests", description="Your open pull requests on GitHub.",
                   category="Development", author="Gadget Dashboard", provider="github", scopes=["repo"],
                   template="dashboard_github:templates/pulls.jinja2", data=pulls_data, refresh=300, height=240)]
