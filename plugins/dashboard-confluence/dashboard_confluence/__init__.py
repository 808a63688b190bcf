"""Confluence: "recently updated" pages, as the logged-in user, through a trusted-application relationship.

Set ``DASHBOARD_CONFLUENCE_URL``. The administrator approves the provider with "user names match" and gives
Confluence this server's consumer key and public key; requests then carry the user's name, signed (see the
wire format in the admin guide).
"""
import json
import os
from urllib.parse import urljoin, urlsplit

from dashboard import Gadget, Pref, Provider, hookimpl

CQL = "type = page AND lastmodified > now('-14d') ORDER BY lastmodified DESC"


def confluence_url():
    return os.environ.get("DASHBOARD_CONFLUENCE_URL", "https://confluence.example.com").rstrip("/")


def recent_data(ctx):
    resp = ctx.broker.fetch("search", params={"cql": CQL, "limit": str(int(ctx.prefs["count"] or 10))})
    if resp.status != 200:
        return {"message": f"Confluence answered with HTTP status {resp.status}."}
    pages = []
    for result in json.loads(resp.body).get("results", []):
        link = urljoin(ctx.broker.provider.server_url + "/", result.get("url", ""))
        pages.append({"title": result.get("title", "(untitled)"),
                      "link": link if urlsplit(link).scheme in ("http", "https") else "",
                      "when": result.get("friendlyLastModified", "")})
    return {"pages": pages}


def confluence_urls(server):
    return {"base_urls": [server + "/rest/api/"]}


@hookimpl
def dashboard_providers():
    url = confluence_url()  # the default; an administrator chooses the server on Service Providers
    return [Provider(id="confluence", name="Confluence", kind="trusted", description="Team wiki",
                     server_url=url, server_urls=confluence_urls, **confluence_urls(url))]


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="confluence-recent", thumbnail="dashboard_confluence:thumbnails/confluence-recent.svg",
                   title="Recently updated", description="Pages updated in Confluence.",
                   category="Collaboration", author="Gadget Dashboard", provider="confluence",
                   template="dashboard_confluence:templates/recent.jinja2", data=recent_data, refresh=300,
                   height=240, prefs=[Pref("count", "number", "Number of pages", default=10, min=1, max=50)])]
