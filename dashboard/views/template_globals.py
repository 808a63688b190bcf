"""Names every template can use: ``get_csrf_token()``, ``static(name)``, ``path(route name)`` and
``plugin_errors()`` (the names of plugins that reported errors, for the administrator's banner).

Paths of static files and of routes without parameters depend only on where the application is mounted
(``script_name``), so they are computed once per mount point instead of on every page.
"""
import os

from markupsafe import Markup, escape
from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender, subscriber

from ..routes import STATIC_DIR

_paths = {}


def _cached(request, key, compute):
    key = (request.script_name, *key)
    value = _paths.get(key)
    if value is None:
        value = _paths[key] = escape(compute())
    return value


@subscriber(BeforeRender)
def template_globals(event):
    request = event.get("request")
    if request is None:
        return
    token = []

    def csrf():
        if not token:  # once per page, escaped once
            token.append(Markup(escape(get_csrf_token(request))))
        return token[0]

    event["get_csrf_token"] = csrf
    event["static"] = lambda name: _cached(request, ("static", name),
                                           lambda: request.static_path(os.path.join(STATIC_DIR, name)))
    event["plugin_errors"] = lambda: sorted(request.registry.dashboard_plugins.errors())
    event["path"] = lambda name: _cached(request, ("route", name), lambda: request.route_path(name))
