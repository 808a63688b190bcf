"""Gadgets defined by OpenSocial gadget spec files (as in iGoogle, Shindig and Atlassian dashboards).

Supported: ModulePrefs (title, title_url, description, author, thumbnail, screenshot, height, category), UserPref
(string, hidden, bool, enum with EnumValue, list, number; default_value, required, display_name), Content of type
html (views default/home, canvas) and url, Require/Optional features, inline message bundles (Locale/messagebundle)
and OAuth/Service declarations. Parsing uses defusedxml (no DTDs, no entities) with a size limit; every malformed
spec is refused with a reason.
"""
import html
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .broker.fetch import with_query
from .declarations import DeclarationError, Gadget, Pref, Provider
from .routes import STATIC_DIR

MAX_SPEC_BYTES = 256 * 1024
MAX_BUNDLE_BYTES = 64 * 1024
MAX_BUNDLES = 20
#: Features this container provides; a spec that requires anything else is refused.
SUPPORTED_FEATURES = {"dynamic-height", "setprefs", "settitle", "views", "minimessage", "oauthpopup", "core",
                      "core.io", "pubsub"}
PREF_TYPES = {"string": "string", "hidden": "hidden", "bool": "bool", "enum": "enum", "list": "list",
              "number": "number"}


SERVICE_ENDPOINTS = {"request_token": "Request", "authorize": "Authorization", "access_token": "Access"}


class SpecError(ValueError):
    """The spec cannot be used; the message says why."""


@dataclass
class Spec:
    title: str
    attrs: dict
    prefs: list
    contents: dict  # view name -> ("html", text) or ("url", href)
    messages: dict = field(default_factory=dict)  # the default locale's (en, over ALL)
    services: list = field(default_factory=list)  # (OAuth service name, scopes, {endpoint: URL} or {})
    locales: dict = field(default_factory=dict)  # "de", "de-ch", "all", ... -> messages

    def messages_for(self, accept_language):
        """The messages for the first language of an Accept-Language header this spec has, else the default."""
        for part in (accept_language or "").split(","):
            tag = part.split(";")[0].strip().lower()
            for key in (tag, tag.split("-")[0]):
                if key and key != "all" and key in self.locales:
                    return {**self.locales.get("all", {}), **self.locales[key]}
        return self.messages


def _xml(data, what, limit):
    if len(data) > limit:
        raise SpecError(f"the {what} is larger than {limit // 1024} KiB")
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SpecError(f"the {what} uses a DTD or entities, which are refused ({type(exc).__name__})") from None
    except ParseError as exc:
        raise SpecError(f"the {what} is not well-formed XML: {exc}") from None


def _bundle_messages(element):
    return {msg.get("name", ""): (msg.text or "").strip() for msg in element.iter("msg")}


def parse_bundle(data, href):
    """An external message bundle (``<messagebundle><msg name=...>``): name -> text."""
    root = _xml(data, f"message bundle {href}", MAX_BUNDLE_BYTES)
    if root.tag != "messagebundle":
        raise SpecError(f"the message bundle {href} must have the root element messagebundle, not {root.tag}")
    return _bundle_messages(root)


