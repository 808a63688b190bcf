"""OAuth Administration: Consumers, the applications allowed to use this server's resources."""
import re
import textwrap
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from .. import operations as ops
from ..models.provider_side import Consumer, TrustedApp, remove_token, tokens_of_consumer
from ..models.root import page_of_keys
from ..provider.validator import KEY_RE
from ..security import ADMIN


def clean_public_key(text):
    """A PEM public key from PEM or the bare base64 Atlassian's consumer-info shows; InputError otherwise."""
    text = text.strip()
    if "-----BEGIN" not in text:
        body = "".join(text.split())
        text = "-----BEGIN PUBLIC KEY-----\n" + "\n".join(textwrap.wrap(body, 64)) + "\n-----END PUBLIC KEY-----"
    try:
        key = serialization.load_pem_public_key(text.encode())
    except (ValueError, TypeError):
        raise ops.InputError("the public key is not a PEM or base64 RSA public key") from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
        raise ops.InputError("the public key must be an RSA key of at least 2048 bits")
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


#: Rows on one page of consumers or of trusted applications.
PAGE = 50


def paged(request, tree, route):
    """One page of ``tree``'s values in key order, from the key ``?next=`` on, and the next page's URL (or None):
    the same cost with a thousand entries as with three."""
    keys, following = page_of_keys(tree, "", request.params.get("next", "")[:300], PAGE)
    next_url = following and request.route_url(route, _query={"next": following})
    return [tree[key] for key in keys], next_url


def _page(request, error=None):
    consumers, next_url = paged(request, request.app_root["consumers"], "admin_consumers")
    if error:
        request.response.status = 400
    return {"consumers": consumers, "error": error, "user": request.identity, "next_url": next_url,
            "dashboards": request.identity.ordered_dashboards()}


@view_config(route_name="admin_consumers", request_method="GET", permission=ADMIN, renderer="admin_consumers.jinja2")
def consumers_page(request):
    return _page(request)


