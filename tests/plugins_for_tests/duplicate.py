"""A plugin that declares a gadget id the clock plugin already uses."""
from dashboard import Gadget, hookimpl


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="clock", title="Another clock", render=lambda ctx: "<p>impostor</p>")]
