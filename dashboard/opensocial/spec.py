"""Gadgets defined by OpenSocial gadget spec files (as in iGoogle, Shindig and Atlassian dashboards).

Supported: ModulePrefs (title, title_url, description, author, thumbnail, screenshot, height, category; ``__UP_``
with the instance's preferences, ``for_instance``, and their defaults in the directory), UserPref (string, hidden,
bool, enum with EnumValue, list, number; default_value, required, display_name), Content of type html (several
blocks for one view are joined; views home/default/profile/dashboard, canvas and sub-views such as home.about) and
url, Require/Optional features (the units in features/; a spec that requires another is refused naming each),
message bundles (Locale/messagebundle, inline or external; a message with markup in it is HTML, as in Shindig) and
OAuth/Service declarations. Parsing uses defusedxml (no DTDs, no entities) with a size limit; every malformed spec
is refused with a reason.
"""
import copy
import dataclasses
import hashlib
import html
import ipaddress
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, quote, urljoin, urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..broker.fetch import with_query
from ..declarations import DeclarationError, Gadget, Pref, Provider
from . import features as feature_units

MAX_SPEC_BYTES = 256 * 1024
MAX_BUNDLE_BYTES = 64 * 1024
MAX_BUNDLES = 20
PREF_TYPES = {"string": "string", "hidden": "hidden", "bool": "bool", "enum": "enum", "list": "list",
              "number": "number"}
#: The views a gadget on the dashboard shows, in order of preference; canvas is what Maximize shows.
HOME_VIEWS = ("home", "default", "profile", "dashboard")
CANVAS_VIEWS = ("canvas", "full_page")
#: Velocity macros of Atlassian plugin sources that need the application's own resources (web resources, static
#: files): only the Atlassian application that serves the spec can expand them.
ATLASSIAN_RESOURCE_MACROS = re.compile(
    r"#(requireResource|requireContext|includeResources|staticResourceUrl)\b")
# The macros this container expands as Atlassian's gadget renderer does, given the application's base URL. Followed:
# atlassian-gadgets' com.atlassian.gadgets.publisher.internal.impl.GadgetProcessorImpl (its current build), whose
# process() replaces every __ATLASSIAN_BASE_URL__ with the base URL as it is (processAtlassianBaseUrl), then the first
# #supportedLocales("prefixes") with a Locale element for new Locale("") and one for each locale the application
# supports (processGetSupportedLocales, createLocaleElement), then the first #oauth with the application's OAuth
# service (processOAuth, createOAuthElement); later #supportedLocales and #oauth stay as text (AG-1129).
ATLASSIAN_BASE = "__ATLASSIAN_BASE_URL__"
#: Its pattern is #supportedLocales\("(([^"/\r\n]+,*)*)"\); the group is the same set of strings as [^"/\r\n]*
#: (the class holds the comma), written here without the nested repetition that backtracks exponentially.
ATLASSIAN_LOCALES = re.compile(r'#supportedLocales\("([^"/\r\n]*)"\)')
#: Its pattern is #oauth; the word boundary keeps a CSS id such as #oauthPanel of a spec that is no Atlassian
#: source as it is (every Atlassian source writes the macro alone).
ATLASSIAN_OAUTH_MACRO = re.compile(r"#oauth\b")
ATLASSIAN_MACROS = re.compile(f"{ATLASSIAN_OAUTH_MACRO.pattern}|{ATLASSIAN_LOCALES.pattern}|{ATLASSIAN_BASE}")
#: Where Atlassian applications serve gadget specs: what comes before is the application's base URL (with its
#: context path, such as /jira).
ATLASSIAN_SPEC_PATHS = re.compile(r"/(?:rest/gadgets/1\.0/g/|plugins/servlet/gadgets/|download/resources/)")
#: Where an Atlassian application serves its gadget specs expanded (its plugins' sources are under download/resources).
ATLASSIAN_GADGET_PATH = "/rest/gadgets/1.0/g/"
#: createOAuthElement(), character for character (the callback encoded by Uri.encodeUriComponent).
ATLASSIAN_OAUTH = ('<OAuth><Service><Access url="{0}/plugins/servlet/oauth/access-token" method="POST" />'
                   '<Request url="{0}/plugins/servlet/oauth/request-token" method="POST" />'
                   '<Authorization url="{0}/plugins/servlet/oauth/authorize?oauth_callback='
                   'http%3A%2F%2Foauth.gmodules.com%2Fgadgets%2Foauthcallback" /></Service></OAuth>')
#: The characters a base URL may have here: those of a URL that change neither the XML attribute (quotes, <, >, &)
#: nor the script string (quotes, backslash) nor the text (whitespace) Atlassian inserts it into unescaped.
ATLASSIAN_BASE_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$()*+,;=%]")


