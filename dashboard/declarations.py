"""What plugins declare: gadgets, their typed preferences, and the service providers they need.

Plain data with validation and no application imports, so plugins can build these freely and the
core can check them before anything is served. Every check raises ``DeclarationError`` with a
reason a plugin author can act on.

Built anywhere else, an invalid ``Gadget``, ``Pref`` or ``Provider`` raises at once. Built while the core is
collecting a hook's declarations (``collecting()``), it records its error instead (``.error``), so that one bad
``Gadget(...)`` in a hook's list does not raise out of the hook and take the plugin's other declarations with it:
the core reports it by plugin and id and loads the rest.
"""
from __future__ import annotations

import contextvars
import functools
import math
import re
from contextlib import contextmanager
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any, Callable, Optional
from urllib.parse import unquote, urlsplit

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
PREF_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
PREF_TYPES = ("string", "bool", "enum", "list", "number", "hidden")
PROVIDER_KINDS = ("oauth1", "oauth2", "trusted", "none")
#: How a gadget's data is kept between loads: for each user apart, for every user alike, or not at all.
CACHE_MODES = ("user", "shared", "none")
MAX_STRING = 4000
MAX_LIST_ITEMS = 100


class DeclarationError(ValueError):
    """A plugin declared something the core cannot use; the message says what and why."""


class PrefError(ValueError):
    """A user-supplied preference value does not fit its declared type."""


def _need(cond, message):
    if not cond:
        raise DeclarationError(message)


_collecting = contextvars.ContextVar("dashboard_collecting_declarations", default=False)


@contextmanager
def collecting():
    """While the core calls a declaration hook: invalid declarations record their error instead of raising."""
    token = _collecting.set(True)
    try:
        yield
    finally:
        _collecting.reset(token)


def _recording(what):
    """Class decorator (after ``@dataclass``): validation by ``_validate()``; inside ``collecting()`` an invalid
    declaration (unknown or missing fields included) records its ``DeclarationError`` as ``.error`` instead of raising.
    """
    def decorate(cls):
        init = cls.__init__

        key = "name" if what == "preference" else "id"

        @functools.wraps(init)
        def __init__(self, *args, **kwargs):
            self.error = None
            try:
                init(self, *args, **kwargs)
            except TypeError as exc:  # an unknown, missing or repeated field
                if not _collecting.get():
                    raise
                for f in fields(cls):  # an object the core can name and drop
                    setattr(self, f.name, f.default_factory() if f.default_factory is not MISSING else
                            (None if f.default is MISSING else f.default))
                setattr(self, key, kwargs.get(key, args[0] if args else None))
                self.error = DeclarationError(f"{what} {getattr(self, key)!r}: {str(exc).split('() ', 1)[-1]}")
                return
            try:
                self._validate()
            except Exception as exc:
                if not isinstance(exc, DeclarationError):  # validation tripped over a value of the wrong type
                    exc = DeclarationError(f"{what} {getattr(self, key, None)!r}: {type(exc).__name__}: {exc}")
                if not _collecting.get():
                    raise exc from None
                self.error = exc

        def check(self):
            """Validate (again: a dataclass may be changed after it was built); raise ``DeclarationError``."""
            if self.error is not None:
                raise self.error
            self._validate()
            return self

        cls.__init__, cls.check = __init__, check
        return cls

    return decorate


def _http_url(value, what):
    parts = urlsplit(value) if isinstance(value, str) else None
    _need(parts is not None and parts.scheme in ("http", "https") and parts.hostname,
          f"{what} must be an absolute http(s) URL, got {value!r}")


