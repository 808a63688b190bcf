"""A plugin that returns one bad and one good declaration, and a provider with a bad endpoint."""
from dashboard import Gadget, hookimpl


@hookimpl
def dashboard_gadgets():
    return [{"id": "Bad Id!", "title": "Broken"},
            Gadget(id="fine-gadget", title="Fine gadget", render=lambda ctx: "<p>fine</p>"),
            Gadget(id="needs-provider", title="Needs a provider", render=lambda ctx: "<p>data</p>",
                   provider="goodprov", scopes=["read"])]


@hookimpl
def dashboard_providers():
    return [{"id": "badprov", "name": "Bad", "kind": "oauth2",
             "endpoints": {"authorize": "javascript:alert(1)", "token": "https://x.example/token"}},
            {"id": "goodprov", "name": "Good provider", "kind": "oauth2",
             "endpoints": {"authorize": "https://x.example/auth", "token": "https://x.example/token"},
             "scopes": ["read"], "base_urls": ["https://x.example/api/"]}]
