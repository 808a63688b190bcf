"""The plugin contract: every hook a Gadget Dashboard plugin may implement.

This module imports nothing of the application, so it is the whole of what a plugin
depends on. Plugins import the marker as ``from dashboard import hookimpl``.
"""
import pluggy

PROJECT = "dashboard"
#: The entry point group that plugins (and the core's own built-in parts) register under.
ENTRY_POINT_GROUP = "dashboard"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def dashboard_gadgets():
    """Return a list of the gadgets this plugin provides, each a ``dashboard.Gadget`` or an equivalent dict.

    Called once at start-up; a malformed declaration is reported against the plugin and skipped.
    """


@hookspec
def dashboard_providers():
    """Return a list of the service providers this plugin's gadgets need, each a ``dashboard.Provider`` or dict.

    Called once at start-up; a declared provider stays *pending* until an administrator approves it.
    """


@hookspec
def dashboard_configure(config):
    """Add Pyramid configuration (routes, views, static assets) to ``config``; return nothing.

    Called once at start-up inside the route prefix ``/p/<plugin name>``, so a plugin's routes never
    collide with the core's or another plugin's. Name routes with the plugin's name as a prefix.
    """