@_recording("preference")
@dataclass
class Pref:
    """One typed user preference of a gadget."""

    name: str
    type: str = "string"
    display_name: str = ""
    default: Any = None
    required: bool = False
    #: enum: the allowed values, as values or (value, label) pairs.
    options: list = field(default_factory=list)
    #: number: optional bounds.
    min: Optional[float] = None
    max: Optional[float] = None
    max_length: int = MAX_STRING

    def _validate(self):
        _need(isinstance(self.name, str) and PREF_NAME_RE.match(self.name),
              f"preference name {self.name!r} must be a letter or _ followed by letters, digits or _")
        _need(self.type in PREF_TYPES, f"preference {self.name!r}: type {self.type!r} is not one of {', '.join(PREF_TYPES)}")
        self.display_name = self.display_name or self.name.replace("_", " ").capitalize()
        opts = []
        for opt in self.options:
            value, label = (opt if isinstance(opt, (tuple, list)) else (opt, opt))
            opts.append((str(value), str(label)))
        self.options = opts
        if self.type == "enum":
            _need(self.options, f"preference {self.name!r}: an enum needs options")
        if self.default is None:
            self.default = {"bool": False, "list": [], "number": None,
                            "enum": self.options[0][0] if self.options else ""}.get(self.type, "")
        else:
            try:
                self.default = self.parse(self.default)
            except PrefError as exc:
                raise DeclarationError(f"preference {self.name!r}: default is invalid: {exc}") from None

    def parse(self, raw):
        """Return ``raw`` (from JSON or a form) as this preference's type, or raise ``PrefError``."""
        label = self.display_name
        if self.type in ("string", "hidden"):
            if not isinstance(raw, str):
                raise PrefError(f"{label} must be text")
            if len(raw) > self.max_length:
                raise PrefError(f"{label} is too long ({len(raw)} characters, at most {self.max_length})")
            if self.required and not raw.strip():
                raise PrefError(f"{label} is required")
            return raw
        if self.type == "bool":
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and raw.lower() in ("true", "on", "1", "yes", "false", "off", "0", "no", ""):
                return raw.lower() in ("true", "on", "1", "yes")
            raise PrefError(f"{label} must be true or false")
        if self.type == "enum":
            if not isinstance(raw, str) or raw not in {v for v, _ in self.options}:
                allowed = ", ".join(v for v, _ in self.options)
                raise PrefError(f"{label} must be one of: {allowed}")
            return raw
        if self.type == "list":
            if isinstance(raw, str):  # forms and OpenSocial separate list items with '|'
                raw = [item for item in raw.split("|") if item.strip()]
            if not isinstance(raw, list) or not all(isinstance(i, str) for i in raw):
                raise PrefError(f"{label} must be a list of text items")
            if len(raw) > MAX_LIST_ITEMS or sum(map(len, raw)) > self.max_length:
                raise PrefError(f"{label} has too many items (at most {MAX_LIST_ITEMS})")
            if self.required and not raw:
                raise PrefError(f"{label} is required")
            return raw
        # number
        if isinstance(raw, str):
            if not raw.strip():
                if self.required:
                    raise PrefError(f"{label} is required")
                return None
            try:
                raw = float(raw) if any(c in raw for c in ".eE") else int(raw)
            except ValueError:
                raise PrefError(f"{label} must be a number") from None
        if raw is None and not self.required:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            raise PrefError(f"{label} must be a number")
        if self.min is not None and raw < self.min:
            raise PrefError(f"{label} must be at least {self.min:g}")
        if self.max is not None and raw > self.max:
            raise PrefError(f"{label} must be at most {self.max:g}")
        return raw

    def as_json(self):
        return {"name": self.name, "type": self.type, "display_name": self.display_name,
                "default": self.default, "required": self.required,
                "options": [{"value": v, "label": l} for v, l in self.options],
                "min": self.min, "max": self.max}


