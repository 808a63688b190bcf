"""Gadgets against providers at KIT_OAUTH2_URL, KIT_OAUTH1_URL and KIT_TRUSTED_URL (the kit's shaped test providers),
each showing what its provider's /api/me answers; and a nonconforming gadget for the conformance kit to catch."""
import json
import os

from dashboard import Gadget, Pref, Provider, hookimpl


def _url(name):
    return os.environ.get(f"KIT_{name}_URL", "https://kit.example.com").rstrip("/")


def me(ctx):
    resp = ctx.broker.fetch("me")
    return f"<p>{resp.status}: {json.loads(resp.body)['name'] if resp.status == 200 else 'refused'}</p>"


@hookimpl
def dashboard_providers():
    oauth2, oauth1, trusted = _url("OAUTH2"), _url("OAUTH1"), _url("TRUSTED")
    return [Provider(id="kit-oauth2", name="Kit OAuth2", kind="oauth2", scopes=["forecast"],
                     endpoints={"authorize": oauth2 + "/oauth/authorize", "token": oauth2 + "/oauth/token"},
                     base_urls=[oauth2 + "/api/"], account_url=oauth2 + "/api/me"),
            *[Provider(id=f"kit-{method.split('-')[0].lower()}", name=f"Kit {method}", kind="oauth1",
                       signature_method=method, base_urls=[oauth1 + "/api/"], account_url=oauth1 + "/api/me",
                       endpoints={"request_token": oauth1 + "/oauth/request", "authorize": oauth1 + "/oauth/authorize",
                                  "access_token": oauth1 + "/oauth/access"})
              for method in ("HMAC-SHA1", "RSA-SHA1")],
            Provider(id="kit-trusted", name="Kit trusted", kind="trusted", base_urls=[trusted + "/api/"])]


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="kit-oauth2-me", title="OAuth2 me", provider="kit-oauth2", scopes=["forecast"], render=me),
            Gadget(id="kit-hmac-me", title="HMAC me", provider="kit-hmac", render=me),
            Gadget(id="kit-rsa-me", title="RSA me", provider="kit-rsa", render=me),
            Gadget(id="kit-trusted-me", title="Trusted me", provider="kit-trusted", render=me)]
