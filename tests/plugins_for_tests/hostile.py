"""A gadget whose own HTML carries script and whose title is markup; used by the escaping tests."""
from dashboard import Gadget, Pref, hookimpl


def render(ctx):
    return "<script>window.gadgetRan = true</script><p>echo</p>"


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="echo", title="<img src=x onerror=alert(1)>Echo", render=render,
                   prefs=[Pref("word", "string", default="hi", max_length=50)])]
