"""``gadgets.io.makeRequest`` with ``AUTHORIZATION`` NONE and SIGNED, for spec gadgets (OAUTH is the broker's fetch).

NONE: the URL is fetched as is, with no credential and no cookie, under the SSRF rules (redirects re-checked hop by
hop), as a container's content proxy does.

SIGNED: OpenSocial's "signed fetch", as Shindig and Atlassian containers send it: the request carries
``opensocial_owner_id`` (the name of the dashboard's owner), ``opensocial_viewer_id`` (the logged-in user's: the
same on one's own dashboard, the viewer's on a dashboard shared with them), ``opensocial_app_id`` and
``opensocial_app_url``, signed with OAuth 1.0a RSA-SHA1 by this server's key (consumer key from Consumer Info, no
token). The receiving server checks it with our public key. Because the signature vouches for the user's name, it
is made only for gadgets from spec URLs and only to their own spec's host (scheme, host and port), never followed
through redirects, and recorded in the audit log.
"""
import time
from urllib.parse import parse_qsl, urlsplit

from oauthlib import oauth1

from . import audit
from .fetch import FetchError, safe_fetch, with_query
from .keys import private_key_pem


class RequestRefused(ValueError):
    """The request is not allowed; the message says why."""


#: makeRequest's methods (gadgets.io.MethodType), as Shindig sends them.
METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD")
#: The longest REFRESH_INTERVAL honoured (seconds); a longer one is cut to it.
MAX_REFRESH_INTERVAL = 24 * 3600
FORM = "application/x-www-form-urlencoded"


def _checked(url, method):
    """The parts of ``url``, a full http(s) URL, for one of ``METHODS``; RequestRefused otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RequestRefused("makeRequest without OAuth needs a full http(s) URL")
    if method not in METHODS:
        raise RequestRefused(f"method {method} is not allowed")
    return parts


def refresh_interval(text):
    """makeRequest's REFRESH_INTERVAL: None when not given (the gadget's own cache rules apply), else whole seconds
    within 0 (not kept) and ``MAX_REFRESH_INTERVAL``; RequestRefused when it is not a number."""
    if text is None or text == "":
        return None
    try:
        seconds = int(float(text))
    except (TypeError, ValueError, OverflowError):
        raise RequestRefused("REFRESH_INTERVAL must be a number of seconds") from None
    return max(0, min(MAX_REFRESH_INTERVAL, seconds))


def kept_for(ctx, key, seconds, produce):
    """``produce(ctx)``'s value kept ``seconds`` in the data cache (broker/cache.py: its entry and byte bounds, single
    flight, the last good value while a refresh is slow) under ``key``, which must name whose it is."""
    from .cache import cache_for
    from .limits import limits_for

    registry = ctx.request.registry
    got = cache_for(registry).get(("makeRequest", ctx.gadget.id) + tuple(key), seconds, lambda: produce(ctx),
                                  limits_for(registry).deadline, refresh=ctx._detached(produce))
    ctx.data_as_of = got if got.stale else None
    return got.value


def public_fetch(services, url, method="GET", body=None, headers=None, deadline=None):
    _checked(url, method)
    return safe_fetch(url, method=method, body=body, headers=headers or {}, follow_redirects=True,
                      allow_hosts=services.allow_hosts, deadline=deadline)


#: What a signed request's parameters may not be named by the gadget: only the server says who the viewer and owner
#: are and signs (as Shindig's SigningFetcher refuses them).
SIGNED_PREFIXES = ("opensocial_", "oauth_", "xoauth_")


def _no_signed_names(pairs, where):
    named = sorted({name for name, _ in pairs if name.lower().startswith(SIGNED_PREFIXES)})
    if named:
        raise RequestRefused(f"a signed request's {where} may not name {', '.join(named)}: the server sets who the "
                             "viewer and owner are, and signs")


def signed_fetch(services, username, instance_id, gadget, spec_url, url, method="GET", deadline=None,
                 owner=None, body=None, headers=None):
    """A signed fetch for ``username`` (the viewer) of an instance on ``owner``'s dashboard (the viewer's own when
    None). A form-encoded body's parameters are signed too (OAuth 1.0a); another body is sent unsigned, as Shindig
    does."""
    target = _checked(url, method)
    home = urlsplit(spec_url or "")
    if not spec_url or (target.scheme, target.netloc.lower()) != (home.scheme, home.netloc.lower()):
        raise RequestRefused("a signed request goes only to the host the gadget's spec comes from")
    form = body is not None and (headers or {}).get("Content-Type", "").split(";")[0].strip().lower() == FORM
    _no_signed_names(parse_qsl(target.query, keep_blank_values=True), "URL")
    if form:
        _no_signed_names(parse_qsl(body if isinstance(body, str) else body.decode("utf-8", "replace"),
                                   keep_blank_values=True), "form body")
    settings = services.root.settings
    params = {"opensocial_owner_id": owner or username, "opensocial_viewer_id": username,
              "opensocial_app_id": gadget.id, "opensocial_app_url": spec_url}
    client = oauth1.Client(settings["consumer_key"], signature_method=oauth1.SIGNATURE_RSA,
                           rsa_key=private_key_pem(settings, services.box),
                           signature_type=oauth1.SIGNATURE_TYPE_QUERY)
    headers = dict(headers or {})
    try:
        signed_url, signed_headers, _ = client.sign(with_query(url, params), http_method=method,
                                                    body=body if form else None,
                                                    headers={"Content-Type": FORM} if form else None)
    except ValueError as exc:  # a body said to be form-encoded that is not
        raise RequestRefused(f"the request cannot be signed: {exc}") from None
    headers.update(signed_headers)
    started, status, outcome = time.monotonic(), None, "ok"
    try:
        # a redirect could carry the signature elsewhere: never followed
        response = safe_fetch(signed_url, method=method, headers=headers, body=body, follow_redirects=False,
                              allow_hosts=services.allow_hosts, deadline=deadline)
        status = response.status
        return response
    except FetchError as exc:
        outcome = f"error: {exc}"
        raise
    finally:
        audit.record(services.db, user=username, instance=instance_id, gadget=gadget.id, provider="opensocial-signed",
                     account=username, method=method, url=url, status=status,
                     duration_ms=round((time.monotonic() - started) * 1000, 1), outcome=outcome)
