"""Connecting a user's account at a service provider (OAuth 2.0 with PKCE, OAuth 1.0a), and managing connections.

A flow's state (OAuth 2.0 ``state``, OAuth 1.0a request token) is kept server-side, single use, for ten minutes,
and bound to the browser session that started it; callbacks go to fixed routes of this server (no open redirect).
"""
import json
import secrets
from datetime import timedelta

from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.view import view_config

from .. import operations as ops
from ..broker import oauth1, oauth2
from ..broker.broker import connected_elsewhere, provider_state
from .whose import editable_dashboard
from ..broker.credentials import store_tokens
from ..broker.fetch import FetchError, safe_fetch, with_query
from ..broker.keys import private_key_pem
from ..broker.limits import limits_for
from ..models.credentials import Connection, PendingFlow
from ..security import USER

SESSION_KEY = "connect_flows"
ACCOUNT_FIELDS = ("login", "username", "name", "emailAddress", "email", "displayName")


def _flow_target(request, provider_id):
    """The dashboard instance a connect flow is for, after every check; raises 400/404 with a reason."""
    user = request.identity
    services = request.broker_services
    provider = services.providers.get(provider_id)
    if provider is None:
        raise ops.NotFound(f"no plugin declares a service provider {provider_id!r}")
    state = provider_state(services, provider_id)
    if state != "approved":
        raise HTTPBadRequest(f"{provider.name} cannot be used: " + (
            "it is waiting for an administrator's approval" if state == "pending" else "an administrator disabled it"))
    if provider.kind not in ("oauth1", "oauth2"):
        raise HTTPBadRequest(f"{provider.name} needs no account to be connected")
    if request.params.get("o", user.name) != user.name:
        # from a dashboard shared with this user: the account connected is theirs, bound to no gadget of the owner's
        _owner, dash = ops.get_shared(request.app_root, user, request.params.get("o"), request.params.get("d", ""))
    else:  # the administrator's own account, bound to no gadget of the default dashboard (connect.py _finish)
        dash = editable_dashboard(request, request.params.get("d", ""))
    inst = ops.get_instance(dash, request.params.get("i", ""))
    gadget = request.gadgets.get(inst.gadget_id)
    if gadget is None or gadget.provider != provider_id:
        raise HTTPBadRequest(f"this gadget does not use {provider.name}")
    return provider, dash, inst, gadget


def _bind_to_session(request, key):
    flows = [k for k in request.session.get(SESSION_KEY, []) if k != key][-9:]
    request.session[SESSION_KEY] = flows + [key]


def _take_flow(request, key):
    """The pending flow for ``key``, removed so it can never be used twice; 400 unless this session started it."""
    flows = request.session.get(SESSION_KEY, [])
    user = request.identity
    flow = user.pending.get(key) if isinstance(key, str) and key else None
    if flow is None or key not in flows:
        raise HTTPBadRequest("This sign-in link is unknown, was already used, or belongs to another browser "
                             "session. Start again from the gadget.")
    request.session[SESSION_KEY] = [k for k in flows if k != key]
    del user.pending[key]
    if flow.expired():
        raise HTTPBadRequest("This sign-in took longer than ten minutes. Start again from the gadget.")
    return flow


def _purge_expired(user):
    for key, flow in list(user.pending.items()):
        if flow.expired():
            del user.pending[key]


@view_config(route_name="connect", request_method="GET", permission=USER)
def connect(request):
    provider, dash, inst, gadget = _flow_target(request, request.matchdict["provider"])
    user, services = request.identity, request.broker_services
    _purge_expired(user)
    client_id, client_secret = services.client_credentials(provider.id)
    if provider.kind == "oauth2":
        state = secrets.token_urlsafe(32)
        flow = PendingFlow(state, provider.id, dash.id, inst.id)
        flow.server_url = provider.server_url
        verifier = oauth2.new_verifier()
        flow.secret_enc = services.box.encrypt(verifier)
        user.pending[state] = flow
        _bind_to_session(request, state)
        url = oauth2.authorization_url(provider, client_id, request.route_url("connect_callback_oauth2"), state,
                                       verifier, gadget.scopes)
        return HTTPSeeOther(url)
    client = oauth1.client(provider, client_id or services.root.settings["consumer_key"], client_secret,
                           private_key_pem(services.root.settings, services.box),
                           callback_uri=request.route_url("connect_callback_oauth1"))
    try:
        token, token_secret = oauth1.request_token(provider, client, services.allow_hosts)
    except oauth1.OAuth1Error as exc:
        raise HTTPBadRequest(str(exc)) from None
    flow = PendingFlow(token, provider.id, dash.id, inst.id)
    flow.server_url = provider.server_url
    flow.request_token = token
    flow.secret_enc = services.box.encrypt(token_secret)
    user.pending[token] = flow
    _bind_to_session(request, token)
    return HTTPSeeOther(with_query(provider.endpoints["authorize"], {"oauth_token": token}))


