"""The core's own gadgets, registered as an ordinary plugin through the ``dashboard`` entry point group."""
from . import Gadget, hookimpl


def welcome(ctx):
    return ("<h3>Welcome to your dashboard</h3><p>Add gadgets from the <strong>Gadget directory</strong>, "
            "move them with the arrows and set their preferences with <strong>Edit</strong>.</p>")


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="welcome", title="Welcome", description="A short introduction to your dashboard.",
                   category="Getting started", author="Gadget Dashboard", render=welcome, height=120)]
