"""The one proxy endpoint for gadget JavaScript: it names its instance (by frame token), a path within the
provider's declared base URLs and parameters, never a credentialed URL; the broker does the rest."""
from pyramid.response import Response
from pyramid.view import view_config

from ..broker import opensocial
from ..broker.broker import BrokerError
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
    params = [(k, v) for k, v in request.GET.items() if k not in ("st", "path", "authz")]
    body = request.body.decode("utf-8", "replace") if request.method == "POST" and request.body else None
    headers = {"Content-Type": request.content_type} if body else {}
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        body = None  # a form post carries st and path; nothing to forward
    authz = request.params.get("authz", "oauth").lower()
    try:
        if authz in ("none", "signed"):  # OpenSocial's other two kinds of makeRequest
            upstream = _opensocial_fetch(request, ctx, authz, path, params, body, headers)
        else:
            upstream = ctx.broker.fetch(path, method=request.method, params=params, body=body, headers=headers)
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
    return response


def _opensocial_fetch(request, ctx, authz, url, params, body, headers):
    from ..specs import spec_url_of

    url = with_query(url, params)
    if ctx.gadget.plugin not in ("spec-urls", "gadgets-dir"):
        # plugin gadgets fetch server-side (ctx.fetch); their pages may not use this server as an open proxy
        raise opensocial.RequestRefused("only spec gadgets make requests without OAuth through this proxy")
    services, limits = request.broker_services, limits_for(request.registry)
    with limits.slot(ctx.username, url):
        if authz == "none":
            return opensocial.public_fetch(services, url, request.method, body, headers, deadline=limits.deadline)
        spec_url = spec_url_of(request.app_root, ctx.gadget.id) if ctx.gadget.plugin == "spec-urls" else None
        return opensocial.signed_fetch(services, ctx.username, ctx.instance_id, ctx.gadget, spec_url, url,
                                       request.method, deadline=limits.deadline)
