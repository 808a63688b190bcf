"""Building the WSGI application: the Configurator, storage, sessions, security and plugins."""

from pyramid.config import Configurator
from pyramid.session import JSONSerializer, SignedCookieSessionFactory
from pyramid.settings import asbool
from pyramid.tweens import INGRESS
from pyramid_zodbconn import get_connection

from .broker.broker import Services
from .broker.crypto import SecretBox, keys_file, load_or_create_keys
from .broker.limits import limits_for
from .broker.keys import ensure_consumer_identity
from .models import get_app_root
from .models.evolve import evolve
from .plugins import load_plugins_from_settings
from . import first_run
from .group_commit import Committer, committed
from .input_encoding import MAX_BODY, BoundedBody
from .login_throttle import LoginThrottle
from .secrets_store import load_or_create_secret
from .security import CSRF_KEY, SecurityPolicy, SessionCSRF, session_timeout, signed_kind
from .specs import SPEC_REFRESH, start_refresher
from .views.page_cache import PageCache



def root_factory(request):
    return request.app_root


def _app_root(request):
    return get_app_root(get_connection(request).root(), create=False)


def _edit(request, change, *objects):
    """``change(*objects)`` committed with the other requests' edits waiting (group_commit.py); returns what
    ``change`` returns, made on the objects as that transaction has them: a view answers with it (its own objects,
    read again, would cost a load each). ``change`` runs in another thread on the newest state: it checks what it
    relies on, and returns plain values (JSON, an id), never a persistent object. It may use the request's routes,
    registry and ``gadgets`` (taken here first: nothing of the request's connection is read in that thread)."""
    request.gadgets  # noqa: B018 (reified now, in this thread)
    return committed(get_connection(request), request.registry.dashboard_committer, change, *objects,
                     note=request.path_info)  # as pyramid_tm notes a request's own transaction


def _disabled_plugins(request):
    return set(request.app_root.settings.get("disabled_plugins", ()))


def _gadgets(request):
    """Gadgets of the plugins that are loaded and not disabled by an administrator, and of the spec URLs an
    administrator added: gadget id -> Gadget."""
    from .specs import url_gadgets

    disabled = _disabled_plugins(request)
    gadgets = {k: g for k, g in request.registry.dashboard_plugins.gadgets.items() if g.plugin not in disabled}
    if "spec-urls" not in disabled:
        # not one whose OAuth service names a provider nobody declares: it would wait for an approval that cannot
        # come (Gadget specs says which provider id it needs)
        providers = request.declared_providers
        gadgets.update({k: g for k, g in url_gadgets(request.app_root).items()
                        if not g.provider or g.provider in providers})
    return gadgets


def declared_providers(request):
    """Every provider declared by an installed plugin (enabled or not) or by a spec URL; a plugin's declaration wins
    over a spec's of the same id. A provider whose server is configurable is at the server an administrator chose."""
    from .specs import url_providers

    declared = {**url_providers(request.app_root), **request.registry.dashboard_plugins.providers}
    stored = request.app_root.providers
    for pid, provider in declared.items():
        if provider.server_urls is not None:
            settings = stored.get(pid)
            if settings is not None and settings.server_url and settings.server_url != provider.server_url:
                declared[pid] = _at_server(provider, settings.server_url)
    return declared


_moved = {}


def _at_server(provider, url):
    """``provider.at_server(url)``, made once per declaration and URL (a bounded memo: the URLs an administrator
    chose); a server whose URLs are not valid leaves the declaration as it is (the admin page said why)."""
    key = (provider.id, url)
    declared, moved = _moved.get(key, (None, None))
    if declared is not provider:  # (another app in this process may declare the same id)
        try:
            moved = provider.at_server(url)
        except ValueError:
            moved = provider
        if len(_moved) > 1000:
            _moved.clear()
        _moved[key] = (provider, moved)
    return moved


def _providers(request):
    """Providers declared by enabled plugins and by spec URLs (unless disabled as ``spec-urls``)."""
    disabled = _disabled_plugins(request)
    return {k: p for k, p in request.declared_providers.items() if p.plugin not in disabled}


def _broker_services(request):
    registry = request.registry
    return Services(registry._zodb_databases[""], registry.dashboard_secretbox, request.app_root, request.providers)


