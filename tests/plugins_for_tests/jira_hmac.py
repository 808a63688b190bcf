"""A Jira-like provider spoken to with HMAC-SHA1 and a shared secret, at JIRA_HMAC_URL, with the OAuth parameters
where JIRA_HMAC_LOCATION says (header, query or body; header when unset)."""
import json
import os

from dashboard import Gadget, Provider, hookimpl


@hookimpl
def dashboard_providers():
    url = os.environ["JIRA_HMAC_URL"]
    return [Provider(id="jira-hmac", name="Jira (HMAC)", kind="oauth1", signature_method="HMAC-SHA1",
                     signature_location=os.environ.get("JIRA_HMAC_LOCATION", "header"),
                     endpoints={"request_token": url + "/plugins/servlet/oauth/request-token",
                                "authorize": url + "/plugins/servlet/oauth/authorize",
                                "access_token": url + "/plugins/servlet/oauth/access-token"},
                     base_urls=[url + "/rest/api/2/"], account_url=url + "/rest/api/2/myself")]


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="jira-hmac-raw", title="Jira HMAC", provider="jira-hmac",
                   render=lambda ctx: ctx.broker.fetch("search", params={"jql": "x"}).text().replace("<", "&lt;")),
            Gadget(id="jira-hmac-post", title="Jira HMAC (POST)", provider="jira-hmac", render=search_by_post),
            Gadget(id="jira-hmac-get-with-body", title="Jira HMAC (GET with a body)", provider="jira-hmac",
                   render=lambda ctx: ctx.broker.fetch("search", body="a=1").text())]


def search_by_post(ctx):
    resp = ctx.broker.fetch("search", method="POST", body=json.dumps({"jql": "posted"}),
                            headers={"Content-Type": "application/json"})
    return f"{resp.status} " + resp.text().replace("<", "&lt;")
