"""Gadget Dashboard: dashboards of gadgets showing data from other applications.

Plugins use only what this module exports: ``hookimpl``, the declaration classes and the frame API.
"""
from .declarations import DeclarationError, Gadget, Pref, PrefError, Provider
from .hookspecs import hookimpl

__all__ = ["hookimpl", "Gadget", "Pref", "Provider", "DeclarationError", "PrefError", "main", "frame_context"]


def main(global_config, **settings):
    """The paste app factory named ``main`` in development.ini and production.ini."""
    import os

    from .app import make_app

    # Everything this process creates (Data.fs, its index, lock and temporary files, keys, logs) is its own.
    os.umask(0o077)
    return make_app(global_config, **settings)


def frame_context(request):
    """Return the ``GadgetContext`` for a request from inside a gadget frame (it carries the ``st`` token).

    Plugins call this in their own views (e.g. a form inside the gadget posting back); it raises
    a 403 when the token is missing, forged or expired.
    """
    from .rendering import frame_context as _frame_context

    return _frame_context(request)
