"""Administrators approve, configure and disable the service providers that plugins declare; read the audit log."""
from urllib.parse import urlsplit

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from .. import operations as ops
from ..broker import audit
from ..models.credentials import ProviderSettings, now
from ..security import ADMIN

MAX_FIELD = 500


def consumer_info(root):
    s = root.settings
    return {"key": s["consumer_key"], "name": s["consumer_name"], "description": s["consumer_description"],
            "public_key": s["consumer_public_key"]}


@view_config(route_name="admin_providers", request_method="GET", permission=ADMIN, renderer="admin_providers.jinja2")
def providers_page(request):
    root = request.app_root
    rows = []
    for provider in request.declared_providers.values():
        settings = root.providers.get(provider.id)
        rows.append({"provider": provider, "settings": settings, "state": settings.state if settings else "pending"})
    return {"user": request.identity, "dashboards": request.identity.ordered_dashboards(), "rows": rows,
            "consumer": consumer_info(root), "redirect_oauth2": request.route_url("connect_callback_oauth2"),
            "redirect_oauth1": request.route_url("connect_callback_oauth1")}


def _text(request, name):
    value = request.POST.get(name, "").strip()
    if len(value) > MAX_FIELD:
        raise ops.InputError(f"{name.replace('_', ' ')} is too long (at most {MAX_FIELD} characters)")
    return value


@view_config(route_name="admin_provider", request_method="POST", permission=ADMIN)
def save_provider(request):
    pid = request.matchdict["pid"]
    provider = request.declared_providers.get(pid)
    if provider is None:
        raise ops.NotFound(f"no plugin or gadget spec declares a service provider {pid!r}")
    root, box = request.app_root, request.registry.dashboard_secretbox
    settings = root.providers.get(pid)
    if settings is None:
        settings = root.providers[pid] = ProviderSettings(pid)
    if request.POST.get("action") == "server":
        return _move_server(request, provider, settings)
    client_id, secret = _text(request, "client_id"), _text(request, "client_secret")
    if secret and spec_file_oauth1(provider):  # kept RSA-SHA1 while the secret was stored, silently: refused
        from .admin import FILE_SPEC_REFUSAL

        raise ops.InputError(f"{provider.name} is declared by a spec file and signs with RSA-SHA1, so it takes no "
                             f"shared secret: {FILE_SPEC_REFUSAL}")
    needs_secret = provider.kind == "oauth2" or (provider.kind == "oauth1" and provider.signature_method == "HMAC-SHA1")
    if provider.kind == "oauth2" and not client_id:
        raise ops.InputError(f"{provider.name} needs the client id that {provider.name} issued to this server")
    if needs_secret and not secret and settings.client_secret_enc is None:
        raise ops.InputError(f"{provider.name} needs the {'client' if provider.kind == 'oauth2' else 'shared'} secret")
    settings.client_id = client_id
    if secret:  # write-only: an empty field keeps the stored secret
        settings.client_secret_enc = box.encrypt(secret)
    elif "forget_secret" in request.POST and spec_oauth1(provider):  # back to RSA-SHA1 and this server's key
        settings.client_secret_enc = None
    settings.usernames_match = "usernames_match" in request.POST
    settings.enabled = "enabled" in request.POST
    settings.approved = True
    settings.updated, settings.updated_by = now(), request.identity.name
    return HTTPSeeOther(request.route_url("admin_providers", _anchor=f"provider-{pid}"))


def spec_oauth1(provider):
    """True for an OAuth 1.0a provider a spec URL declares: RSA-SHA1 with this server's key pair, or HMAC-SHA1 once
    the administrator gives the shared secret its service issued (spec.url_providers)."""
    return provider.kind == "oauth1" and provider.plugin == "spec-urls" and provider.id.startswith("spec-")


def spec_file_oauth1(provider):
    """True for an OAuth 1.0a provider a spec file (gadgets/) declares: RSA-SHA1 with this server's key pair only."""
    return provider.kind == "oauth1" and provider.plugin == "gadgets-dir" and provider.id.startswith("spec-")


def _move_server(request, provider, settings):
    """Point a provider whose server is configurable at another server: a new approval is needed (the
    administrator checks the client registered there), and accounts connected at the old server must reconnect."""
    if provider.server_urls is None:
        raise ops.InputError(f"{provider.name}'s server is not configurable")
    url = _text(request, "server_url").rstrip("/")
    declared = request.registry.dashboard_plugins.providers.get(provider.id, provider)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or "@" in url:
        raise ops.InputError(f"the server URL must be an http(s) address such as https://{provider.id}.example.com")
    try:
        moved = declared.at_server(url)
    except ValueError as exc:
        raise ops.InputError(f"{provider.name} cannot be used at {url}: {exc}") from None
    if moved.server_url != provider.server_url:
        settings.server_url = "" if url == declared.server_url else url
        settings.server_changed = now()
        settings.approved = False
        settings.updated, settings.updated_by = now(), request.identity.name
        audit.record(request.registry._zodb_databases[""], user=request.identity.name, provider=provider.id,
                     method="POST", url=request.path_url, status=303,
                     outcome=f"server moved from {provider.server_url} to {url}: approve it again")
    return HTTPSeeOther(request.route_url("admin_providers", _anchor=f"provider-{provider.id}"))


@view_config(route_name="admin_audit", request_method="GET", permission=ADMIN, renderer="admin_audit.jinja2")
def audit_page(request):
    """Newest first, 200 a page, filtered by user and/or provider through the log's indexes; ``?next=`` is the time
    key the next page starts below."""
    user, provider = request.params.get("user", "")[:100], request.params.get("provider", "")[:100]
    before = request.params.get("next", "")
    before = int(before) if before.isdigit() and len(before) <= 19 else None
    entries, following = audit.page(request.app_root, user=user or None, provider=provider or None, before=before)
    next_url = following and request.route_url(
        "admin_audit", _query={**({"user": user} if user else {}), **({"provider": provider} if provider else {}),
                               "next": str(following)})
    return {"user": request.identity, "dashboards": request.identity.ordered_dashboards(), "audit": entries,
            "filter_user": user, "filter_provider": provider, "next_url": next_url}


@view_config(route_name="admin_consumer_info", request_method="POST", permission=ADMIN)
def save_consumer_info(request):
    """Edit this server's consumer name and description, or (confirmed) regenerate its key pair."""
    from ..broker.keys import ensure_consumer_identity

    settings = request.app_root.settings
    if request.POST.get("action") == "regenerate":
        if request.POST.get("confirm") != "yes":
            raise ops.InputError("regenerating the key pair needs confirmation: every application that has the "
                                 "current public key will refuse this server until it is given the new one")
        ensure_consumer_identity(settings, request.registry.dashboard_secretbox, regenerate=True)
    else:
        name, description = _text(request, "name"), request.POST.get("description", "").strip()
        if not name or len(description) > 1000:
            raise ops.InputError("the name is required and descriptions hold at most 1000 characters")
        settings["consumer_name"], settings["consumer_description"] = name, description
    return HTTPSeeOther(request.route_url("admin_providers", _anchor="consumer-info"))