def java_url_encode(text):
    """java.net.URLEncoder.encode(text, "UTF-8"), which atlassian-gadgets' Uri.encodeUriComponent is: letters, digits
    and .-*_ as they are, a space as +, every other UTF-8 byte as %XX."""
    return "".join(c if c.isascii() and (c.isalnum() or c in ".-*_") else "+" if c == " " else
                   "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def atlassian_locale(base, prefixes, lang="", country=""):
    """createLocaleElement: the Locale element of one locale (none: the default bundle, "und") for the prefixes."""
    key = (lang.lower() + (f"_{country.upper()}" if country else "")) or "und"  # java.util.Locale.toString()
    return ("<Locale" + (f' lang="{html.escape(lang.lower())}"' if lang else "")
            + (f' country="{html.escape(country.upper())}"' if country else "")
            + f' messages="{base}/rest/gadgets/1.0/g/messagebundle/{java_url_encode(key)}/'
            f'{java_url_encode(prefixes)}"/>')


def atlassian_expansion(text, base, locales=()):
    """``text`` with __ATLASSIAN_BASE_URL__, the first #supportedLocales and the first #oauth expanded exactly as
    Atlassian's renderer does for an application at ``base`` that supports ``locales`` ((lang, country) pairs; a
    dashboard cannot list an application's, so it gives none: the default bundle only). The resource macros are left
    as they are (expand_atlassian refuses them)."""
    text = text.replace(ATLASSIAN_BASE, base)
    found = ATLASSIAN_LOCALES.search(text)
    if found:
        prefixes = found.group(1)
        elements = atlassian_locale(base, prefixes) + "".join(atlassian_locale(base, prefixes, *loc) for loc in locales)
        text = text[:found.start()] + elements + text[found.end():]
    found = ATLASSIAN_OAUTH_MACRO.search(text)
    if found:
        text = text[:found.start()] + ATLASSIAN_OAUTH.format(base) + text[found.end():]
    return text


def atlassian_base_url(url):
    """The base URL of the Atlassian application a spec URL comes from: the part before its gadget path, else its
    origin."""
    parts = urlsplit(url)
    found = ATLASSIAN_SPEC_PATHS.search(parts.path)
    return f"{parts.scheme}://{parts.netloc}" + (parts.path[:found.start()] if found else "")


def expand_atlassian(data, url):
    """An Atlassian plugin's spec source with ``#oauth`` (the application's OAuth 1.0a service),
    ``#supportedLocales("prefixes")`` (its message bundle for those prefixes) and ``__ATLASSIAN_BASE_URL__`` expanded
    as Atlassian's renderer does (atlassian_expansion), with the base URL of the application the spec comes from;
    SpecError naming a macro that needs the application's own resources, any of them in a spec file (no application
    to take them from), or a base URL that would change the markup or scripts it is inserted into."""
    text = data.decode("utf-8", "replace")
    resources = list(dict.fromkeys(m.group(0) for m in ATLASSIAN_RESOURCE_MACROS.finditer(text)))
    if resources:  # each one named
        also = f" (as do {', '.join(resources[1:])})" if len(resources) > 1 else ""
        if url and ATLASSIAN_GADGET_PATH in urlsplit(url).path:  # what an application serves there is expanded
            advice = (f"this URL is already an Atlassian gadget URL (…{ATLASSIAN_GADGET_PATH}…), where an Atlassian "
                      "application serves its gadget specs expanded, yet it answered with the plugin's source "
                      "unexpanded: what answers there does not expand them as an Atlassian application does")
        else:
            advice = ("an Atlassian application serves its gadget specs already expanded at its own gadget URL "
                      f"(…{ATLASSIAN_GADGET_PATH}…): add that URL")
        raise SpecError(f"the spec is an Atlassian plugin's source: {resources[0]} includes the Atlassian "
                        f"application's own resources{also}, which only it can expand; {advice}")
    macro = ATLASSIAN_MACROS.search(text)
    if macro is None:
        return data
    if not url:
        raise SpecError(f"the spec is an Atlassian plugin's source: {macro.group(0)} is expanded with the base URL of "
                        "the Atlassian application it comes from, which a spec file does not have; add it by URL")
    base = atlassian_base_url(url)
    unsafe = sorted(set(ATLASSIAN_BASE_UNSAFE.findall(base)))
    if unsafe:  # inserted as it is, as Atlassian does: never one that changes what surrounds it
        raise SpecError(f"the spec is an Atlassian plugin's source: {macro.group(0)} inserts the application's base "
                        f"URL {base!r} (taken from where the spec was fetched) into its markup and scripts as it is, "
                        f"as Atlassian does, and that base URL has {', '.join(map(repr, unsafe))}, which would change "
                        "the attribute or script around it; add the spec at a URL without them")
    return atlassian_expansion(text, base).encode()

SERVICE_ENDPOINTS = {"request_token": "Request", "authorize": "Authorization", "access_token": "Access"}
OAUTH2_ENDPOINTS = {"authorize": "Authorization", "token": "Token"}


def _services(module_prefs, tag):
    return [s for block in (module_prefs.findall(tag) if module_prefs is not None else []) for s in block.iter("Service")]


def _endpoints(service, wanted):
    """{endpoint: URL} when the Service gives every one of ``wanted`` (it declares the provider), else {}."""
    found = {key: el.get("url", "") for key, tag in wanted.items()
             for el in [service.find(tag)] if el is not None and el.get("url")}
    return found if set(found) == set(wanted) else {}


class SpecError(ValueError):
    """The spec cannot be used; the message says why."""


class HtmlMessage(str):
    """A bundle message with markup in it: HTML in content (as Shindig inserts it), its text elsewhere."""


def as_text(message):
    return html.unescape(re.sub(r"<[^>]*>", "", message)) if isinstance(message, HtmlMessage) else message


@dataclass
class Spec:
    title: str
    attrs: dict
    prefs: list
    contents: dict  # view name (lower case) -> ("html", text) or ("url", href)
    messages: dict = field(default_factory=dict)  # the default locale's (en, over ALL)
    services: list = field(default_factory=list)  # (service name, scopes, {endpoint: URL} or {}, oauth1 | oauth2)
    locales: dict = field(default_factory=dict)  # "de", "de-ch", "all", ... -> messages
    features: dict = field(default_factory=dict)  # supported features it asks for (Require, Optional) -> params
    url: str = None  # where the spec came from (relative URLs resolve against it); None for spec files
    #: https hosts (host or host:port) an administrator allowed this spec's scripts and styles to come from
    script_hosts: tuple = ()
    #: ModulePrefs attributes that use ``__UP_name__``, as written (messages substituted): each instance's own
    attr_templates: dict = field(default_factory=dict)

    def messages_for(self, accept_language):
        """The messages for the first language of an Accept-Language header this spec has, else the default."""
        for part in (accept_language or "").split(","):
            tag = part.split(";")[0].strip().lower()
            for key in (tag, tag.split("-")[0]):
                if key and key != "all" and key in self.locales:
                    return {**self.locales.get("all", {}), **self.locales[key]}
        return self.messages

    @staticmethod
    def language(accept_language):
        """(lang, country) of the reader's first language (gadgets.Prefs.getLang/getCountry): en and ALL without one."""
        tag = (accept_language or "").split(",")[0].split(";")[0].strip()
        lang, _, country = tag.partition("-")
        return (lang.lower() if re.fullmatch(r"[A-Za-z]{2,8}", lang) else "en",
                country.upper() if re.fullmatch(r"[A-Za-z]{2}|[0-9]{3}", country) else "ALL")

    @staticmethod
    def module_id(instance_id):
        """The instance's integer module id (``__MODULE_ID__``): stable, below 2**48, never 0."""
        return int.from_bytes(hashlib.sha256(instance_id.encode()).digest()[:6], "big") or 1

    def view_of(self, ctx):
        """The view to show: a sub-view (home.about) or view the spec has when the frame asks for it, else home
        on the dashboard and canvas when maximized."""
        wanted = (ctx.request.params.get("view") or "").lower()
        if wanted in self.contents:  # set by gadgets.views.requestNavigateTo within the frame's place
            return wanted
        return "canvas" if ctx.view == "canvas" else "home"

    def content_for(self, view):
        """The Content for a view: its own, else its parent's (home.about: home), else its aliases', else any."""
        top = view.split(".")[0]
        chain = [view, top] + list(CANVAS_VIEWS if top in CANVAS_VIEWS else ()) + list(HOME_VIEWS)
        return next((self.contents[v] for v in chain if v in self.contents), next(iter(self.contents.values())))

    def feature_params(self):
        """Every name of the features it asks for, and of those always present -> the spec's Param values."""
        table, result = feature_units.by_name(), {}
        for feature in feature_units.features().values():
            if feature.default:
                result.update(dict.fromkeys(feature.names, {}))
        for name, params in self.features.items():
            result.update({alias: params for alias in table[name].names})
        return result

    def resolved(self, text, base=None):
        """Relative URLs in src, href and action attributes resolved against the spec's URL (or ``base``: proxied
        content's own URL), what a ``<base>`` would do without changing where this frame's own requests go."""
        base = base or self.url
        if not base:
            return text
        return RELATIVE_ATTR.sub(lambda m: m.group(1) + m.group(2) + html.escape(urljoin(base, html.unescape(
            m.group(3)))) + m.group(2), text)

    def frame_sources(self):
        """What this spec's frame CSP adds to every frame's: {directive: [sources]}. The hosts an administrator
        allowed (https only) for its scripts, styles and frames, and the origin of each ``Content type="url"`` shown
        in a nested frame."""
        hosts = [f"https://{h}" for h in self.script_hosts]
        frames = list(dict.fromkeys([_origin(v) for k, v in self.contents.values() if k == "url"] + hosts))
        return {name: sources for name, sources in (("script-src", hosts), ("style-src", hosts),
                                                    ("frame-src", frames)) if sources}


def _origin(url):
    """scheme://host[:port], built from the parsed host and port (never the URL's own text, which goes into a
    frame's Content-Security-Policy: a ';' or a space there would add directives)."""
    parts = urlsplit(url)
    host = parts.hostname
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


#: A host name as DNS has them (letters, digits, hyphens, dots), or an IP address.
_HOST_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$")


def _valid_host(host):
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOST_NAME.match(host))


