"""A plugin whose gadget's render raises, and one whose configure hook raises."""
from dashboard import Gadget, hookimpl


def boom(ctx):
    raise ValueError("secret internals must not leak")


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="boom", title="Boom", render=boom)]


@hookimpl
def dashboard_configure(config):
    raise RuntimeError("cannot configure")
