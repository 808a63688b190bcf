"""A plugin whose gadgets are fine but whose dashboard_configure raises."""
from dashboard import Gadget, hookimpl


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="configured-late", title="Configured late", render=lambda ctx: "<p>fine</p>")]


@hookimpl
def dashboard_configure(config):
    config.add_route("configure_fails_page", "/page")
    raise LookupError("no such view module: configure_fails.views")