THUMBNAIL_TYPES = {"svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                   "gif": "image/gif", "webp": "image/webp"}


def is_asset_spec(value):
    """``package:path`` (a file inside an installed package), as opposed to a URL."""
    head, sep, tail = value.partition(":")
    return bool(sep) and "/" not in head and not tail.startswith("//") and head not in ("data", "http", "https")


@_recording("gadget")
@dataclass
class Gadget:
    """A gadget a plugin provides. Give ``template`` (a Jinja2 asset spec) or ``render`` (a callable).

    ``render(ctx)`` returns HTML; ``data(ctx)`` returns a dict given to the template as ``data``.
    """

    id: str
    title: str
    description: str = ""
    category: str = "Other"
    author: str = ""
    #: URL (https or data:) or ``package:path`` asset spec of a thumbnail image (svg, png, jpeg, gif or webp)
    #: shown in the directory; an asset is served by the core at /gadgets/<id>/thumbnail.
    thumbnail: str = ""
    title_url: str = ""
    prefs: list = field(default_factory=list)
    template: Optional[str] = None
    #: Optional: the larger template Maximize shows (OpenSocial's canvas view; ``ctx.view`` is "canvas" there).
    #: Without it, Maximize shows ``template`` (or ``render``) in the larger frame.
    canvas_template: Optional[str] = None
    render: Optional[Callable] = None
    data: Optional[Callable] = None
    #: The id of the service provider this gadget needs, or None.
    provider: Optional[str] = None
    scopes: list = field(default_factory=list)
    #: Seconds between automatic refreshes; 0 means never. Also how long its data is kept (see ``cache``).
    refresh: int = 0
    #: How its data (``data``'s result, its proxy answers) is kept for ``refresh`` seconds: "user" (for each user
    #: and account apart), "shared" (one copy for every user with the same preferences; public data only, never
    #: with a provider) or "none" (the default: only the plugin knows whether its data depends on nothing else,
    #: such as the clock, the instance's state or a token revoked since).
    cache: str = "none"
    height: int = 200
    #: Filled in by the core: the plugin that declared it.
    plugin: str = ""

    def _validate(self):
        _need(isinstance(self.id, str) and ID_RE.match(self.id),
              f"gadget id {self.id!r} must be 1-64 lowercase letters, digits, '.', '_' or '-'")
        _need(isinstance(self.title, str) and self.title.strip(), f"gadget {self.id!r} needs a title")
        for name in ("description", "category", "author", "thumbnail", "title_url"):
            _need(isinstance(getattr(self, name), str), f"gadget {self.id!r}: {name} must be text")
        self.category = self.category or "Other"
        if self.title_url:
            _http_url(self.title_url, f"gadget {self.id!r}: title_url")
        if self.thumbnail and is_asset_spec(self.thumbnail):
            _need(self.thumbnail.rsplit(".", 1)[-1].lower() in THUMBNAIL_TYPES,
                  f"gadget {self.id!r}: thumbnail must be one of {', '.join(sorted(THUMBNAIL_TYPES))}")
        _need(self.template or self.render, f"gadget {self.id!r} needs a template or a render callable")
        for name in ("template", "canvas_template"):
            value = getattr(self, name)
            _need(value is None or (isinstance(value, str) and ":" in value),
                  f"gadget {self.id!r}: {name} must be an asset spec such as 'mypackage:templates/x.jinja2'")
        for name in ("render", "data"):
            _need(getattr(self, name) is None or callable(getattr(self, name)), f"gadget {self.id!r}: {name} must be callable")
        _need(isinstance(self.prefs, (list, tuple)), f"gadget {self.id!r}: prefs must be a list")
        prefs = []
        for p in self.prefs:
            try:
                prefs.append(p.check() if isinstance(p, Pref) else
                             Pref(**_fields(p, Pref, f"gadget {self.id!r} preference")).check())
            except TypeError as exc:
                raise DeclarationError(f"gadget {self.id!r} preference: {exc}") from None
            except DeclarationError as exc:
                raise DeclarationError(f"gadget {self.id!r}: {exc}") from None
        names = [p.name for p in prefs]
        _need(len(names) == len(set(names)), f"gadget {self.id!r} declares a preference twice")
        self.prefs = prefs
        _need(self.provider is None or (isinstance(self.provider, str) and ID_RE.match(self.provider)),
              f"gadget {self.id!r}: provider must be a provider id or None")
        _need(isinstance(self.scopes, (list, tuple)) and all(isinstance(s, str) for s in self.scopes),
              f"gadget {self.id!r}: scopes must be a list of text")
        self.scopes = list(self.scopes)
        _need(not self.scopes or self.provider, f"gadget {self.id!r} declares scopes but no provider")
        _need(isinstance(self.refresh, int) and self.refresh >= 0, f"gadget {self.id!r}: refresh must be whole seconds >= 0")
        _need(isinstance(self.height, int) and 20 <= self.height <= 2000, f"gadget {self.id!r}: height must be 20-2000 pixels")
        _need(self.cache in CACHE_MODES, f"gadget {self.id!r}: cache {self.cache!r} is not one of {', '.join(CACHE_MODES)}")
        _need(not (self.provider and self.cache == "shared"),
              f"gadget {self.id!r}: cache 'shared' would show one user's {self.provider} data to others; "
              f"a gadget with a provider caches per 'user' or 'none'")

    def pref(self, name):
        return next((p for p in self.prefs if p.name == name), None)

    def default_prefs(self):
        return {p.name: p.default for p in self.prefs}

    def as_json(self):
        return {"id": self.id, "title": self.title, "description": self.description, "category": self.category,
                "author": self.author, "thumbnail": self.thumbnail, "title_url": self.title_url,
                "prefs": [p.as_json() for p in self.prefs], "provider": self.provider, "scopes": self.scopes,
                "refresh": self.refresh, "cache": self.cache, "height": self.height, "plugin": self.plugin}


@_recording("provider")
@dataclass
class Provider:
    """A service provider whose data a plugin's gadgets need; pending until an administrator approves it."""

    id: str
    name: str
    kind: str = "none"
    description: str = ""
    #: oauth1: request_token, authorize, access_token; oauth2: authorize, token, revoke (optional).
    endpoints: dict = field(default_factory=dict)
    signature_method: str = "HMAC-SHA1"
    #: oauth1: where the OAuth parameters go: "header", "query" or "body".
    signature_location: str = "header"
    scopes: list = field(default_factory=list)
    #: The base URLs that requests made with these credentials may reach.
    base_urls: list = field(default_factory=list)
    #: Optional: a URL (within base_urls) answering JSON that names the connected account
    #: (its first field among login, username, name, email, displayName).
    account_url: str = ""
    #: A provider whose server an administrator chooses (Jira, Confluence, GitHub Enterprise): ``server_url`` is the
    #: default (say, from an environment variable), and ``server_urls(url)`` returns the ``endpoints``,
    #: ``base_urls`` and ``account_url`` for a server at ``url``. The administrator sets it on Service Providers;
    #: changing it needs a new approval, and accounts connected at the old server must be connected again.
    server_url: str = ""
    server_urls: Optional[Callable] = None
    plugin: str = ""

    SERVER_FIELDS = ("endpoints", "base_urls", "account_url")
    ENDPOINTS = {"oauth1": ("request_token", "authorize", "access_token"),
                 "oauth2": ("authorize", "token"), "trusted": (), "none": ()}

    def _validate(self):
        _need(isinstance(self.id, str) and ID_RE.match(self.id),
              f"provider id {self.id!r} must be 1-64 lowercase letters, digits, '.', '_' or '-'")
        _need(isinstance(self.name, str) and self.name.strip(), f"provider {self.id!r} needs a name")
        _need(self.kind in PROVIDER_KINDS, f"provider {self.id!r}: kind {self.kind!r} is not one of {', '.join(PROVIDER_KINDS)}")
        _need(isinstance(self.endpoints, dict), f"provider {self.id!r}: endpoints must be a mapping")
        for name in self.ENDPOINTS[self.kind]:
            _need(name in self.endpoints, f"provider {self.id!r}: a {self.kind} provider needs the {name!r} endpoint")
        for name, url in self.endpoints.items():
            _http_url(url, f"provider {self.id!r}: endpoint {name!r}")
        _need(self.signature_method in ("HMAC-SHA1", "RSA-SHA1"),
              f"provider {self.id!r}: signature_method must be HMAC-SHA1 or RSA-SHA1")
        _need(self.signature_location in ("header", "query", "body"),
              f"provider {self.id!r}: signature_location must be header, query or body")
        _need(isinstance(self.base_urls, (list, tuple)), f"provider {self.id!r}: base_urls must be a list")
        for url in self.base_urls:
            _http_url(url, f"provider {self.id!r}: base URL")
        self.base_urls = list(self.base_urls)
        self.scopes = list(self.scopes)
        if self.account_url:
            _http_url(self.account_url, f"provider {self.id!r}: account_url")
            _need(self.allows(self.account_url), f"provider {self.id!r}: account_url must be within base_urls")
        if self.server_urls is not None:
            _need(callable(self.server_urls), f"provider {self.id!r}: server_urls must be a function of the server URL")
            _http_url(self.server_url, f"provider {self.id!r}: server_url")

    def at_server(self, url):
        """This provider with its server at ``url`` (its URLs from ``server_urls``), validated; raises
        DeclarationError (a ValueError) when the URLs it gives are not valid."""
        urls = self.server_urls(url)
        _need(isinstance(urls, dict) and set(urls) <= set(self.SERVER_FIELDS),
              f"provider {self.id!r}: server_urls must return a dict of {', '.join(self.SERVER_FIELDS)}")
        moved = replace(self, server_url=url, **urls)
        moved._validate()
        return moved

    def allows(self, url):
        """True when ``url`` lies within one of the declared base URLs (same scheme, host, port, path prefix), however
        the server at the other end reads its path: as sent, and percent-decoded once or more (``%2e%2e/``,
        ``..%2f``, ``%252e%252e/``), with ``\\`` as a separator and ``;parameters`` dropped (``..;/``), dot segments
        resolved. Every reading must stay within the base."""
        target = urlsplit(url)
        readings = _path_readings(target.path)
        for base in self.base_urls:
            b = urlsplit(base)
            prefix = b.path if b.path.endswith("/") else b.path + "/"
            if (target.scheme, target.netloc.lower()) == (b.scheme, b.netloc.lower()) and readings and \
                    all((path + "/").startswith(prefix) for path in readings):
                return True
        return False

    def as_json(self):
        return {"id": self.id, "name": self.name, "kind": self.kind, "description": self.description,
                "endpoints": dict(self.endpoints), "signature_method": self.signature_method,
                "signature_location": self.signature_location, "scopes": self.scopes,
                "base_urls": self.base_urls, "account_url": self.account_url, "plugin": self.plugin}


def _path_readings(path, decodings=3):
    """``path`` with dot segments resolved as sent and after each further percent-decoding; [] when it still
    changes after ``decodings`` (no server decodes that often, so nothing is allowed)."""
    readings = [_resolved(path)]
    for _ in range(decodings):
        decoded = unquote(path)
        if decoded == path:
            return readings
        path = decoded
        readings.append(_resolved(path))
    return []


def _resolved(path):
    """``path`` with its dot segments resolved (RFC 3986 5.2.4) as lenient servers read them: ``\\`` separates
    segments too, and a segment's ``;parameters`` do not hide a ``..`` (Tomcat, Jetty)."""
    out = []
    for segment in path.replace("\\", "/").split("/"):
        name = segment.split(";", 1)[0]
        if name == "..":
            if len(out) > 1:
                out.pop()
        elif name != ".":
            out.append(segment)
    return "/".join(out)


def _fields(value, cls, what):
    if not isinstance(value, dict):
        raise DeclarationError(f"{what} must be a {cls.__name__} or a dict, got {type(value).__name__}")
    unknown = set(value) - set(cls.__dataclass_fields__)
    _need(not unknown, f"{what} has unknown fields: {', '.join(sorted(unknown))}")
    return value


def coerce(value, cls, what):
    """Return ``value`` as an instance of ``cls`` (Gadget or Provider), or raise ``DeclarationError``."""
    if isinstance(value, cls):
        return value.check()  # its recorded error, or validated again: a dataclass can be changed once built
    try:
        return cls(**_fields(value, cls, what)).check()
    except TypeError as exc:  # missing required fields
        raise DeclarationError(f"{what}: {exc}") from None