def _account_name(request, provider, headers_for):
    """Ask the provider's account URL who this is; None when it does not say."""
    if provider.account_url:
        url, headers, _ = headers_for(provider.account_url)
        try:
            resp = safe_fetch(url, headers={**headers, "Accept": "application/json"}, follow_redirects=False,
                              allow_hosts=request.broker_services.allow_hosts,
                              deadline=limits_for(request.registry).deadline)
            data = json.loads(resp.body) if resp.status == 200 else {}
            for field in ACCOUNT_FIELDS:
                if isinstance(data, dict) and isinstance(data.get(field), str) and data[field]:
                    return data[field][:200]
        except (FetchError, ValueError):
            pass
    return None


def _connection(request, provider, account, scopes):
    """The connection this flow completes: the user's existing one for the same account at this provider (as the
    provider names it), repaired in place so that every gadget bound to it works again, or else a new one. Its old
    tokens are forgotten; the caller stores the new ones."""
    user = request.identity
    same = [c for c in user.connections.values() if c.provider_id == provider.id]
    existing = next((c for c in same if account is not None and c.account == account), None)
    if existing is None:
        return Connection(provider.id, account or f"{provider.name} account {len(same) + 1}", scopes)
    existing.scopes = list(scopes)
    existing.access_token_enc = existing.refresh_token_enc = existing.token_secret_enc = None
    existing.expires_at = existing.token_lifetime = existing.refresh_lease = None
    existing.status = "ok"
    return existing


def _finish(request, flow, provider, connection):
    user = request.identity
    connection.server_url = provider.server_url if provider.server_urls is not None else None
    user.connections[connection.id] = connection
    dash = user.dashboards.get(flow.dashboard_id)
    inst = dash.instances.get(flow.instance_id) if dash is not None else None
    if inst is not None:
        inst.connection_id = connection.id
    request.response.headers["Cache-Control"] = "no-store"
    return {"provider": provider, "connection": connection, "dash": dash, "user": user,
            "dashboards": user.ordered_dashboards(), "error": None}


def _failed(request, message, provider=None):
    request.response.status = 400
    user = request.identity
    return {"provider": provider, "connection": None, "dash": None, "user": user,
            "dashboards": user.ordered_dashboards(), "error": message}


def _callback_flow(request, key):
    """The flow a callback completes (single use, this session's) and its provider, or None if no longer usable."""
    flow = _take_flow(request, key)
    services = request.broker_services
    provider = services.providers.get(flow.provider_id)
    usable = provider is not None and provider_state(services, provider.id) == "approved"
    # a flow started at a server the provider has been moved from since must not end at the new one
    moved = usable and provider.server_urls is not None and flow.server_url != provider.server_url
    return flow, provider if usable and not moved else None


@view_config(route_name="connect_callback_oauth2", request_method="GET", permission=USER, renderer="connected.jinja2")
def callback_oauth2(request):
    flow, provider = _callback_flow(request, request.params.get("state"))
    if provider is None:
        return _failed(request, "The provider is no longer available.")
    services = request.broker_services
    if "error" in request.params:
        return _failed(request, f"{provider.name} did not connect: {request.params['error'][:100]}", provider)
    code = request.params.get("code", "")
    client_id, client_secret = services.client_credentials(provider.id)
    try:
        payload = oauth2.exchange_code(provider, client_id, client_secret, code,
                                       request.route_url("connect_callback_oauth2"),
                                       services.box.decrypt(flow.secret_enc), services.allow_hosts)
    except oauth2.OAuth2Error as exc:
        return _failed(request, str(exc), provider)
    gadget_scopes = _scopes_of(request, flow)
    granted = payload.get("scope")
    scopes = granted.split() if isinstance(granted, str) else gadget_scopes
    token = payload["access_token"]
    name = _account_name(request, provider, lambda url: (url, {"Authorization": f"Bearer {token}"}, None))
    connection = _connection(request, provider, name, scopes)
    store_tokens(connection, services.box, payload)
    return _finish(request, flow, provider, connection)


