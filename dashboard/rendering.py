"""Rendering one gadget instance inside its own sandboxed frame, and the API gadget code gets.

A frame URL carries a short-lived token (``st``) binding user, dashboard and instance, so the
frame needs no cookie: its content runs in an opaque origin that cannot read the dashboard's
cookies or DOM, yet can still post back to its own plugin's routes.
"""
import json
import logging
import time
from functools import cached_property

from pyramid.httpexceptions import HTTPForbidden
from pyramid.renderers import render

from . import tokens
from .broker.broker import BrokerError
from .broker.cache import Uncached, cache_for
from .broker.fetch import FetchError
from .broker.limits import Busy, limits_for
from .models.sharing import DEFAULT_ID

log = logging.getLogger(__name__)
FRAME_TOKEN_TTL = 3600
FRAME_PURPOSE = "frame"
#: Frames may run their own scripts and open links in new tabs, never with the dashboard's origin.
FRAME_SANDBOX = "allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox"
FRAME_DIRECTIVES = {"sandbox": FRAME_SANDBOX, "default-src": "'none'", "script-src": "'self' 'unsafe-inline'",
                    "style-src": "'self' 'unsafe-inline'", "img-src": "* data:", "connect-src": "'self'",
                    "form-action": "'self'", "frame-ancestors": "'self'", "base-uri": "'none'"}
FRAME_CSP = "; ".join(f"{k} {v}" for k, v in FRAME_DIRECTIVES.items())


def frame_csp(gadget):
    """A frame's Content-Security-Policy: every frame's, plus exactly the sources its gadget's frame needs (a spec
    gadget's: the script and style hosts an administrator allowed for its spec URL, its ``Content type="url"``
    origin; see ``Spec.frame_sources``)."""
    extra = getattr(gadget, "frame_sources", None) or {}
    if not extra:
        return FRAME_CSP
    directives = dict(FRAME_DIRECTIVES)
    for name, sources in extra.items():
        old = directives.get(name, "")
        directives[name] = " ".join(([] if old == "'none'" else [old] if old else []) + list(sources))
    return "; ".join(f"{k} {v}" for k, v in directives.items())


def frame_token(request, user, dash, inst, owner=None):
    """The frame token: it acts as ``user`` for an instance of ``dash``. A viewer's frame (``owner``: the user whose
    dashboard was shared with them) also names the owner, whose dashboard and instance it reads, while everything
    credentialed is the viewer's own."""
    # A frame link acts as its user in the frame, its proxy and its gadget's own forms (which change things): never
    # minted for an access token or a trusted application, whose grant is the JSON API's (security.py).
    if _signed(request):
        return ""
    # The issue time (ms) lets a logout invalidate every link issued before it.
    issued = str(int(time.time() * 1000))
    viewing = [owner.name] if owner is not None and owner.name != user.name else []
    return tokens.sign(request.registry.dashboard_secret, FRAME_PURPOSE,
                       [user.name, dash.id, inst.id, issued, *viewing], FRAME_TOKEN_TTL)


def _signed(request):
    from .security import signed_kind

    return signed_kind(request) is not None


def frame_url(request, user, dash, inst, owner=None):
    """The frame's link, or None for a signed request (see ``frame_token``)."""
    if _signed(request):
        return None
    return request.route_url("frame", did=dash.id, iid=inst.id,
                             _query={"st": frame_token(request, user, dash, inst, owner)})


def frame_path(request, user, dash, inst, owner=None):
    """The frame's URL without scheme and host, for pages on this server (cheaper than ``frame_url``)."""
    return f"/frame/{dash.id}/{inst.id}?st={frame_token(request, user, dash, inst, owner)}"


