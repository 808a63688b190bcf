"""Jira: "issues assigned to me" via /rest/api/2/search, with OAuth 1.0a RSA-SHA1 at Jira's /plugins/servlet/oauth/*.

Set ``DASHBOARD_JIRA_URL`` to your Jira's base URL (e.g. https://jira.example.com). The administrator creates an
Application Link in Jira with this server's consumer key and public key (Service Providers page).
"""
import json
import os

from dashboard import Gadget, Pref, Provider, hookimpl

JQL = "assignee = currentUser() AND resolution = Unresolved ORDER BY updated DESC"


def jira_url():
    return os.environ.get("DASHBOARD_JIRA_URL", "https://jira.example.com").rstrip("/")


def assigned_data(ctx):
    resp = ctx.broker.fetch("search", params={"jql": JQL, "maxResults": str(int(ctx.prefs["count"] or 10)),
                                              "fields": "summary,status"})
    if resp.status != 200:
        return {"message": f"Jira answered with HTTP status {resp.status}."}
    issues = json.loads(resp.body).get("issues", [])
    return {"issues": issues, "browse": ctx.broker.provider.server_url + "/browse/"}


def jira_urls(server):
    return {"endpoints": {"request_token": server + "/plugins/servlet/oauth/request-token",
                          "authorize": server + "/plugins/servlet/oauth/authorize",
                          "access_token": server + "/plugins/servlet/oauth/access-token"},
            "base_urls": [server + "/rest/api/2/"], "account_url": server + "/rest/api/2/myself"}


@hookimpl
def dashboard_providers():
    url = jira_url()  # the default; an administrator chooses the server on Service Providers
    return [Provider(id="jira", name="Jira", kind="oauth1", signature_method="RSA-SHA1",
                     description="Issue tracking", signature_location="header",
                     server_url=url, server_urls=jira_urls, **jira_urls(url))]


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="jira-assigned", thumbnail="dashboard_jira:thumbnails/jira-assigned.svg",
                   title="Issues assigned to me", description="Your unresolved Jira issues.",
                   category="Development", author="Gadget Dashboard", provider="jira",
                   template="dashboard_jira:templates/assigned.jinja2", data=assigned_data, refresh=300, height=240,
                   prefs=[Pref("count", "number", "Number of issues", default=10, min=1, max=50)])]
