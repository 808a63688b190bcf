"""GitHub: "my open pull requests", through the credential broker with OAuth 2.0 (authorization code + PKCE).

``DASHBOARD_GITHUB_URL`` points the provider at a GitHub Enterprise Server (its API is under /api/v3/) by default; an
administrator can choose the server on Service Providers.
"""
import os
from urllib.parse import urlsplit

from dashboard import Gadget, Provider, hookimpl


def github_urls(server):
    """github.com, whose API has a host of its own, or a GitHub Enterprise Server (its API under /api/v3/)."""
    api = "https://api.github.com/" if server == "https://github.com" else server + "/api/v3/"
    return {"endpoints": {"authorize": server + "/login/oauth/authorize", "token": server + "/login/oauth/access_token"},
            "base_urls": [api], "account_url": api + "user"}


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
    # the default; an administrator chooses the server (GitHub Enterprise) on Service Providers
    server = os.environ.get("DASHBOARD_GITHUB_URL", "").rstrip("/") or "https://github.com"
    return [Provider(id="github", name="GitHub", kind="oauth2", description="Code hosting",
                     scopes=["repo", "read:user"], server_url=server, server_urls=github_urls, **github_urls(server))]


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="github-pulls", thumbnail="dashboard_github:thumbnails/github-pulls.svg",
                   title="My open pull requests", description="Your open pull requests on GitHub.",
                   category="Development", author="Gadget Dashboard", provider="github", scopes=["repo"],
                   template="dashboard_github:templates/pulls.jinja2", data=pulls_data, refresh=300, height=240)]