def parse_spec(data, load_bundle=None):
    """Return a ``Spec`` from spec bytes, or raise ``SpecError`` with the reason.

    ``load_bundle(href)`` returns the bytes of an external message bundle (``<Locale messages="href">``) or raises
    ``SpecError``; without it, a spec that has one is refused.
    """
    root = _xml(data, "spec", MAX_SPEC_BYTES)
    if root.tag != "Module":
        raise SpecError(f"the root element must be Module, not {root.tag}")
    module_prefs = root.find("ModulePrefs")
    attrs = dict(module_prefs.attrib) if module_prefs is not None else {}
    if not attrs.get("title", "").strip():
        raise SpecError("ModulePrefs needs a title")
    missing = []
    for req in (module_prefs.findall("Require") if module_prefs is not None else []):
        if req.get("feature") not in SUPPORTED_FEATURES:
            missing.append(req.get("feature") or "(unnamed)")
    if missing:
        raise SpecError(f"the spec requires features this container does not provide: {', '.join(missing)}")
    locales = {}
    for locale in (module_prefs.findall("Locale") if module_prefs is not None else []):
        key = (locale.get("lang") or "all").lower() + (f"-{locale.get('country').lower()}"
                                                       if locale.get("country", "").lower() not in ("", "all") else "")
        found = locales.setdefault(key, {})
        if locale.get("messages"):
            if load_bundle is None:
                raise SpecError("the spec has external message bundles, which cannot be loaded from here")
            found.update(parse_bundle(load_bundle(locale.get("messages")), locale.get("messages")))
        found.update(_bundle_messages(locale))  # inline messages
    messages = {**locales.get("all", {}), **locales.get("en", {})}
    services = []
    for service in (module_prefs.iter("Service") if module_prefs is not None else []):
        # Scopes, as Atlassian's and Google's gadgets give them, in the Authorization URL's scope parameter.
        auth = service.find("Authorization")
        query = parse_qs(urlsplit(auth.get("url", "")).query) if auth is not None else {}
        scopes = [s for value in query.get("scope", []) for s in re.split(r"[ ,]+", value) if s]
        # With all three OAuth 1.0a endpoints (as Shindig's specs give them) the spec declares the service itself;
        # otherwise the name refers to a provider a plugin declares, and the endpoints given are not used.
        endpoints = {key: el.get("url", "") for key, tag in SERVICE_ENDPOINTS.items()
                     for el in [service.find(tag)] if el is not None and el.get("url")}
        if set(endpoints) != set(SERVICE_ENDPOINTS):
            endpoints = {}
        services.append((service.get("name", ""), scopes, endpoints))
    if len(services) > 1:
        raise SpecError("a spec may declare one OAuth service (the provider it needs)")
    prefs = []
    for up in root.findall("UserPref"):
        kind = PREF_TYPES.get(up.get("datatype", "string"))
        if kind is None:
            raise SpecError(f"UserPref {up.get('name')!r} has an unknown datatype {up.get('datatype')!r}")
        options = [(e.get("value", ""), e.get("display_value", e.get("value", ""))) for e in up.findall("EnumValue")]
        default = up.get("default_value")
        if kind == "bool" and default is not None:
            default = default.lower() == "true"
        try:
            prefs.append(Pref(up.get("name", ""), kind, _msg(up.get("display_name", ""), messages), default=default,
                              required=up.get("required", "false").lower() == "true", options=options))
        except DeclarationError as exc:
            raise SpecError(str(exc)) from None
    contents = {}
    for content in root.findall("Content"):
        kind = content.get("type", "html")
        views = [v.strip() for v in content.get("view", "default").split(",") if v.strip()]
        if kind == "html":
            value = ("html", content.text or "")
        elif kind == "url":
            href = content.get("href", "")
            if urlsplit(href).scheme not in ("http", "https"):
                raise SpecError("Content of type url needs an http(s) href")
            value = ("url", href)
        else:
            raise SpecError(f"Content type {kind!r} is not supported (html or url)")
        for view in views:
            contents[view] = value
    if not contents:
        raise SpecError("the spec has no Content")
    return Spec(_msg(attrs["title"], messages), attrs, prefs, contents, messages, services, locales)


def _msg(text, messages):
    return re.sub(r"__MSG_([A-Za-z0-9_.-]+)__", lambda m: messages.get(m.group(1), m.group(0)), text or "")


def substitute(text, prefs, module_id, messages):
    """``__UP_name__`` (HTML-escaped), ``__MODULE_ID__`` and ``__MSG_name__`` substitution in spec content."""
    def up(match):
        value = prefs.get(match.group(1), "")
        value = "|".join(value) if isinstance(value, list) else ("true" if value is True else
                                                                  "false" if value is False else value)
        return html.escape("" if value is None else str(value))
    text = re.sub(r"__UP_([A-Za-z0-9_]+)__", up, text)
    text = text.replace("__MODULE_ID__", html.escape(module_id))
    return _msg(text, {k: html.escape(v) for k, v in messages.items()})


def spec_provider(spec, plugin=""):
    """The OAuth 1.0a provider a spec declares with its own endpoints (None when it names a plugin's provider).

    Its id carries a digest of the endpoints, so a spec that later points elsewhere declares a new provider that
    needs a new approval, instead of inheriting the old one's. It signs with RSA-SHA1 and this server's key pair, as
    Atlassian applications and other Gadget Dashboards expect, and its credentials reach only the endpoints' origin.
    """
    import hashlib

    if not spec.services or not spec.services[0][2]:
        return None
    name, scopes, endpoints = spec.services[0]
    digest = hashlib.sha256("|".join(endpoints[k] for k in SERVICE_ENDPOINTS).encode()).hexdigest()[:10]
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")[:40] or "service"
    origin = urlsplit(endpoints["request_token"])
    try:
        return Provider(id=f"spec-{slug}-{digest}", name=name or origin.netloc, kind="oauth1",
                        description=f"Declared by the gadget spec {spec.title!r}", endpoints=dict(endpoints),
                        signature_method="RSA-SHA1", scopes=list(scopes),
                        base_urls=[f"{origin.scheme}://{origin.netloc}/"], plugin=plugin)
    except DeclarationError as exc:
        raise SpecError(str(exc)) from None


