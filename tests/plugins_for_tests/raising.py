"""A plugin whose gadget hook raises."""
from dashboard import hookimpl


@hookimpl
def dashboard_gadgets():
    raise RuntimeError("database of gadgets is on fire")
