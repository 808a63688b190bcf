"""The one proxy endpoint for gadget JavaScript: it names its instance (by frame token), a path within the
provider's declared base URLs and parameters, never a credentialed URL; the broker does the rest."""
import time

from pyramid.response import Response
from pyramid.view import view_config

from ..broker import opensocial
from ..broker.broker import BrokerError
from ..broker.cache import Uncached
from ..broker.fetch import FetchError, with_query
from ..broker.limits import RETRY_AFTER, Busy, limits_for
from ..rendering import frame_context
from .frames import for_frame_scripts, frame_api_refusal, frame_api_response

PASSED_TYPES = ("application/json", "text/plain", "application/xml", "text/xml", "text/csv")
STATUS_FOR = {"pending": 403, "disabled": 403, "not_connected": 401, "needs_reconnect": 401, "refused": 403,
              "unavailable": 502}


def _error(message, status, state):
    return frame_api_response({"error": message, "state": state}, status)


@view_config(route_name="proxy", request_method=("GET", "POST"), require_csrf=False)
def proxy(request):
    ctx = frame_context(request)
    refusal = frame_api_refusal(ctx, request)
    if refusal is not None:
        return refusal
    path = request.params.get("path", "")
    params = [(k, v) for k, v in request.GET.items() if k not in ("st", "path", "authz", "headers", "refresh")]
    try:  # gadgets.io.makeRequest's POST_DATA is text; bytes that are not UTF-8 would be sent changed
        body = request.body.decode("utf-8") if request.method == "POST" and request.body else None
    except UnicodeDecodeError:
        return _error("the request body is not UTF-8 text", 400, "refused")
    headers = {"Content-Type": request.content_type} if body else {}
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        body = None  # a form post carries st and path; nothing to forward
    authz = request.params.get("authz", "oauth").lower()
    method = request.method
    if "headers" in request.GET:  # gadgets.io.makeRequest's METHOD and HEADERS (the body comes as text/plain)
        try:
            method, headers = _request_headers(request.GET["headers"], method, body)
        except ValueError as exc:
            return _error(str(exc), 400, "refused")
    if method in ("GET", "HEAD"):  # a body would make one GET answer differently from another of the same key
        body = None
        headers.pop("Content-Type", None)

    def fetch(c):  # c: this request's context, or a background refresh's own
        if authz in ("none", "signed"):  # OpenSocial's other two kinds of makeRequest
            return _opensocial_fetch(c.request, c, authz, method, path, params, body, headers)
        return c.broker.fetch(path, method=method, params=params, body=body, headers=headers)

    try:
        upstream = _kept(ctx, authz, method, path, tuple(params) + tuple(sorted(headers.items())), fetch,
                         opensocial.refresh_interval(request.GET.get("refresh")))
    except Busy as exc:  # answered at once: waiting for a slot would hold this thread
        response = _error(str(exc), 503, "busy")
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    except BrokerError as exc:
        return _error(str(exc), STATUS_FOR.get(exc.state, 400), exc.state)
    except opensocial.RequestRefused as exc:
        return _error(str(exc), 403, "refused")
    except FetchError as exc:
        return _error(str(exc), 502, "unavailable")
    if 300 <= upstream.status < 400:
        response = _error("the provider answered with a redirect, which signed requests never follow", 502, "refused")
    else:
        ctype = upstream.headers.get("content-type", "").split(";")[0].strip()
        ctype = ctype if ctype in PASSED_TYPES else "application/octet-stream"
        response = for_frame_scripts(Response(body=upstream.body, status=upstream.status, content_type=ctype))
    response.headers["X-Upstream-Status"] = str(upstream.status)
    if ctx.data_as_of is not None:  # the last good answer, while the upstream is slow or down
        response.headers["X-Data-As-Of"] = ctx.data_as_of.as_of.isoformat(timespec="seconds")
        response.headers["Age"] = str(max(0, int(time.time() - ctx.data_as_of.fetched_at)))
    return response


#: The request headers a gadget may set (gadgets.io.RequestParameters.HEADERS); others are not sent.
GADGET_HEADERS = {"content-type": "Content-Type", "accept": "Accept", "accept-language": "Accept-Language"}


def _request_headers(text, method, body):
    """(method, headers) from makeRequest's JSON ``headers`` parameter: its ``method`` (GET and HEAD come as GET,
    others as POST) and the headers gadgets may set."""
    import json

    try:
        given = json.loads(text)
    except ValueError:
        given = None
    if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
        raise ValueError("headers must be a JSON object of strings")
    wanted = given.get("method", method).upper()
    if wanted not in ("GET", "HEAD", "POST", "PUT", "DELETE"):
        raise ValueError(f"the method {wanted} is not supported")
    headers = {GADGET_HEADERS[k.lower()]: v[:500] for k, v in given.items() if k.lower() in GADGET_HEADERS}
    if body is None:
        headers.pop("Content-Type", None)
    return wanted, headers


def _kept(ctx, authz, method, path, sent, fetch, refresh=None):
    """``fetch(ctx)``, or its answer kept as the gadget's ``cache`` declares, or for ``refresh`` seconds when
    makeRequest gives REFRESH_INTERVAL (0: not kept): GETs only, and only 2xx answers. The key is the request (kind,
    path, and ``sent``: its parameters and the headers the gadget sets) and, unless the gadget's cache is shared and the request carries no credential, the user and
    the account (for a signed request, the viewer and the dashboard's owner it names)."""
    if method != "GET" or refresh == 0:
        return fetch(ctx)

    def answer(c):
        upstream = fetch(c)
        if not 200 <= upstream.status < 300:
            raise Uncached(upstream, f"the provider answered HTTP {upstream.status}")
        return upstream

    # a request with a credential (signed: the user's name) is the user's alone, whatever the gadget's cache
    who = () if authz == "none" else ctx.user_key + (ctx.owner_name,)
    try:
        if refresh is not None:
            who += (ctx.account_id,) if authz == "oauth" else ()
            return opensocial.kept_for(ctx, ("proxy", authz, path, sent) + who, refresh, answer)
        return ctx.cached(("proxy", authz, path, sent) + who, answer)
    except Uncached as exc:
        return exc.value


def _opensocial_fetch(request, ctx, authz, method, url, params, body, headers):
    from ..specs import spec_url_of

    url = with_query(url, params)
    if ctx.gadget.plugin not in ("spec-urls", "gadgets-dir"):
        # plugin gadgets fetch server-side (ctx.fetch); their pages may not use this server as an open proxy
        raise opensocial.RequestRefused("only spec gadgets make requests without OAuth through this proxy")
    services, limits = request.broker_services, limits_for(request.registry)
    with limits.slot(ctx.username, url):
        if authz == "none":
            return opensocial.public_fetch(services, url, method, body, headers, deadline=limits.deadline)
        spec_url = spec_url_of(request.app_root, ctx.gadget.id) if ctx.gadget.plugin == "spec-urls" else None
        return opensocial.signed_fetch(services, ctx.username, ctx.instance_id, ctx.gadget, spec_url, url, method,
                                       deadline=limits.deadline, owner=ctx.owner_name, body=body, headers=headers)