def gadget_from_spec(spec, gadget_id, source=""):
    """A ``Gadget`` that renders the spec's default (or home) view."""
    default = spec.contents.get("default") or spec.contents.get("home") or next(iter(spec.contents.values()))

    def render(ctx):
        kind, value = spec.contents.get("canvas", default) if ctx.view == "canvas" else default
        messages = spec.messages_for(ctx.request.headers.get("Accept-Language"))
        api = (f'<script type="application/json" id="gadget-env">{_env_json(ctx, messages)}</script>'
               f'<script src="{html.escape(ctx.request.static_url(STATIC_DIR + "/gadgets.js"))}"></script>')
        if kind == "url":
            href = with_query(value, {f"up_{k}": ("|".join(v) if isinstance(v, list) else v)
                                      for k, v in ctx.prefs.items()})
            return f'<p><a href="{html.escape(href)}" target="_blank" rel="noopener">{html.escape(spec.title)}</a></p>'
        return api + substitute(value, ctx.prefs, ctx.instance_id, messages)

    height = spec.attrs.get("height", "200")
    provider = spec_provider(spec)
    try:
        return Gadget(id=gadget_id, title=spec.title, description=_msg(spec.attrs.get("description", ""), spec.messages),
                      category=spec.attrs.get("category", "Other") or "Other", author=spec.attrs.get("author", ""),
                      thumbnail=spec.attrs.get("thumbnail", ""), title_url=spec.attrs.get("title_url", ""),
                      prefs=spec.prefs, render=render,
                      # <OAuth><Service name="X"> names the broker's provider X, approved like any plugin's
                      provider=(provider.id if provider else spec.services[0][0]) if spec.services else None,
                      scopes=spec.services[0][1] if spec.services else [],
                      height=max(20, min(2000, int(height))) if height.isdigit() else 200)
    except DeclarationError as exc:
        raise SpecError(str(exc)) from None


def _env_json(ctx, messages):
    """What gadgets.js needs: the prefs, the messages, where the proxy is and where preferences are saved; '<'
    escaped so it cannot close the script."""
    import json

    ids = {"did": ctx.dashboard_id, "iid": ctx.instance_id}
    env = {"prefs": ctx.prefs, "messages": messages, "proxy": ctx.request.route_path("proxy", **ids),
           "setPrefs": ctx.request.route_path("frame_prefs", **ids), "st": ctx.token, "moduleId": ctx.instance_id}
    return json.dumps(env).replace("<", "\\u003c")


def _bundle_file(directory, href):
    """A message bundle of a spec file: a file in the same directory tree, never outside it."""
    if urlsplit(href).scheme:
        raise SpecError(f"spec files take message bundles from files next to them, not from {href}")
    target = (directory / href).resolve()
    if not target.is_relative_to(directory.resolve()) or not target.is_file():
        raise SpecError(f"the message bundle {href} is not a file in {directory}")
    return target.read_bytes()


def load_directory(path):
    """Gadgets from every ``*.xml`` spec in ``path``: (gadgets, the providers they declare themselves,
    {file name: reason} for refused ones)."""
    gadgets, providers, errors = [], {}, {}
    for file in sorted(Path(path).glob("*.xml")) if path and Path(path).is_dir() else []:
        gadget_id = "spec." + re.sub(r"[^a-z0-9_-]", "-", file.stem.lower())[:58]
        try:
            spec = parse_spec(file.read_bytes(), partial(_bundle_file, Path(path)))
            gadgets.append(gadget_from_spec(spec, gadget_id, str(file)))
            provider = spec_provider(spec, "gadgets-dir")
        except SpecError as exc:
            errors[file.name] = str(exc)
            continue
        if provider is not None:
            providers[provider.id] = provider  # the same endpoints in several specs: one provider
    return gadgets, list(providers.values()), errors


SPEC_REFRESH = 3600


def url_gadget_id(url):
    import hashlib

    return "url." + hashlib.sha256(url.encode()).hexdigest()[:16]