def _prepare_database(config):
    """Create or evolve the stored schema, and this server's key pair, once at start-up; start the audit writer,
    which also prunes the log (dashboard.audit_retention_days)."""
    from .broker import audit

    db = config.registry._zodb_databases[""]
    settings = config.registry.settings
    with db.transaction() as conn:
        root = get_app_root(conn.root())
        evolve(root)
        ensure_consumer_identity(root.settings, config.registry.dashboard_secretbox)
        # A worker of server.Supervisor leaves it to the supervisor, which loaded the application first and printed
        # the code (a worker making its own would replace that code with one nobody saw).
        wanted = not root.user_count and not settings.get(WORKER_SLOT)
        setup_code = first_run.make_code(root.settings, first_run_hours(settings)) if wanted else None
    if setup_code:
        first_run.announce(setup_code, settings.get("dashboard.public_url", "http://<this server>") + "/setup",
                           first_run_hours(settings))
    audit.start(db, settings)


def first_run_hours(settings):
    return float(settings.get("dashboard.setup_code_hours", 24))


#: Set (to the worker's number) in the paste global configuration of a worker process of server.Supervisor.
WORKER_SLOT = "dashboard.worker_slot"


def make_app(global_config, **settings):
    if (global_config or {}).get(WORKER_SLOT):
        settings[WORKER_SLOT] = global_config[WORKER_SLOT]
    settings.setdefault("retry.attempts", "3")
    settings.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    settings.setdefault("jinja2.autoescape", "true")
    # pyramid_tm would ask who the user is before routing; identity is costly for OAuth-signed requests.
    settings.setdefault("tm.annotate_user", "false")
    secret = load_or_create_secret(settings)
    with Configurator(settings=settings, root_factory=root_factory) as config:
        config.registry.dashboard_secret = secret
        config.registry.dashboard_secretbox = SecretBox(load_or_create_keys(keys_file(settings)))
        # Rendered dashboard pages are kept (views/page_cache.py), unless templates may change under a running app.
        config.registry.dashboard_page_cache = None if asbool(settings.get("pyramid.reload_templates")) else \
            PageCache(int(settings.get("dashboard.page_cache_size", 256)))
        config.include("pyramid_tm")
        config.add_tween("dashboard.input_encoding.utf8_tween_factory", under=INGRESS)
        config.include("pyramid_retry")
        config.include("pyramid_zodbconn")
        config.include("pyramid_jinja2")
        config.add_jinja2_renderer(".jinja2")
        config.add_jinja2_search_path("dashboard:templates", name=".jinja2")
        config.add_request_method(_app_root, "app_root", reify=True)
        config.add_request_method(_edit, "edit")
        config.add_request_method(_gadgets, "gadgets", reify=True)
        config.add_request_method(declared_providers, "declared_providers", reify=True)
        config.add_request_method(_providers, "providers", reify=True)
        config.add_request_method(_broker_services, "broker_services", reify=True)
        # The cookie names a session the user's record holds (security.py): it ends at logout, a password change,
        # after dashboard.session_timeout unused (the cookie's signed time, renewed at most every tenth of it) and
        # dashboard.session_lifetime after login.
        timeout = session_timeout(settings)
        config.set_session_factory(SignedCookieSessionFactory(
            secret, cookie_name="dashboard_session", httponly=True, samesite="Lax",
            secure=asbool(settings.get("dashboard.secure_cookies", False)),
            timeout=timeout, reissue_time=min(600, timeout // 10), serializer=JSONSerializer()))
        config.set_security_policy(SecurityPolicy())
        config.registry.dashboard_login_throttle = LoginThrottle.from_settings(settings)
        config.set_csrf_storage_policy(SessionCSRF(key=CSRF_KEY))
        # Every state-changing request needs the token, but a signed one (a trusted application's): by the time a
        # view runs, security.py has refused every signed request outside its grant or with a failed signature,
        # and it never takes the session cookie such a request may carry.
        config.set_default_csrf_options(require_csrf=True, header="X-CSRF-Token",
                                        callback=lambda request: signed_kind(request) is None)
        config.include(".routes")
        config.scan(".views")
        config.scan(".headers")
        config.scan(".security")
        limits_for(config.registry)  # a bad dashboard.fetch_* setting stops the start, not the first frame
        registry = load_plugins_from_settings(settings)
        config.registry.dashboard_plugins = registry
        registry.configure(config)
        _prepare_database(config)
        config.registry.dashboard_committer = Committer(config.registry._zodb_databases[""])
        refresh = int(settings.get("dashboard.spec_refresh", SPEC_REFRESH))
        if refresh:
            start_refresher(config.registry._zodb_databases[""], every=min(60, refresh), max_age=refresh)
    return BoundedBody(config.make_wsgi_app(), int(settings.get("dashboard.max_body_size", MAX_BODY)))