def consumer_info_from(request, base_url):
    """Fetch (SSRF-safe) and read another application's consumer-info document; InputError with the reason."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring
    from xml.etree.ElementTree import ParseError

    from ..broker.fetch import FetchError, safe_fetch

    url = base_url.rstrip("/") + "/plugins/servlet/oauth/consumer-info"
    try:
        resp = safe_fetch(url, allow_hosts=tuple(request.app_root.settings.get("fetch_allow_hosts", ())),
                          max_bytes=64 * 1024)
    except FetchError as exc:
        raise ops.InputError(f"could not fetch {url}: {exc}") from None
    if resp.status != 200:
        raise ops.InputError(f"{url} answered with HTTP status {resp.status}")
    try:
        root = fromstring(resp.body, forbid_dtd=True)
    except (ParseError, DefusedXmlException):
        raise ops.InputError(f"{url} did not return a consumer-info XML document") from None
    fields = {child.tag: (child.text or "").strip() for child in root}
    if root.tag != "consumer" or not fields.get("key") or not fields.get("publicKey"):
        raise ops.InputError(f"{url} is not a consumer-info document (no consumer key or public key)")
    return fields


@view_config(route_name="admin_consumers", request_method="POST", permission=ADMIN, renderer="admin_consumers.jinja2")
def add_consumer(request):
    p = {k: request.POST.get(k, "").strip() for k in ("key", "name", "description", "public_key", "shared_secret",
                                                       "callback")}
    if request.POST.get("base_url", "").strip():
        try:
            info = consumer_info_from(request, request.POST["base_url"].strip())
        except ops.InputError as exc:
            return _page(request, str(exc))
        p.update(key=info["key"], name=info.get("name") or info["key"], description=info.get("description", ""),
                 public_key=info["publicKey"], shared_secret="")
    try:
        if not KEY_RE.match(p["key"]):
            raise ops.InputError("the consumer key is 1-255 letters, digits or . _ : - / @ +")
        if p["key"] in request.app_root["consumers"]:
            raise ops.InputError(f"a consumer with the key {p['key']!r} exists already")
        if not p["name"] or len(p["name"]) > 200 or len(p["description"]) > 1000:
            raise ops.InputError("the name (at most 200 characters) is required; descriptions hold 1000")
        if bool(p["public_key"]) == bool(p["shared_secret"]):
            raise ops.InputError("give either a public key (RSA-SHA1) or a shared secret (HMAC-SHA1), not both")
        if p["shared_secret"] and len(p["shared_secret"]) < 16:
            raise ops.InputError("shared secrets need at least 16 characters")
        if p["callback"] and urlsplit(p["callback"]).scheme not in ("http", "https"):
            raise ops.InputError("the callback must be an http(s) URL")
        public_key = clean_public_key(p["public_key"]) if p["public_key"] else None
    except ops.InputError as exc:
        return _page(request, str(exc))
    box = request.registry.dashboard_secretbox
    request.app_root["consumers"][p["key"]] = Consumer(
        p["key"], p["name"], p["description"], public_key=public_key,
        shared_secret_enc=box.encrypt(p["shared_secret"]) if p["shared_secret"] else None, callback=p["callback"])
    return HTTPSeeOther(request.route_url("admin_consumers"))


@view_config(route_name="admin_consumer", request_method="POST", permission=ADMIN, request_param="action=remove")
def remove_consumer(request):
    key = request.matchdict["key"]
    consumers = request.app_root["consumers"]
    if key not in consumers:
        raise ops.NotFound("no such consumer")
    del consumers[key]
    for token in tokens_of_consumer(request.app_root, key):
        remove_token(request.app_root, token)  # removing a consumer revokes every token it holds
    return HTTPSeeOther(request.route_url("admin_consumers"))


IP_PATTERN = re.compile(r"^[0-9A-Fa-f:.*/]{1,64}$")


def _trusted_page(request, error=None):
    if error:
        request.response.status = 400
    apps, next_url = paged(request, request.app_root["trusted_apps"], "admin_trusted")
    return {"apps": apps, "error": error, "user": request.identity, "next_url": next_url,
            "dashboards": request.identity.ordered_dashboards()}


@view_config(route_name="admin_trusted", request_method="GET", permission=ADMIN, renderer="admin_trusted.jinja2")
def trusted_page(request):
    return _trusted_page(request)


@view_config(route_name="admin_trusted", request_method="POST", permission=ADMIN, renderer="admin_trusted.jinja2")
def add_trusted(request):
    p = {k: request.POST.get(k, "").strip() for k in ("app_id", "name", "public_key", "ips", "paths", "timeout")}
    ips, paths = p["ips"].split(), p["paths"].split()
    try:
        if not KEY_RE.match(p["app_id"]) or p["app_id"] in request.app_root["trusted_apps"]:
            raise ops.InputError("the application id is 1-255 letters, digits or . _ : - / @ + and must be new")
        if not p["name"] or len(p["name"]) > 200:
            raise ops.InputError("the name is required (at most 200 characters)")
        if not ips or not all(IP_PATTERN.match(ip) for ip in ips):
            raise ops.InputError("give the allowed IP addresses or networks (e.g. 10.0.0.5, 10.1.0.0/16, 10.2.*)")
        if not paths or not all(path.startswith("/") for path in paths):
            raise ops.InputError("give the allowed URL paths, each starting with / (e.g. /api/*)")
        timeout = ops.clean_int(p["timeout"] or "10", "the certificate timeout", 1, 60)
        public_key = clean_public_key(p["public_key"])
    except ops.InputError as exc:
        return _trusted_page(request, str(exc))
    request.app_root["trusted_apps"][p["app_id"]] = TrustedApp(p["app_id"], p["name"], public_key, ips, paths, timeout)
    return HTTPSeeOther(request.route_url("admin_trusted"))


@view_config(route_name="admin_trusted_app", request_method="POST", permission=ADMIN)
def remove_trusted(request):
    apps = request.app_root["trusted_apps"]
    if request.matchdict["app_id"] not in apps:
        raise ops.NotFound("no such trusted application")
    del apps[request.matchdict["app_id"]]
    return HTTPSeeOther(request.route_url("admin_trusted"))


@view_config(route_name="admin_consumer", request_method="POST", permission=ADMIN, request_param="action=edit")
def edit_consumer(request):
    """Change everything but the key; the signature method follows the credential given."""
    consumer = request.app_root["consumers"].get(request.matchdict["key"])
    if consumer is None:
        raise ops.NotFound("no such consumer")
    name, description = request.POST.get("name", "").strip(), request.POST.get("description", "").strip()
    callback, public_key = request.POST.get("callback", "").strip(), request.POST.get("public_key", "").strip()
    secret = request.POST.get("shared_secret", "").strip()
    if not name or len(name) > 200 or len(description) > 1000:
        raise ops.InputError("the name (at most 200 characters) is required; descriptions hold 1000")
    if callback and urlsplit(callback).scheme not in ("http", "https"):
        raise ops.InputError("the callback must be an http(s) URL")
    if public_key and secret:
        raise ops.InputError("give either a public key or a shared secret, not both")
    if secret and len(secret) < 16:
        raise ops.InputError("shared secrets need at least 16 characters")
    consumer.name, consumer.description, consumer.callback = name, description, callback
    if public_key:
        consumer.public_key, consumer.shared_secret_enc = clean_public_key(public_key), None
    elif secret:
        consumer.public_key = None
        consumer.shared_secret_enc = request.registry.dashboard_secretbox.encrypt(secret)
    return HTTPSeeOther(request.route_url("admin_consumers"))
