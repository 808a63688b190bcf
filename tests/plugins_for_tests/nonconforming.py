"""A plugin that breaks each rule the conformance kit checks: upstream data rendered unescaped, a preference value
rendered unescaped, an enum value and a number limit that crash, no thumbnail, a provider without account_url."""
import json
import os

from dashboard import Gadget, Pref, Provider, hookimpl


@hookimpl
def dashboard_providers():
    url = os.environ.get("NONCONFORMING_URL", "https://nc.example.com").rstrip("/")
    return [Provider(id="nc", name="NC", kind="oauth2", scopes=["read"], base_urls=[url + "/api/"],
                     endpoints={"authorize": url + "/oauth/authorize", "token": url + "/oauth/token"})]


def unescaped(ctx):
    return "<p>" + json.loads(ctx.broker.fetch("items").body)["title"] + "</p>"


def picky(ctx):
    if ctx.prefs["mode"] == "broken" or ctx.prefs["size"] == 10:
        raise KeyError("picky")
    return f"<p>{ctx.prefs['label']}</p>"  # a preference, unescaped


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="nc-upstream", title="NC upstream", provider="nc", scopes=["read"], render=unescaped,
                   thumbnail="data:image/svg+xml,%3Csvg/%3E"),
            Gadget(id="nc-picky", title="NC picky", render=picky,
                   prefs=[Pref("mode", "enum", options=["fine", "broken"]), Pref("size", "number", min=1, max=10),
                          Pref("label", "string", max_length=200)])]