def _script_host(url):
    """The host[:port] an https script or style URL comes from, as administrators allow them (None for http)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return None
    return parts.netloc.lower().removesuffix(":443")


def blocked_resources(text, base, script_hosts):
    """The URLs of the scripts and stylesheets ``text`` loads from elsewhere than the hosts allowed for it."""
    allowed = {h.lower().removesuffix(":443") for h in script_hosts}
    found = [urljoin(base or "", html.unescape(where)) for _, where in EXTERNAL_RESOURCE.findall(text)
             if not where.startswith("__")]
    return list(dict.fromkeys(u for u in found if _script_host(u) not in allowed))


def blocked_frames(text, base, script_hosts):
    """The URLs ``text`` shows in a frame from elsewhere than the hosts allowed for it: the src of each ``<iframe>``
    or ``<frame>`` in its markup (also one a script writes as markup), and each absolute URL written in a script that
    creates a frame element (a framed URL is built from one, as the calculoid gadget's
    ``'https://api.calculoid.com/iframe/calculator/' + id``). A frame CSP lets a frame show only the origins of its
    ``Content type="url"`` and the hosts allowed for it, so each of these would be blocked in the browser."""
    allowed = {h.lower().removesuffix(":443") for h in script_hosts}
    found = FRAME_SOURCE.findall(text)
    for script in SCRIPT_BODY.findall(text):
        if BUILDS_FRAME.search(script):
            found += SCRIPT_URL.findall(script)
    urls = [urljoin(base or "", html.unescape(where)) for where in found
            if not where.startswith("__") and not re.match(r"(?:about|javascript|data|blob):", where, re.I)]
    return list(dict.fromkeys(u for u in urls if _script_host(u) not in allowed))


def blocked_reason(blocked, frames=()):
    """Why content is refused: the scripts and stylesheets (``blocked``) and the frames (``frames``) it loads from
    elsewhere than the hosts allowed for it, each named, and what an administrator can do."""
    parts = ([f"loads scripts or stylesheets from {', '.join(blocked)}"] if blocked else []) + (
        [f"shows {', '.join(frames)} in a frame"] if frames else [])
    urls = list(blocked) + list(frames)
    hosts = sorted({h for h in map(_script_host, urls) if h})
    never = " an http or relative address can never be allowed" if not all(map(_script_host, urls)) else ""
    advice = f" (for this one: {', '.join(hosts)}{';' if never else ''}{never})" if hosts else f" ({never.strip()})"
    return (f"the spec {' and '.join(parts)}, which gadget frames block (they run only the spec's own inline code and "
            "styles, and scripts, styles and frames from the https hosts an administrator allows for a spec URL on "
            f"Gadget specs{advice})")


def missing_api_reason(missing):
    by_feature = {}
    for api, feature in missing:
        by_feature.setdefault(feature, []).append(api)
    return "the spec's script uses APIs this container does not provide: " + "; ".join(
        f"{', '.join(apis[:3])}{' …' if len(apis) > 3 else ''} ({feature})" for feature, apis in by_feature.items())


RELATIVE_ATTR = re.compile(r"(\s(?:src|href|action|background|poster)\s*=\s*)([\"'])"
                           r"(?![a-zA-Z][a-zA-Z0-9+.-]*:|#)([^\"'<>]+)\2", re.I)
EXTERNAL_RESOURCE = re.compile(r"<(script|link)\b[^>]*?\s(?:src|href)\s*=\s*[\"']?([^\"'\s>]+)", re.I)
FRAME_SOURCE = re.compile(r"<i?frame\b[^>]*?\ssrc\s*=\s*[\"']?([^\"'\s>]+)", re.I)
SCRIPT_BODY = re.compile(r"<script\b[^>]*>(.*?)</script\s*>", re.I | re.S)
BUILDS_FRAME = re.compile(r"createElement\s*\(\s*[\"'`]i?frame[\"'`]\s*\)", re.I)
SCRIPT_URL = re.compile(r"[\"'`]((?:https?:)?//[^\"'`\s<>\\]+)", re.I)


def _xml(data, what, limit):
    if len(data) > limit:
        raise SpecError(f"the {what} is larger than {limit // 1024} KiB")
    data = data.lstrip(b"\xef\xbb\xbf").lstrip()  # real files have a BOM or blank lines before the declaration
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SpecError(f"the {what} uses a DTD or entities, which are refused ({type(exc).__name__})") from None
    except ParseError as exc:
        raise SpecError(f"the {what} is not well-formed XML: {exc}") from None


def _message(msg):
    if len(msg) == 0:
        return (msg.text or "").strip()
    try:
        inner = html.escape(msg.text or "", quote=False) + "".join(ET.tostring(child, encoding="unicode")
                                                                   for child in msg)
    except RecursionError:  # ElementTree writes an element by recursing into its children
        raise SpecError(f"the message {msg.get('name', '')!r} has markup nested too deeply") from None
    return HtmlMessage(inner.strip())


def _bundle_messages(element):
    return {msg.get("name", ""): _message(msg) for msg in element.iter("msg")}


def parse_bundle(data, href):
    """An external message bundle (``<messagebundle><msg name=...>``): name -> text."""
    root = _xml(data, f"message bundle {href}", MAX_BUNDLE_BYTES)
    if root.tag != "messagebundle":
        raise SpecError(f"the message bundle {href} must have the root element messagebundle, not {root.tag}")
    return _bundle_messages(root)


def _features(module_prefs):
    """{feature name: {param: value}} for the features the spec asks for that exist; SpecError naming every
    required one that does not."""
    found, missing = {}, []
    for element in (module_prefs if module_prefs is not None else []):
        if element.tag not in ("Require", "Optional"):
            continue
        names = [n for n in re.split(r"[\s,]+", element.get("feature") or "") if n]
        for name in names or ["(unnamed)"]:
            if feature_units.supported(name):
                found[name] = {p.get("name", ""): (p.text or "").strip() for p in element.findall("Param")}
            elif element.tag == "Require" and name not in missing:
                missing.append(name)
    if missing:
        raise SpecError(f"the spec requires features this container does not provide: {', '.join(missing)}")
    return found


def _http_href(content, url, what):
    """A Content's href, resolved against the spec's URL; SpecError unless it is a full http(s) URL."""
    href = urljoin(url or "", content.get("href", "").strip())
    try:
        parts = urlsplit(href)
        parts.port  # noqa: B018 (a malformed port raises)
    except ValueError:
        raise SpecError(f"{what} has a malformed href") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpecError(f"{what} needs an http(s) href" + ("" if url else " (a relative one needs a spec URL)"))
    if parts.username is not None or "@" in parts.netloc:
        raise SpecError(f"{what} has a user name or password in its href")
    if not _valid_host(parts.hostname) or any(c in href for c in " ;,'\"\\\t\r\n"):
        raise SpecError(f"{what} has an href that is not a plain http(s) address")
    return href


def _contents(root, url, script_hosts=()):
    contents = {}
    for content in root.findall("Content"):
        kind = content.get("type", "html").lower()
        views = [v.strip().lower() for v in content.get("view", "default").split(",") if v.strip()]
        if kind == "html" and content.get("href"):
            # proxied content: fetched server-side when the frame is shown (signed with authz="signed")
            kind = "signed" if content.get("authz", "").lower() == "signed" else "proxied"
            text = _http_href(content, url, "proxied content (Content type html with an href)")
        elif kind == "html":
            text = content.text or ""
            blocked, frames = blocked_resources(text, url, script_hosts), blocked_frames(text, url, script_hosts)
            if blocked or frames:
                raise SpecError(blocked_reason(blocked, frames))
        elif kind == "url":
            text = _http_href(content, url, "Content of type url")
        else:
            raise SpecError(f"Content type {kind!r} is not supported (html or url)")
        for view in views:
            old = contents.get(view)
            if old is None:
                contents[view] = (kind, text)
            elif old[0] == kind == "html":
                contents[view] = ("html", old[1] + text)  # several Content blocks of a view are joined, in order
            else:
                raise SpecError(f"the view {view} has a Content of type url or with an href and another Content")
    if not contents:
        raise SpecError("the spec has no Content")
    return contents


def parse_spec(data, load_bundle=None, url=None, name=None, script_hosts=()):
    """Return a ``Spec`` from spec bytes, or raise ``SpecError`` with the reason.

    ``load_bundle(href)`` returns the bytes of an external message bundle (``<Locale messages="href">``) or raises
    ``SpecError``; without it, a spec that has one is refused. ``url`` is where the spec came from, ``name`` its file's
    name (an untitled spec is named after either). ``script_hosts``: the https hosts an administrator allowed its
    scripts and styles to come from.
    """
    root = _xml(data, "spec", MAX_SPEC_BYTES)
    if root.tag != "Module":
        raise SpecError(f"the root element must be Module, not {root.tag}")
    expanded = expand_atlassian(data, url)
    if expanded is not data:
        root = _xml(expanded, "spec", MAX_SPEC_BYTES * 2)  # the expansion adds a few hundred bytes per macro
    module_prefs = root.find("ModulePrefs")
    attrs = dict(module_prefs.attrib) if module_prefs is not None else {}
    if not attrs.get("title", "").strip():  # optional in the spec: named after its file or URL
        attrs["title"] = name or re.sub(r"\.xml$", "", urlsplit(url or "").path.rstrip("/").rsplit("/", 1)[-1]) or "Untitled gadget"
    features = _features(module_prefs)
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
    for service in _services(module_prefs, "OAuth"):
        # Scopes, as Atlassian's and Google's gadgets give them, in the Authorization URL's scope parameter.
        auth = service.find("Authorization")
        query = parse_qs(urlsplit(auth.get("url", "")).query) if auth is not None else {}
        scopes = [s for value in query.get("scope", []) for s in re.split(r"[ ,]+", value) if s]
        # With all three OAuth 1.0a endpoints (as Shindig's specs give them) the spec declares the service itself;
        # otherwise the name refers to a provider a plugin declares, and the endpoints given are not used.
        services.append((service.get("name", ""), scopes, _endpoints(service, SERVICE_ENDPOINTS), "oauth1"))
    for service in _services(module_prefs, "OAuth2"):
        # OAuth 2.0 (as Shindig's OAuth2 specs): scopes in the scope attribute; with Authorization and Token
        # endpoints the spec declares an OAuth 2.0 provider (authorization code with PKCE), else it names one
        scopes = [s for s in re.split(r"[ ,]+", service.get("scope", "")) if s]
        services.append((service.get("name", ""), scopes, _endpoints(service, OAUTH2_ENDPOINTS), "oauth2"))
    if len(services) > 1:
        raise SpecError("a spec may declare one OAuth service (the provider it needs)")
    prefs = []
    for up in root.findall("UserPref"):
        kind = PREF_TYPES.get(up.get("datatype", "string"))
        if kind is None:
            raise SpecError(f"UserPref {up.get('name')!r} has an unknown datatype {up.get('datatype')!r}")
        options = [(e.get("value", ""), _msg(e.get("display_value", e.get("value", "")), messages))
                   for e in up.findall("EnumValue")]
        default = up.get("default_value")
        # required with no default: the gadget asks its user (as containers do); offered with the value empty
        required = up.get("required", "false").lower() == "true" and (default not in (None, "") or kind == "bool")
        if kind == "bool" and default is not None:
            default = default.lower() == "true"
        try:
            prefs.append(Pref(up.get("name", ""), kind, _msg(up.get("display_name", ""), messages), default=default,
                              required=required, options=options))
        except DeclarationError as exc:
            raise SpecError(str(exc)) from None
    # ModulePrefs attributes may use __UP_name__: the preferences' defaults here (a directory entry has no instance),
    # each instance's own values where an instance is shown (for_instance)
    attr_templates = {k: _msg(v, messages) for k, v in attrs.items()}
    defaults = {p.name: p.default for p in prefs}
    attrs = {k: _attr_value(k, v, defaults) for k, v in attr_templates.items()}
    contents = _contents(root, url, script_hosts)
    used, missing = feature_units.api_features("\n".join(v for k, v in contents.values() if k == "html"))
    if missing:
        raise SpecError(missing_api_reason(missing))
    for name in used - set(features):  # used without asking for it: given anyway, as containers did
        features.setdefault(name, {})
    return Spec(attrs["title"], attrs, prefs, contents, messages, services, locales, features, url,
                tuple(script_hosts), {k: v for k, v in attr_templates.items() if "__UP_" in v})


#: ModulePrefs attributes that are URLs (a title links to title_url; thumbnail and screenshot are images).
URL_ATTRS = ("title_url", "thumbnail", "screenshot")


def _attr_value(name, template, prefs):
    """A ModulePrefs attribute with ``__UP_name__`` substituted, escaped for where it appears: in a URL attribute a
    value inside the URL is percent-encoded (a value that is the whole attribute is taken as the URL it gives), and the
    result is used only if it is an absolute http(s) URL; in text attributes the value is text (the pages escape it
    as they show it)."""
    if name not in URL_ATTRS:
        return _up(template, prefs, escape=False)
    whole = re.fullmatch(r"\s*__UP_([A-Za-z0-9_]+)__\s*", template)
    value = _up(template, prefs, escape=False) if whole else _up(template, prefs, escape=partial(quote, safe=""))
    if "__UP_" not in template:
        return value
    try:
        parts = urlsplit(value.strip())
        ok = parts.scheme in ("http", "https") and parts.hostname and _valid_host(parts.hostname)
    except ValueError:
        ok = False
    return value.strip() if ok and not any(c in value.strip() for c in " \t\r\n\"'<>\\") else ""


def for_instance(gadget, instance):
    """The gadget as one instance of it is shown (its title, title link and other ModulePrefs attributes): a spec
    gadget whose ModulePrefs attributes use ``__UP_name__`` gets the instance's preference values there; any other
    gadget is itself."""
    templates = getattr(gadget, "attr_templates", None)
    if not templates or instance is None:
        return gadget
    prefs = {**gadget.default_prefs(), **instance.prefs}
    shown = copy.copy(gadget)
    for name, template in templates.items():
        value = _attr_value(name, template, prefs)
        if name == "title":
            shown.title = value.strip() or gadget.title
        elif name in ("title_url", "thumbnail", "description", "author"):
            setattr(shown, name, value)
    return shown


def _msg(text, messages):
    """``__MSG_name__`` in text (titles, labels): a message's text, its markup left out."""
    return re.sub(r"__MSG_([A-Za-z0-9_.-]+)__", lambda m: as_text(messages.get(m.group(1), m.group(0))), text or "")


