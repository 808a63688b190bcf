"""A plugin with one bad and two good declarations in each form a hook may use: ``Gadget(...)``/``Pref(...)``
objects that fail validation when built, dicts, a generator, and a lazy callable whose building raises."""
from dashboard import Gadget, Pref, Provider, hookimpl


def hello(ctx):
    return "<p>good</p>"


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="half-good-1", title="Good one", render=hello),
            Gadget(id="half-bad-pref", title="Bad pref", render=hello, prefs=[Pref("units", "colour")]),
            Gadget(id="half-bad-field", title="Typo", render=hello, heigth=100),
            {"id": "half-bad-dict", "title": "Bad dict", "render": hello, "refresh": -1},
            lambda: Gadget(id="half-lazy", title="Lazy", render=hello, prefs=[Pref("n", "number", max=int("x"))]),
            Gadget(id="half-good-2", title="Good two", render=hello, prefs=[Pref("n", "number", min=1, max=9)])]


@hookimpl
def dashboard_providers():
    yield Provider(id="half-prov-bad", name="Bad", kind="oauth2", endpoints={"authorize": "https://x.example/a"})
    yield Provider(id="half-prov-good", name="Good", kind="none")
    yield {"id": "half-prov-dict", "name": "Dict", "kind": "trusted", "base_urls": ["https://x.example/"]}
    raise RuntimeError("the generator stops here")
