"""Rendered dashboard pages, kept while nothing they show has changed.

Rendering a dashboard page costs several times the rest of the request (one article, four forms and a frame per
gadget). Most page loads show exactly what the last one showed, except for each frame's URL, whose token is made
fresh on every load (it carries the time it was issued, so that a logout can invalidate it). So the page is rendered
with a marker where each frame URL goes and kept as pieces; a load joins the pieces with fresh frame URLs.

A kept page is used only while everything it shows is unchanged. Its key holds the ZODB serial (the id of the
transaction that last changed it) of every persistent object the page reads: the user, each of their dashboards and
connected accounts, and each gadget instance shown. A commit by any process changes the serial, so the key. It also
holds what the page shows of each gadget's declaration, the CSRF token, and the URL the application is served at.
Pages with a query (an error or an undo notice to show) are never kept.
"""
import re
import secrets
import threading
from collections import OrderedDict

from markupsafe import Markup

#: Unguessable per process, so no text a user stores can pose as a frame URL's place in the page.
_MARKER = f"frame-src-{secrets.token_hex(16)}"
_MARKER_RE = re.compile(rf"{_MARKER}-([A-Za-z0-9_-]+)-end")


def frame_src_marker(instance_id):
    """What the template gets for an instance's frame URL while the page is rendered for keeping."""
    return Markup(f"{_MARKER}-{instance_id}-end")


def gadget_signature(gadget):
    """What the dashboard page shows of a gadget's declaration (None: its plugin is gone or disabled)."""
    if gadget is None:
        return None
    return gadget.id, gadget.title, gadget.title_url, bool(gadget.prefs), gadget.provider, gadget.height, \
        gadget.refresh


def _serial(obj):
    """The id of the transaction that last changed ``obj`` (loaded first: a ghost does not know it yet)."""
    obj._p_activate()
    return obj._p_serial


def page_key(request, user, dash, columns, dashboards, csrf_token):
    """Everything a dashboard page shows, or None when this page is not to be kept."""
    if request.query_string:
        return None
    gadgets = request.gadgets
    return (request.application_url, csrf_token, user.name, _serial(user), dash.id, _serial(dash),
            tuple((d.id, _serial(d)) for d in dashboards),
            tuple((c.id, _serial(c)) for c in user.connections.values()),
            tuple(tuple((i.id, _serial(i), gadget_signature(gadgets.get(i.gadget_id))) for i in col)
                  for col in columns))


class KeptPage:
    """A rendered page as literal pieces and, between them, the instance ids whose frame URLs go there."""

    def __init__(self, html):
        self.pieces = _MARKER_RE.split(html)

    def fill(self, frame_srcs):
        """The page with each instance's frame URL (already escaped) in its place."""
        pieces = self.pieces
        out = [pieces[0]]
        for n in range(1, len(pieces), 2):
            out.append(frame_srcs[pieces[n]])
            out.append(pieces[n + 1])
        return "".join(out)


class PageCache:
    """A bounded, thread-safe map of keys to ``KeptPage``s; the least recently used goes first."""

    def __init__(self, size=256):
        self.size = size
        self._pages = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key, page):
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
