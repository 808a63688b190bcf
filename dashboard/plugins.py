"""Loading plugins and collecting what they declare, one plugin's failure never stopping another's.

Every plugin, the core's built-in one included, comes from the ``dashboard`` entry point group.
``DASHBOARD_PLUGINS`` (comma-separated entry point names) restricts which of them load.
"""
from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass, field
from importlib import metadata

import pluggy

from . import hookspecs
from .declarations import DeclarationError, Gadget, Provider, coerce, collecting

log = logging.getLogger(__name__)
ENV_RESTRICT = "DASHBOARD_PLUGINS"


@dataclass
class PluginInfo:
    """What the admin pages and ``dashboard CONFIG plugins`` show about one plugin."""

    name: str
    distribution: str = ""
    version: str = ""
    module: object = None
    hooks: list = field(default_factory=list)
    gadgets: list = field(default_factory=list)
    providers: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def as_json(self):
        return {"name": self.name, "distribution": self.distribution, "version": self.version,
                "hooks": self.hooks, "gadgets": [g.id for g in self.gadgets],
                "providers": [p.id for p in self.providers], "errors": self.errors}


class PluginRegistry:
    """The loaded plugins and the gadgets and providers they declared."""

    def __init__(self, pm, infos):
        self.pm = pm
        self.plugins = infos  # name -> PluginInfo, in load order
        self.gadgets = {}  # gadget id -> Gadget
        self.providers = {}  # provider id -> Provider
        self._collect()

    def _error(self, info, message):
        info.errors.append(message)
        log.error("plugin %r: %s", info.name, message)

    def _declarations(self, hookname, info):
        """One plugin's declarations from a hook, each its own chance to fail. The hook may return a list, a tuple
        or a generator of declarations (objects or dicts) or of callables returning one (a lazy form, for a
        declaration whose building may raise). An invalid ``Gadget(...)``, ``Pref(...)`` or ``Provider(...)`` built
        in the hook records its error (``declarations.collecting``) instead of raising out of it."""
        impl = next((i for i in getattr(self.pm.hook, hookname).get_hookimpls() if i.plugin_name == info.name), None)
        if impl is None:
            return
        with collecting():
            try:
                result = impl.function()
            except Exception as exc:  # a plugin's bug must not take the server down
                self._error(info, f"{hookname} raised {type(exc).__name__}: {exc}")
                return
            if result is None:
                return
            if isinstance(result, (str, bytes, dict)) or not hasattr(result, "__iter__"):
                self._error(info, f"{hookname} must return a list, returned {type(result).__name__}")
                return
            items = iter(result)
            while True:
                try:
                    item = next(items)
                except StopIteration:
                    return
                except Exception as exc:  # a generator that raised: what it yielded before still loads
                    self._error(info, f"{hookname} raised {type(exc).__name__}: {exc}")
                    return
                if callable(item) and not isinstance(item, type):
                    try:
                        item = item()
                    except Exception as exc:
                        name = getattr(item, "__qualname__", repr(item))
                        self._error(info, f"{hookname}: the declaration {name} raised {type(exc).__name__}: {exc}")
                        continue
                yield item

    def _collect(self):
        for info in self.plugins.values():
            for raw in self._declarations("dashboard_gadgets", info):
                self._add(info, raw, Gadget, self.gadgets, info.gadgets, "gadget")
            for raw in self._declarations("dashboard_providers", info):
                self._add(info, raw, Provider, self.providers, info.providers, "provider")
        self._check_providers(self.gadgets.values())

    def _check_providers(self, gadgets):
        """A gadget may ask only for a provider some plugin declares, and only for scopes that provider declares
        (providers may come from any plugin); another is dropped with an error naming it."""
        for gadget in list(gadgets):
            if not gadget.provider:
                continue
            provider = self.providers.get(gadget.provider)
            if provider is None:
                problem = f"gadget {gadget.id!r} needs provider {gadget.provider!r}, which no plugin declares"
            else:
                extra = set(gadget.scopes) - set(provider.scopes)
                problem = extra and (f"gadget {gadget.id!r} asks {provider.id!r} for scopes it does not declare: "
                                     f"{', '.join(sorted(extra))}")
            if problem:
                info = self.plugins[gadget.plugin]
                spec_file = getattr(gadget, "spec_file", None)
                self._error(info, f"{spec_file}: {problem}" if spec_file else problem)
                del self.gadgets[gadget.id]
                info.gadgets.remove(gadget)

    def _add(self, info, raw, cls, index, owned, what):
        try:
            item = coerce(raw, cls, f"{what} declaration")
        except DeclarationError as exc:
            self._error(info, f"invalid {what}: {exc}")
            return
        if item.id in index:
            self._error(info, f"{what} id {item.id!r} is already declared by plugin {index[item.id].plugin!r}")
            return
        item.plugin = info.name
        index[item.id] = item
        owned.append(item)

    def configure(self, config):
        """Let each plugin add its own routes and views under ``/p/<name>``."""
        for impl in self.pm.hook.dashboard_configure.get_hookimpls():
            info = self.plugins[impl.plugin_name]
            try:
                with config.route_prefix_context(f"/p/{info.name}"):
                    impl.function(config=config)
                    config.commit()
            except Exception as exc:
                self._error(info, f"dashboard_configure raised {type(exc).__name__}: {exc}")

    def check_configure(self, settings):
        """Run every ``dashboard_configure`` on a throwaway Configurator that has the core's routes and Jinja2 (what a
        plugin's configuration may build on or collide with), so ``dashboard CONFIG plugins`` reports its errors
        without starting a server."""
        from pyramid.config import Configurator

        config = Configurator(settings=dict(settings))
        config.include("pyramid_jinja2")
        config.include("dashboard.routes")
        config.commit()
        self.configure(config)

    def add_spec_gadgets(self, directory):
        """Gadgets from the spec files in ``directory``, reported as the pseudo-plugin ``gadgets-dir``."""
        from .specs import load_directory

        if not directory:
            return
        info = self.plugins.setdefault("gadgets-dir", PluginInfo(name="gadgets-dir", distribution="spec files",
                                                                 version=str(directory)))
        gadgets, providers, errors = load_directory(directory)
        for name, reason in errors.items():
            self._error(info, f"{name}: {reason}")
        for provider in providers:
            self._add(info, provider, Provider, self.providers, info.providers, "provider")
        for gadget in gadgets:
            self._add(info, gadget, Gadget, self.gadgets, info.gadgets, "gadget")
        self._check_providers(info.gadgets)

    def errors(self):
        return {name: info.errors for name, info in self.plugins.items() if info.errors}