class GadgetContext:
    """What a gadget's template, ``render`` or ``data`` callable (and a plugin's own views) get."""

    def __init__(self, request, user, dashboard, instance, gadget, owner=None):
        self.request = request
        self.username = user.name
        self.dashboard_id = dashboard.id
        self.instance_id = instance.id
        self.gadget = gadget
        self._user, self._dashboard, self._instance = user, dashboard, instance
        #: The dashboard's owner when ``user`` views a dashboard shared with them (None: the user's own). A viewer's
        #: context reads the owner's instance and preferences, and fetches with the viewer's own accounts.
        self._owner = owner if owner is not None and owner.name != user.name else None
        #: A ``Cached`` past its interval when the data shown is the last good copy (its refresh failed or is slow).
        self.data_as_of = None
        self._not_kept = None

    @property
    def user_key(self):
        """Who, for keeping data: the user's name and when that user was made (a later user given a deleted user's
        name does not see what was kept for the former one)."""
        return self.username, self._user.created.timestamp()

    @cached_property
    def token(self):
        """A frame token for this instance (made when first asked for: the proxy, for one, never needs it)."""
        return frame_token(self.request, self._user, self._dashboard, self._instance, self._owner)

    @property
    def owner_name(self):
        """The name of the user whose dashboard this is (the viewer's own, or the one who shared it)."""
        return (self._owner or self._user).name

    @property
    def read_only(self):
        """True in a viewer's frame: the dashboard was shared with them to see, not to change."""
        return self._owner is not None

    def _check_writable(self):
        if self.read_only:
            raise HTTPForbidden(f"{self._owner.name} shared this dashboard with you to view only; its gadgets cannot be "
                                "changed from here. Copy the dashboard to make one of your own.")

    def matches_route(self, request):
        """True when the token is for the dashboard and instance the URL names (a token is never good elsewhere)."""
        return (self.dashboard_id, self.instance_id) == (request.matchdict.get("did"), request.matchdict.get("iid"))

    @property
    def view(self):
        """``canvas`` when the gadget fills the page (maximized), else ``default``."""
        return "canvas" if self.request.params.get("view") == "canvas" else "default"

    @property
    def prefs(self):
        """The instance's preferences, defaults filled in, typed as declared."""
        return {**self.gadget.default_prefs(), **self._instance.prefs}

    @property
    def state(self):
        """A copy of the data this gadget keeps for this instance (change it with ``set_state``)."""
        return dict(self._instance.state)

    def set_prefs(self, raw):
        """Change some of the instance's preferences (as the gadget's own script may, with OpenSocial's
        ``gadgets.Prefs.set``); each value is checked as declared, or ``InputError`` says why not."""
        from .operations import set_prefs

        self._check_writable()
        set_prefs(self.request.gadgets, self._instance, raw)

    def set_state(self, **values):
        """Store JSON-like values for this instance; they are kept with the dashboard (refused to a viewer)."""
        self._check_writable()
        self._instance.set_state(**values)

    def frame_url(self):
        return self.request.route_url("frame", did=self.dashboard_id, iid=self.instance_id, _query={"st": self.token})

    @property
    def dashboards(self):
        """The user's dashboards, in their order: [{"title", "url", "gadgets": [gadget ids]}] (read-only)."""
        return [{"title": d.title, "url": self.request.route_url("dashboard", did=d.id),
                 "gadgets": [i.gadget_id for col in d.columns() for i in col]} for d in self._user.ordered_dashboards()]

    @property
    def broker(self):
        """The credential broker for this instance: ``ctx.broker.fetch(path, params=...)`` (see docs/plugins.md)."""
        from .broker.broker import Broker

        return Broker(self.request.broker_services, self._user, self._instance, self.gadget,
                      limits_for(self.request.registry))

    def do_not_keep(self, reason):
        """Show what ``data`` returns this time, but do not keep it (e.g. the upstream answered with an error page):
        when an older result is kept, that is shown instead, with its age and ``reason``."""
        self._not_kept = str(reason)

    @property
    def account_id(self):
        """The id of the connected account this instance uses at its provider, or None."""
        conn = self.broker.connection
        return conn.id if conn is not None else None

    def cached(self, key, produce):
        """``produce(ctx)``'s value, kept as the gadget's ``cache`` declares for its ``refresh`` seconds under ``key``
        (what besides the gadget determines it) and the user and account unless shared; see broker/cache.py.
        Past the interval ``produce`` runs again on a context of its own, and ``data_as_of`` is set when the old
        value is shown instead."""
        gadget = self.gadget
        if gadget.cache == "none" or not gadget.refresh:
            return produce(self)
        who = ("shared",) if gadget.cache == "shared" else ("user",) + self.user_key + (self.account_id,)
        registry = self.request.registry
        got = cache_for(registry).get((gadget.id,) + who + tuple(key), gadget.refresh, lambda: produce(self),
                                      limits_for(registry).deadline, refresh=self._detached(produce))
        self.data_as_of = got if got.stale else None
        return got.value

    def _detached(self, produce):
        """``produce`` to run after this request has ended (a background refresh): on a context of its own, with its
        own database connection and transaction, for the same user, dashboard, instance (a copy, if it is not stored)
        and gadget. Only plain values are taken from this request."""
        request, gadget = self.request, self.gadget
        registry, base, gadgets, providers = request.registry, request.application_url, request.gadgets, request.providers
        names = (self.username, self.dashboard_id, self.instance_id, self._owner.name if self._owner else None)
        inst = self._instance
        snapshot = (inst.gadget_id, dict(inst.prefs), dict(inst.state), inst.connection_id)

        def run():
            from pyramid.request import Request

            from .broker.broker import Services
            from .broker.credentials import side_transaction
            from .models.dashboards import GadgetInstance

            db = registry._zodb_databases[""]
            with side_transaction(db) as root:
                user = root.users[names[0]]
                owner = root.users.get(names[3]) if names[3] else None
                dash = (owner or user).dashboards.get(names[1]) or user.ordered_dashboards()[0]
                instance = dash.instances.get(names[2])
                if instance is None:
                    instance = GadgetInstance(snapshot[0], snapshot[1])
                    instance.id, instance.state, instance.connection_id = names[2], snapshot[2], snapshot[3]
                bg = Request.blank("/", base_url=base)
                bg.registry = registry
                bg.app_root, bg.gadgets, bg.providers = root, gadgets, providers
                bg.broker_services = Services(db, registry.dashboard_secretbox, root, providers)
                return produce(GadgetContext(bg, user, dash, instance, gadget, owner))

        return run

    def fetch(self, url, **kw):
        """Fetch a URL server-side under the SSRF rules and the administrator's allowed hosts, within the
        server's deadline (``deadline=`` may shorten it) and the user's and host's fetches in flight (``Busy``)."""
        allow = tuple(self.request.app_root.settings.get("fetch_allow_hosts", ()))
        return limits_for(self.request.registry).fetch(self.username, url, allow_hosts=allow, **kw)


