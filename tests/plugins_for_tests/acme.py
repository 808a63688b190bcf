"""A test provider like GitHub but declaring an RFC 7009 revocation endpoint, at ACME_URL."""
import os

from dashboard import Gadget, Provider, hookimpl


@hookimpl
def dashboard_providers():
    url = os.environ["ACME_URL"]
    return [Provider(id="acme", name="ACME", kind="oauth2", scopes=["repo", "read:user"],
                     endpoints={"authorize": url + "/login/oauth/authorize", "token": url + "/login/oauth/access_token",
                                "revoke": url + "/login/oauth/revoke"},
                     base_urls=[url + "/api/v3/"], account_url=url + "/api/v3/user")]


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="acme-raw", title="ACME raw", provider="acme", scopes=["repo"],
                   render=lambda ctx: "<pre>" + ctx.broker.fetch("search/issues").text().replace("<", "&lt;") + "</pre>"),
            Gadget(id="acme-greedy", title="ACME greedy", provider="acme", scopes=["repo", "admin:org"],
                   render=lambda ctx: "never"),
            Gadget(id="acme-wanderer", title="ACME wanderer", provider="acme", scopes=["repo"],
                   render=lambda ctx: ctx.broker.fetch(os.environ["ACME_URL"] + "/login/oauth/revoke").text()),
            Gadget(id="acme-ghost", title="Ghost", provider="ghost", render=lambda ctx: "never"),
            Gadget(id="no-provider", title="No provider", render=lambda ctx: ctx.broker.fetch("x").text())]
