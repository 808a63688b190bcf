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
    """Return a list (or a generator) of the gadgets this plugin provides, each a ``dashboard.Gadget``, an
    equivalent dict, or a callable returning one (for a declaration whose building may raise).

    Called once at start-up. Each declaration is checked on its own: an invalid one (a ``Gadget(...)`` or ``Pref(...)``
    built here records its error rather than raising) is reported with the plugin's name and the gadget's id and
    skipped; the plugin's other gadgets load.
    """


@hookspec
def dashboard_providers():
    """Return a list (or a generator) of the service providers this plugin's gadgets need, each a
    ``dashboard.Provider``, a dict or a callable returning one; checked one by one as gadgets are.

    Called once at start-up; a declared provider stays *pending* until an administrator approves it.
    """


@hookspec
def dashboard_configure(config):
    """Add Pyramid configuration (routes, views, static assets) to ``config``; return nothing.

    Called once at start-up inside the route prefix ``/p/<plugin name>``, so a plugin's routes never
    collide with the core's or another plugin's. Name routes with the plugin's name as a prefix.
    """
