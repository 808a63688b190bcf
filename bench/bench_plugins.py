"""Gadgets for the broker benchmarks: an OAuth 1.0a HMAC-SHA1 provider at BENCH_UPSTREAM, and 20 gadgets using it."""
import os

from dashboard import Gadget, Provider, hookimpl


@hookimpl
def dashboard_providers():
    url = os.environ["BENCH_UPSTREAM"]
    return [Provider(id="bench", name="Bench upstream", kind="oauth1", signature_method="HMAC-SHA1",
                     endpoints={"request_token": url + "/rt", "authorize": url + "/auth", "access_token": url + "/at"},
                     base_urls=[url + "/api/"])]


def render(ctx):
    return "<p>" + ctx.broker.fetch("data").text().replace("<", "&lt;") + "</p>"


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="bench-data", title="Bench data", provider="bench", render=render)]
