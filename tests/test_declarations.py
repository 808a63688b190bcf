"""Gadget, preference and provider declarations: what is accepted and the reasons for what is not."""
import pytest

from dashboard import DeclarationError, Gadget, Pref, PrefError, Provider


def render(ctx):
    return ""


@pytest.mark.parametrize("pref, raw, expected", [
    (Pref("s"), "text", "text"),
    (Pref("h", "hidden"), "x", "x"),
    (Pref("b", "bool"), True, True),
    (Pref("b", "bool"), "on", True),
    (Pref("b", "bool"), "", False),
    (Pref("e", "enum", options=["a", ("b", "Bee")]), "b", "b"),
    (Pref("l", "list"), ["a", "b"], ["a", "b"]),
    (Pref("l", "list"), "a|b||c", ["a", "b", "c"]),
    (Pref("n", "number"), "42", 42),
    (Pref("n", "number"), "2.5", 2.5),
    (Pref("n", "number"), 7, 7),
    (Pref("n", "number"), "", None),
])
def test_pref_accepts(pref, raw, expected):
    assert pref.parse(raw) == expected


@pytest.mark.parametrize("pref, raw, message", [
    (Pref("s"), 5, "must be text"),
    (Pref("s", max_length=3), "abcd", "too long"),
    (Pref("s", required=True), "  ", "is required"),
    (Pref("b", "bool"), "maybe", "true or false"),
    (Pref("e", "enum", options=["a"]), "z", "one of: a"),
    (Pref("l", "list"), [1], "list of text"),
    (Pref("l", "list"), ["x"] * 101, "too many"),
    (Pref("l", "list", required=True), [], "is required"),
    (Pref("n", "number"), "1e999", "must be a number"),
    (Pref("n", "number"), "NaN", "must be a number"),
    (Pref("n", "number"), True, "must be a number"),
    (Pref("n", "number", min=1), 0, "at least 1"),
    (Pref("n", "number", max=10), 11, "at most 10"),
    (Pref("n", "number", required=True), "", "is required"),
])
def test_pref_refuses(pref, raw, message):
    with pytest.raises(PrefError, match=message):
        pref.parse(raw)


@pytest.mark.parametrize("kwargs, message", [
    ({"id": "Bad Id"}, "gadget id"),
    ({"title": " "}, "needs a title"),
    ({"render": None}, "needs a template or a render callable"),
    ({"render": None, "template": "no-colon.jinja2"}, "asset spec"),
    ({"render": "not callable"}, "must be callable"),
    ({"prefs": [{"name": "x", "type": "colour"}]}, "type 'colour'"),
    ({"prefs": [{"name": "x", "bogus": 1}]}, "unknown fields: bogus"),
    ({"prefs": [Pref("x"), Pref("x")]}, "preference twice"),
    ({"prefs": [{"name": "e", "type": "enum"}]}, "needs options"),
    ({"prefs": [{"name": "n", "type": "number", "default": "ten"}]}, "default is invalid"),
    ({"scopes": ["read"]}, "scopes but no provider"),
    ({"refresh": -1}, "refresh"),
    ({"height": 5}, "height"),
    ({"title_url": "javascript:alert(1)"}, "title_url"),
])
def test_gadget_refuses(kwargs, message):
    base = {"id": "ok", "title": "OK", "render": render}
    with pytest.raises(DeclarationError, match=message):
        Gadget(**{**base, **kwargs})


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "saml"}, "kind 'saml'"),
    ({"kind": "oauth1", "endpoints": {"authorize": "https://x/a"}}, "'request_token' endpoint"),
    ({"kind": "oauth2", "endpoints": {"authorize": "ftp://x/a", "token": "https://x/t"}}, "absolute http"),
    ({"signature_method": "PLAINTEXT"}, "HMAC-SHA1 or RSA-SHA1"),
    ({"base_urls": ["/relative"]}, "base URL"),
])
def test_provider_refuses(kwargs, message):
    with pytest.raises(DeclarationError, match=message):
        Provider(**{"id": "p", "name": "P", **kwargs})


def test_defaults_by_type():
    g = Gadget(id="g", title="G", render=render, prefs=[
        Pref("s"), Pref("b", "bool"), Pref("e", "enum", options=["x", "y"]), Pref("l", "list"), Pref("n", "number")])
    assert g.default_prefs() == {"s": "", "b": False, "e": "x", "l": [], "n": None}