def _up(text, prefs, escape=True):
    """``__UP_name__`` in text: the preference's value, HTML-escaped (``escape``: False for none, or a function)."""
    escape = html.escape if escape is True else escape or (lambda v: v)

    def value(match):
        value = prefs.get(match.group(1), "")
        value = "|".join(value) if isinstance(value, list) else ("true" if value is True else
                                                                  "false" if value is False else value)
        return escape("" if value is None else str(value))
    return re.sub(r"__UP_([A-Za-z0-9_]+)__", value, text)


def substitute(text, prefs, module_id, messages):
    """``__UP_name__`` (HTML-escaped), ``__MODULE_ID__`` and ``__MSG_name__`` substitution in spec content: a
    message's text HTML-escaped, a message with markup as HTML (as Shindig does)."""
    text = _up(text, prefs).replace("__MODULE_ID__", str(module_id))
    return re.sub(r"__MSG_([A-Za-z0-9_.-]+)__", lambda m: (lambda v: v if isinstance(v, HtmlMessage) or v is None
                                                           else html.escape(v))(messages.get(m.group(1)))
                  or m.group(0), text)


def spec_provider(spec, plugin=""):
    """The provider a spec declares with its own endpoints (None when it names a plugin's provider).

    Its id carries a digest of the endpoints, so a spec that later points elsewhere declares a new provider that
    needs a new approval, instead of inheriting the old one's. An OAuth 1.0a one signs with RSA-SHA1 and this server's
    key pair, as Atlassian applications and other Gadget Dashboards expect; an OAuth 2.0 one (``<OAuth2>``) uses the
    authorization code with PKCE and the client the administrator registers when approving it. Either way its
    credentials reach only the origin of its first endpoint.
    """
    if not spec.services or not spec.services[0][2]:
        return None
    name, scopes, endpoints, kind = spec.services[0]
    order = SERVICE_ENDPOINTS if kind == "oauth1" else OAUTH2_ENDPOINTS
    digest = hashlib.sha256("|".join(endpoints[k] for k in order).encode()).hexdigest()[:10]
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")[:40] or "service"
    origin = urlsplit(endpoints[next(iter(order))])
    extra = {"signature_method": "RSA-SHA1"} if kind == "oauth1" else {}
    try:
        return Provider(id=f"spec-{slug}-{digest}", name=name or origin.netloc, kind=kind,
                        description=f"Declared by the gadget spec {spec.title!r}", endpoints=dict(endpoints),
                        scopes=list(scopes), base_urls=[f"{origin.scheme}://{origin.netloc}/"], plugin=plugin, **extra)
    except DeclarationError as exc:
        raise SpecError(str(exc)) from None


