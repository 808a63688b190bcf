"""A Jira-like provider spoken to with HMAC-SHA1 and a shared secret, at JIRA_HMAC_URL."""
import os

from dashboard import Gadget, Provider, hookimpl


@hookimpl
def dashboard_providers():
    url = os.environ["JIRA_HMAC_URL"]
    return [Provider(id="jira-hmac", name="Jira (HMAC)", kind="oauth1", signature_method="HMAC-SHA1",
                     endpoints={"request_token": url + "/plugins/servlet/oauth/request-token",
                                "authorize": url + "/plugins/servlet/oauth/authorize",
                                "access_token": url + "/plugins/servlet/oauth/access-token"},
                     base_urls=[url + "/rest/api/2/"], account_url=url + "/rest/api/2/myself")]


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="jira-hmac-raw", title="Jira HMAC", provider="jira-hmac",
                   render=lambda ctx: ctx.broker.fetch("search", params={"jql": "x"}).text().replace("<", "&lt;"))]