def fetch_spec(url, spec_allow_hosts, fetch_allow_hosts):
    """Fetch and check a spec URL and its external message bundles (resolved against it, fetched under the same
    rules); return (spec bytes, {href: bundle bytes}) or raise SpecError with the reason."""
    bundles = {}

    def load_bundle(href):
        if href not in bundles:
            if len(bundles) >= MAX_BUNDLES:
                raise SpecError(f"the spec has more than {MAX_BUNDLES} message bundles")
            bundles[href] = _fetch_checked(urljoin(url, href), spec_allow_hosts, fetch_allow_hosts, MAX_BUNDLE_BYTES)
        return bundles[href]

    body = _fetch_checked(url, spec_allow_hosts, fetch_allow_hosts, MAX_SPEC_BYTES)
    parse_spec(body, load_bundle)  # refuse what cannot be used now, with the reason
    return body, bundles


def _fetch_checked(url, spec_allow_hosts, fetch_allow_hosts, max_bytes):
    from .broker.fetch import FetchError, check_url, safe_fetch

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise SpecError("the URL is malformed") from None
    if parts.username is not None or "@" in parts.netloc:
        raise SpecError("URLs with a user name or password in them are not fetched")
    if host not in {h.lower() for h in spec_allow_hosts}:
        raise SpecError(f"{host or 'this host'} is not among the hosts gadget specs may come from")
    try:
        check_url(url, fetch_allow_hosts)
        resp = safe_fetch(url, allow_hosts=fetch_allow_hosts, follow_redirects=False, max_bytes=max_bytes)
    except FetchError as exc:
        raise SpecError(str(exc)) from None
    if 300 <= resp.status < 400:
        raise SpecError("the spec URL redirects; add the URL it redirects to instead, if its host is allowed")
    if resp.status != 200:
        raise SpecError(f"{url} answered with HTTP status {resp.status}")
    return resp.body


def refresh_source(source, settings):
    """Fetch a SpecSource again; keep the last good copy when the fetch fails."""
    import time

    try:
        source.body, source.bundles = fetch_spec(source.url, settings.get("spec_allow_hosts", ()),
                                                 tuple(settings.get("fetch_allow_hosts", ())))
        source.error = None
    except SpecError as exc:
        source.error = str(exc)
    source.fetched_at = time.time()


#: spec URL -> (fetched_at, (gadget, provider) or None): the parse of the copy last seen, one entry per URL.
_url_gadgets = {}


def _url_specs(root):
    """(gadget, provider or None) for each spec URL's cached copy, parsed once per fetched copy."""
    for source in root["spec_urls"].values():
        if source.body is None:
            continue
        fetched_at, parsed = _url_gadgets.get(source.url, (None, None))
        if fetched_at != source.fetched_at:
            try:
                spec = parse_spec(source.body, partial(_stored_bundle, source))
                parsed = gadget_from_spec(spec, url_gadget_id(source.url), source.url), spec_provider(spec, "spec-urls")
                parsed[0].plugin = "spec-urls"
            except SpecError:
                parsed = None  # unusable: remembered too, so it is not parsed again on every request
            _url_gadgets[source.url] = (source.fetched_at, parsed)
        if parsed is not None:
            yield parsed


def _stored_bundle(source, href):
    body = (source.bundles or {}).get(href)
    if body is None:
        raise SpecError(f"the message bundle {href} was not fetched; refresh the spec URL")
    return body


def spec_url_of(root, gadget_id):
    """The spec URL a ``url.<hash>`` gadget comes from (None for other gadgets)."""
    return next((url for url in root["spec_urls"] if url_gadget_id(url) == gadget_id), None)


def url_gadgets(root):
    """Gadgets from the spec URLs an administrator added."""
    return {gadget.id: gadget for gadget, _ in _url_specs(root)}


def url_providers(root):
    """Providers that spec URLs declare with their own endpoints."""
    return {provider.id: provider for _, provider in _url_specs(root) if provider is not None}


def start_refresher(db, every=60, max_age=SPEC_REFRESH):
    """A daemon thread that fetches again, every ``every`` seconds, the spec URLs older than ``max_age``."""
    import logging
    import threading
    import time

    from ZODB.POSException import ConflictError

    from .broker.credentials import side_transaction

    log = logging.getLogger(__name__)

    def run():
        while True:
            time.sleep(every)
            try:
                with side_transaction(db) as root:
                    for source in list(root["spec_urls"].values()):
                        if time.time() - source.fetched_at > max_age:
                            refresh_source(source, root.settings)
            except ConflictError:
                continue  # someone refreshed at the same moment; next round
            except Exception:  # the database was closed: this application is gone
                log.debug("spec refresher stops", exc_info=True)
                return

    threading.Thread(target=run, name="spec-refresher", daemon=True).start()