#: The largest ``gadgets.views.requestNavigateTo`` params a frame passes on (their JSON, in characters).
MAX_VIEW_PARAMS = 2048


def view_params(text):
    """The params a navigation passed (``view-params``) as compact JSON text of an object, or None when they are not
    an object's JSON or longer than ``MAX_VIEW_PARAMS``."""
    if not isinstance(text, str) or len(text) > MAX_VIEW_PARAMS:
        return None
    try:  # JSON as browsers parse it: NaN and Infinity (which Python's reader takes) would break the frame's JSON
        value = json.loads(text, parse_constant=_not_json)
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False) \
            if isinstance(value, dict) else None
    except (ValueError, RecursionError):
        return None


def _not_json(name):
    raise ValueError(f"{name} is not JSON")


def standard_params(spec, ctx, view):
    """The parameters a container gives a URL the gadget's content comes from (``Content type="url"`` and proxied
    content): each preference as ``up_name``, and OpenSocial's lang, country, view and mid."""
    lang, country = Spec.language(ctx.request.headers.get("Accept-Language"))
    params = {f"up_{k}": ("|".join(v) if isinstance(v, list) else "" if v is None else
                          "true" if v is True else "false" if v is False else str(v)) for k, v in ctx.prefs.items()}
    return {**params, "lang": lang, "country": country, "view": view, "mid": str(Spec.module_id(ctx.instance_id))}