def get_pluginmanager():
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _entry_points():
    return metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP)


def load_plugins(extra=(), restrict=None):
    """Load every entry point plugin (and ``extra`` (name, module or dotted name) pairs); return a ``PluginRegistry``.

    ``restrict`` (default: the ``DASHBOARD_PLUGINS`` variable) is an iterable of names to load; others are skipped.
    """
    if restrict is None and os.environ.get(ENV_RESTRICT, "").strip():
        restrict = [n.strip() for n in os.environ[ENV_RESTRICT].split(",") if n.strip()]
    pm = get_pluginmanager()
    infos = {}
    candidates = [(ep.name, ep, ep.dist) for ep in _entry_points()] + [(n, m, None) for n, m in extra]
    for name, source, dist in sorted(candidates, key=lambda c: (c[0] != "builtin", c[0])):
        if restrict is not None and name not in restrict:
            continue
        info = PluginInfo(name=name)
        if dist is not None:
            info.distribution, info.version = dist.metadata["Name"], dist.version
        infos[name] = info
        try:
            if isinstance(source, str):
                module = importlib.import_module(source)
            else:
                module = source.load() if hasattr(source, "load") else source
            info.module = module
            pm.register(module, name=name)
            info.hooks = sorted(impl for impl in dir(module) if impl.startswith("dashboard_")
                                and hasattr(getattr(module, impl), hookspecs.PROJECT + "_impl"))
        except Exception as exc:
            info.errors.append(f"could not be loaded: {type(exc).__name__}: {exc}")
            log.error("plugin %r could not be loaded: %s", name, exc)
    while True:
        try:
            pm.check_pending()
            break
        except pluggy.PluginValidationError as exc:
            # A hook name nobody specifies is a typo in some plugin: report it against that plugin and drop it.
            name = pm.get_name(exc.plugin)
            infos[name].errors.append(f"implements an unknown hook: {exc}")
            log.error("plugin %r implements an unknown hook: %s", name, exc)
            pm.unregister(exc.plugin)
    return PluginRegistry(pm, infos)


def load_plugins_from_settings(settings):
    """``load_plugins`` plus the modules named (dotted) in ``dashboard.plugins.extra`` (development, tests) and the
    spec-file gadgets in ``dashboard.gadgets_dir``."""
    extra = [(name.rsplit(".", 1)[-1], name) for name in settings.get("dashboard.plugins.extra", "").split()]
    registry = load_plugins(extra=extra)
    registry.add_spec_gadgets(settings.get("dashboard.gadgets_dir"))
    return registry
