"""Names every template can use: ``get_csrf_token()`` and ``static(name)``."""
import os

from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender, subscriber

from ..routes import STATIC_DIR


@subscriber(BeforeRender)
def template_globals(event):
    request = event.get("request")
    if request is not None:
        event["get_csrf_token"] = lambda: get_csrf_token(request)
        event["static"] = lambda name: request.static_url(os.path.join(STATIC_DIR, name))