#: What a nested frame of ``Content type="url"`` may do: the same as the gadget's own frame, never more.
URL_FRAME_SANDBOX = "allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox"


def _url_frame(spec, ctx, view, href):
    """``Content type="url"``: the page in a nested sandboxed frame (its origin is the only one the frame CSP adds),
    with the preferences and OpenSocial's parameters, and a link to open it in a tab of its own."""
    src = html.escape(with_query(href, standard_params(spec, ctx, view)))
    return (f'<iframe class="gadget-url" src="{src}" sandbox="{URL_FRAME_SANDBOX}" title="{html.escape(spec.title)}" '
            'referrerpolicy="no-referrer" style="display:block;border:0;width:100%;height:calc(100vh - 2.5em)">'
            f'</iframe><p class="gadget-url-link"><a href="{src}" target="_blank" rel="noopener noreferrer">'
            f"{html.escape(spec.title)}</a></p>")


def _proxied_content(spec, ctx, view, href, signed):
    """Proxied content (``Content type="html" href=...``): fetched server-side when shown, with the preferences and
    OpenSocial's parameters, under the SSRF rules and the administrator's allowed hosts, within the user's and the
    host's fetch slots and the deadline; signed (OpenSocial signed fetch, only to the spec's own host) with
    ``authz="signed"``. The HTML it answers is checked as inline Content is (scripts and styles from elsewhere, APIs
    this container lacks); (html, its URL) or FetchError with the reason, shown in the frame."""
    from ..broker import opensocial
    from ..broker.fetch import FetchError
    from ..broker.limits import limits_for

    url = with_query(href, standard_params(spec, ctx, view))
    services, limits = ctx.request.broker_services, limits_for(ctx.request.registry)
    try:
        with limits.slot(ctx.username, url):
            if signed:
                resp = opensocial.signed_fetch(services, ctx.username, ctx.instance_id, ctx.gadget, spec.url, url,
                                               deadline=limits.deadline, owner=ctx.owner_name)
            else:
                resp = opensocial.public_fetch(services, url, deadline=limits.deadline)
    except opensocial.RequestRefused as exc:
        raise FetchError(f"the gadget's content at {href} was not fetched: {exc}") from None
    if resp.status != 200:
        raise FetchError(f"the gadget's content at {href} answered with HTTP status {resp.status}")
    text = resp.text()
    blocked, frames = blocked_resources(text, href, spec.script_hosts), blocked_frames(text, href, spec.script_hosts)
    _, missing = feature_units.api_features(text)
    if blocked or frames or missing:
        raise FetchError(f"the gadget's content at {href} cannot be shown: "
                         + (blocked_reason(blocked, frames) if blocked or frames else missing_api_reason(missing)))
    return text, href


