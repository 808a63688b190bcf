"""A plugin implementing a hook nobody specified (a typo)."""
from dashboard import hookimpl


@hookimpl
def dashboard_gadget():
    return []