def frame_context(request):
    """The context for a request that carries a frame token (``st`` in the query or form)."""
    token = request.params.get("st", "")
    try:
        name, did, iid, issued, *viewing = tokens.verify(request.registry.dashboard_secret, FRAME_PURPOSE, token)
    except (tokens.TokenError, ValueError) as exc:
        raise HTTPForbidden(f"This gadget's link is not valid ({exc}); reload the dashboard.") from None
    user = request.app_root.users.get(name)
    if user is not None and int(issued) < user.sessions_valid_after * 1000:
        raise HTTPForbidden("You have logged out since this gadget was loaded; log in again.")
    owner = None
    if viewing and user is not None and not user.disabled:  # a viewer's frame: shared with them still, right now
        from .operations import NotFound, get_shared

        try:
            owner, dash = get_shared(request.app_root, user, viewing[0], did)
        except NotFound:
            raise HTTPForbidden("This dashboard is no longer shared with you; reload the page.") from None
    elif user is not None and not user.disabled:
        dash = user.dashboards.get(did)
        if dash is None and did == DEFAULT_ID:  # an administrator's preview of the default dashboard (views/whose.py)
            from .views.whose import default_in_frame

            dash = default_in_frame(request, user)
    else:
        dash = None
    inst = dash.instances.get(iid) if dash is not None else None
    if inst is None:
        raise HTTPForbidden("This gadget is no longer on the dashboard; reload the dashboard.")
    gadget = request.gadgets.get(inst.gadget_id)
    if did == DEFAULT_ID and owner is None:
        from .views.whose import refuse_keeping_fetched

        refuse_keeping_fetched(request, gadget)
    return GadgetContext(request, user, dash, inst, gadget, owner)


#: Credential states in which the gadget shows a prompt instead of its content.
PROMPT_STATES = ("pending", "disabled", "not_connected", "needs_reconnect")


def render_gadget(request, ctx):
    """Return (html, error, state). ``state`` is a broker state when the gadget must show a prompt
    (approval pending, connect, reconnect), or ``busy`` when too many fetches are in flight (try again shortly);
    a failure becomes an error message inside this frame only."""
    gadget = ctx.gadget
    try:
        state = ctx.broker.state()
        if state in PROMPT_STATES:
            return None, None, state
        if gadget.render is not None:
            return str(gadget.render(ctx)), None, state
        data = gadget_data(ctx) if gadget.data is not None else None
        template = gadget.canvas_template if ctx.view == "canvas" and gadget.canvas_template else gadget.template
        html = render(template, {"ctx": ctx, "prefs": ctx.prefs, "data": data, "state": ctx.state}, request)
        return html, None, state
    except Busy as exc:
        return None, str(exc), "busy"
    except BrokerError as exc:
        if exc.state in PROMPT_STATES:
            return None, None, exc.state
        return None, str(exc), exc.state
    except Exception as exc:
        return None, failure_message(gadget, exc), None


def gadget_data(ctx):
    """The gadget's ``data(ctx)``, kept as it declares (``cache``, ``refresh``) under its preferences."""
    def produce(c):
        value = c.gadget.data(c)
        if c._not_kept is not None:
            raise Uncached(value, c._not_kept)
        return value

    try:
        return ctx.cached(("data", json.dumps(ctx.prefs, sort_keys=True, default=str)), produce)
    except Uncached as exc:
        return exc.value


def failure_message(gadget, exc):
    """What the person sees when a gadget's code fails: fetch and broker messages are written for them; anything
    else is a bug, logged with its traceback and named only by its type (it may hold internals)."""
    if isinstance(exc, (FetchError, BrokerError)):
        return str(exc)
    log.exception("gadget %r (plugin %r) failed to render", gadget.id, gadget.plugin)
    return f"{gadget.title} could not be shown: {type(exc).__name__}"