def gadget_from_spec(spec, gadget_id, source=""):
    """A ``Gadget`` that renders the spec's home view on the dashboard and its canvas view maximized, with the
    JavaScript of the features it asks for (and of those always present)."""
    names = tuple(sorted(spec.features))
    feature_units.javascript(names)  # a broken feature unit fails here, not in every frame

    def render(ctx):
        view = spec.view_of(ctx)
        kind, value = spec.content_for(view)
        if kind == "url":
            return _url_frame(spec, ctx, view, value)
        env = feature_units.environment(names, ctx, spec)
        data = json.dumps(env).replace("<", "\\u003c")  # '<' escaped so it cannot close the script
        api = (f'<script type="application/json" id="gadget-env">{data}</script>'
               f"<script>{feature_units.javascript(names)}</script>")
        base = None
        if kind in ("proxied", "signed"):
            value, base = _proxied_content(spec, ctx, view, value, signed=kind == "signed")
        return api + spec.resolved(substitute(value, ctx.prefs, env["moduleId"], env["messages"]), base)

    height = spec.attrs.get("height", "200")
    provider = spec_provider(spec)
    service = spec.services[0][0] if spec.services else None
    # A named service is a provider a plugin declares, matched without regard to case (Shindig's OAuth2 samples name
    # services such as googleAPI, configured server-side; provider ids are lower case)
    named = service.lower() if service is not None and provider is None else None
    if named is not None and not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", named):
        raise SpecError(f"the spec names the OAuth service {service!r} without its endpoints, so it must be "
                        "a provider a plugin declares, and no provider id can be that (letters, digits, "
                        "'.', '_' or '-', matched in lower case)")
    try:
        gadget = Gadget(id=gadget_id, title=spec.title, description=spec.attrs.get("description", ""),
                      category=spec.attrs.get("category", "Other") or "Other", author=spec.attrs.get("author", ""),
                      thumbnail=spec.attrs.get("thumbnail", ""), title_url=spec.attrs.get("title_url", ""),
                      prefs=spec.prefs, render=render,
                      # <OAuth><Service name="X"> names the broker's provider X, approved like any plugin's
                      provider=(provider.id if provider else named) if spec.services else None,
                      scopes=spec.services[0][1] if spec.services else [],
                      height=max(20, min(2000, int(height))) if height.isdigit() else 200)
    except DeclarationError as exc:
        raise SpecError(str(exc)) from None
    gadget.frame_sources = spec.frame_sources()  # what its frame's CSP adds (rendering.frame_csp)
    gadget.attr_templates = spec.attr_templates  # each instance's title, title_url...: for_instance
    gadget.oauth_service = service  # as the spec names it (source_status names it with the provider id it needs)
    return gadget


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
            spec = parse_spec(file.read_bytes(), partial(_bundle_file, Path(path)), name=file.stem)
            gadget = gadget_from_spec(spec, gadget_id, str(file))
            gadget.spec_file = file.name  # what the gadgets/ folder's errors name
            gadgets.append(gadget)
            provider = spec_provider(spec, "gadgets-dir")
        except SpecError as exc:
            errors[file.name] = str(exc)
            continue
        if provider is not None:
            providers[provider.id] = provider  # the same endpoints in several specs: one provider
    return gadgets, list(providers.values()), errors


SPEC_REFRESH = 3600


def url_gadget_id(url):
    return "url." + hashlib.sha256(url.encode()).hexdigest()[:16]