@view_config(route_name="connect_callback_oauth1", request_method="GET", permission=USER, renderer="connected.jinja2")
def callback_oauth1(request):
    # The callback's oauth_token must be the request token this user's session was issued.
    flow, provider = _callback_flow(request, request.params.get("oauth_token"))
    if provider is None:
        return _failed(request, "The provider is no longer available.")
    services = request.broker_services
    verifier = request.params.get("oauth_verifier", "")
    if not verifier:
        return _failed(request, f"{provider.name} did not authorize the connection.", provider)
    client_id, client_secret = services.client_credentials(provider.id)
    consumer_key = client_id or services.root.settings["consumer_key"]
    rsa_key = private_key_pem(services.root.settings, services.box)
    client = oauth1.client(provider, consumer_key, client_secret, rsa_key, resource_owner_key=flow.request_token,
                           resource_owner_secret=services.box.decrypt(flow.secret_enc), verifier=verifier)
    try:
        token, token_secret, extra = oauth1.access_token(provider, client, services.allow_hosts)
    except oauth1.OAuth1Error as exc:
        return _failed(request, str(exc), provider)

    def sign(url):
        signer = oauth1.client(provider, consumer_key, client_secret, rsa_key, resource_owner_key=token,
                               resource_owner_secret=token_secret)
        return oauth1.sign(signer, "GET", url)

    connection = _connection(request, provider, _account_name(request, provider, sign), _scopes_of(request, flow))
    connection.access_token_enc = services.box.encrypt(token)
    connection.token_secret_enc = services.box.encrypt(token_secret)
    if "oauth_expires_in" in extra:  # Atlassian's session extension
        connection.expires_at = connection.created + timedelta(seconds=extra["oauth_expires_in"])
    return _finish(request, flow, provider, connection)


def _scopes_of(request, flow):
    dash = request.identity.dashboards.get(flow.dashboard_id)
    inst = dash.instances.get(flow.instance_id) if dash is not None else None
    gadget = request.gadgets.get(inst.gadget_id) if inst is not None else None
    return list(gadget.scopes) if gadget is not None else []


@view_config(route_name="connections", request_method="GET", permission=USER, renderer="connections.jinja2")
def connections_page(request):
    from ..broker import audit

    user = request.identity
    providers = request.providers
    used = {}
    # read once, through the log's index by user: only this user's newest entries are loaded
    recent = audit.entries(request.app_root, user=user.name, limit=1000)
    # never those of an earlier, deleted user of the same name
    since = user.created.isoformat(timespec="milliseconds")
    recent = [entry for entry in recent if entry["time"] >= since]
    for entry in recent:
        used.setdefault((entry["provider"], entry["account"]), entry["time"])
    rows = [{"c": c, "provider": providers.get(c.provider_id), "last_used": used.get((c.provider_id, c.account))}
            for c in sorted(user.connections.values(), key=lambda c: c.created)]
    return {"user": user, "dashboards": user.ordered_dashboards(), "rows": rows, "audit": recent[:50]}


@view_config(route_name="connection_revoke", request_method="POST", permission=USER)
def revoke(request):
    user, services = request.identity, request.broker_services
    conn = user.connections.get(request.matchdict["cid"])
    if conn is None:
        raise ops.NotFound("no such connected account")
    revoke_at_provider(services, conn)
    del user.connections[conn.id]
    return HTTPSeeOther(request.route_url("connections"))


def revoke_at_provider(services, conn):
    """Ask the provider to revoke the connection's tokens, when it is an OAuth 2.0 provider that declares revocation
    (best effort: errors are ignored). Revoked where it was issued, never at a server the provider was moved to.
    True when the provider said it revoked them."""
    provider = services.providers.get(conn.provider_id)
    revoked = []
    if provider is not None and provider.kind == "oauth2" and conn.provider_id in services.root.providers \
            and not connected_elsewhere(services, provider, conn):
        client_id, client_secret = services.client_credentials(provider.id)
        for token_enc in (conn.refresh_token_enc, conn.access_token_enc):
            if token_enc is not None:
                revoked.append(oauth2.revoke(provider, client_id, client_secret, services.box.decrypt(token_enc),
                                             services.allow_hosts))
    return bool(revoked) and all(revoked)


@view_config(route_name="gadget_account", request_method="POST", permission=USER)
def choose_account(request):
    """Choose which of the user's connected accounts a gadget instance uses."""
    user = request.identity
    dash = ops.get_dashboard(user, request.matchdict["did"])
    inst = ops.get_instance(dash, request.matchdict["iid"])
    conn = user.connections.get(request.POST.get("connection", ""))
    gadget = request.gadgets.get(inst.gadget_id)
    if conn is None or gadget is None or conn.provider_id != gadget.provider:
        raise ops.InputError("choose one of your accounts at this gadget's provider")
    inst.connection_id = conn.id
    return HTTPSeeOther(request.route_url("dashboard", did=dash.id))