def fetch_spec(url, spec_allow_hosts, fetch_allow_hosts, script_hosts=()):
    """Fetch and check a spec URL and its external message bundles (resolved against it, fetched under the same
    rules); return (spec bytes, {href: bundle bytes}) or raise SpecError with the reason. ``script_hosts``: the https
    hosts its scripts and styles may come from."""
    bundles = {}

    def load_bundle(href):
        if href not in bundles:
            if len(bundles) >= MAX_BUNDLES:
                raise SpecError(f"the spec has more than {MAX_BUNDLES} message bundles")
            bundles[href] = _fetch_checked(urljoin(url, href), spec_allow_hosts, fetch_allow_hosts, MAX_BUNDLE_BYTES)
        return bundles[href]

    body = _fetch_checked(url, spec_allow_hosts, fetch_allow_hosts, MAX_SPEC_BYTES)
    build_url_gadget(url, body, load_bundle, script_hosts)  # refuse what cannot be offered now, with the reason
    return body, bundles


def build_url_gadget(url, body, load_bundle, script_hosts=()):
    """(gadget, provider or None) of a spec URL's copy, exactly as it is offered; SpecError says why it cannot be."""
    spec = parse_spec(body, load_bundle, url=url, script_hosts=script_hosts)
    gadget = gadget_from_spec(spec, url_gadget_id(url), url)
    gadget.plugin = "spec-urls"
    return gadget, spec_provider(spec, "spec-urls")


def _fetch_checked(url, spec_allow_hosts, fetch_allow_hosts, max_bytes):
    from ..broker.fetch import FetchError, check_url, safe_fetch

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
    """Fetch a SpecSource again. Only a copy that can be offered replaces the last good one; otherwise the last good
    copy stays and ``source.error`` says why the new one is not used."""
    import time

    try:
        source.body, source.bundles = fetch_spec(source.url, settings.get("spec_allow_hosts", ()),
                                                 tuple(settings.get("fetch_allow_hosts", ())), source.script_hosts)
        source.error = None
    except SpecError as exc:
        source.error = str(exc)
    source.fetched_at = time.time()


#: spec URL -> ((fetched_at, script hosts), (gadget, provider) or None, the reason it is None): the parse of the copy
#: last seen with the script hosts allowed then.
_url_gadgets = {}


def _parsed(source):
    """(gadget, provider) or None, and the reason for None, of a SpecSource's copy, parsed once per fetched copy."""
    seen, parsed, reason = _url_gadgets.get(source.url, (None, None, None))
    if seen != (source.fetched_at, source.script_hosts):
        try:
            parsed, reason = build_url_gadget(source.url, source.body, partial(_stored_bundle, source),
                                              source.script_hosts), None
        except SpecError as exc:
            parsed, reason = None, str(exc)  # remembered too, so it is not parsed again on every request
        _url_gadgets[source.url] = ((source.fetched_at, source.script_hosts), parsed, reason)
    return parsed, reason


def _url_specs(root):
    """(gadget, provider or None) for each spec URL's cached copy that can be offered."""
    for source in root["spec_urls"].values():
        if source.body is not None:
            parsed, _ = _parsed(source)
            if parsed is not None:
                yield parsed


def source_status(source, offered, providers=None):
    """What the Gadget specs page says of a spec URL: (ok, text). OK only when its gadget is offered (``offered``:
    the ids of the gadgets users can add now) and the provider it needs is declared (``providers``: the ids of the
    providers declared, when known); otherwise the exact reason."""
    if source.body is None:
        return False, source.error or "not fetched yet"
    parsed, reason = _parsed(source)
    if parsed is None:
        return False, f"the stored copy cannot be used: {reason}"
    needs = parsed[0].provider
    if providers is not None and needs and needs not in providers:
        return False, (f"the spec names the OAuth service {parsed[0].oauth_service!r} without its endpoints: it needs "
                       f"a plugin that declares the provider id {needs!r}, and none does")
    if parsed[0].id not in offered:
        return False, "its gadget is not offered (the spec-urls pseudo-plugin is disabled, or another gadget has its id)"
    if source.error:
        return False, f"the last refresh failed: {source.error}; the last good copy is offered"
    return True, "OK"


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
    """Providers that spec URLs declare with their own endpoints. An OAuth 1.0a one signs with HMAC-SHA1 once an
    administrator gave it a shared secret (Service Providers), else with RSA-SHA1 and this server's key pair."""
    found = {}
    for _, provider in _url_specs(root):
        if provider is not None:
            settings = root.providers.get(provider.id)
            if provider.kind == "oauth1" and settings is not None and settings.client_secret_enc is not None:
                provider = dataclasses.replace(provider, signature_method="HMAC-SHA1")
            found[provider.id] = provider
    return found


def start_refresher(db, every=60, max_age=SPEC_REFRESH):
    """A daemon thread that fetches again, every ``every`` seconds, the spec URLs older than ``max_age``."""
    import logging
    import threading
    import time

    from ZODB.POSException import ConflictError

    from ..broker.credentials import side_transaction

    log = logging.getLogger(__name__)

    def run():
        while True:
            time.sleep(every)
            try:
                with side_transaction(db) as root:
                    for source in list(root["spec_urls"].values()):
                        if time.time() - source.fetched_at > max_age:
                            try:
                                refresh_source(source, root.settings)
                            except Exception:  # a bug one spec finds: it waits for the next round, the others not
                                log.exception("refreshing the spec at %s failed", source.url)
                                source.error = "it could not be fetched again (the server's log says why)"
                                source.fetched_at = time.time()
            except ConflictError:
                continue  # someone refreshed at the same moment; next round
            except Exception:  # the database was closed: this application is gone
                log.debug("spec refresher stops", exc_info=True)
                return

    threading.Thread(target=run, name="spec-refresher", daemon=True).start()
