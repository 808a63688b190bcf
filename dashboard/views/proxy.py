"""The one proxy endpoint for gadget JavaScript: it names its instance (by frame token), a path within the
provider's declared base URLs and parameters, never a credentialed URL; the broker does the rest."""
from pyramid.response import Response
from pyramid.view import view_config

from ..broker import opensocial
from ..broker.broker import BrokerError
from ..broker.fetch import FetchError
from ..rendering import frame_context

PASSED_TYPES = ("application/json", "text/plain", "application/xml", "text/xml", "text/csv")
STATUS_FOR = {"pending": 403, "disabled": 403, "not_connected": 401, "needs_reconnect": 401, "refused": 403,
              "unavailable": 502}


def _json_error(message, status, state):
    response = Response(json_body={"error": message, "state": state}, status=status)
    return response


@view_config(route_name="proxy", request_method=("GET", "POST"), require_csrf=False)
def proxy(request):
    # The frame token authenticates (the frame has no cookies) and, being unguessable, stands in for CSRF.
    ctx = frame_context(request)
    if not ctx.matches_route(request):
        response = _json_error("the frame token is for another gadget", 403, "refused")
    elif ctx.gadget is None:
        response = _json_error("this gadget is not available", 404, "refused")
    else:
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
        except BrokerError as exc:
            response = _json_error(str(exc), STATUS_FOR.get(exc.state, 400), exc.state)
        except opensocial.RequestRefused as exc:
            response = _json_error(str(exc), 403, "refused")
        except FetchError as exc:
            response = _json_error(str(exc), 502, "unavailable")
        else:
            if 300 <= upstream.status < 400:
                response = _json_error("the provider answered with a redirect, which signed requests never follow",
                                       502, "refused")
                response.headers["X-Upstream-Status"] = str(upstream.status)
                response.headers["Access-Control-Allow-Origin"] = "*"
                return response
            ctype = upstream.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
            response = Response(body=upstream.body, status=upstream.status,
                                content_type=ctype if ctype in PASSED_TYPES else "application/octet-stream")
            response.headers["X-Upstream-Status"] = str(upstream.status)
    # Gadget frames have an opaque origin; the token, not the origin, is what authorizes the call.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-store"
    return response


def _opensocial_fetch(request, ctx, authz, url, params, body, headers):
    from urllib.parse import urlencode

    from ..specs import spec_url_of

    if params:
        url += ("&" if "?" in url else "?") + urlencode(params)
    if ctx.gadget.plugin not in ("spec-urls", "gadgets-dir"):
        # plugin gadgets fetch server-side (ctx.fetch); their pages may not use this server as an open proxy
        raise opensocial.RequestRefused("only spec gadgets make requests without OAuth through this proxy")
    services = request.broker_services
    if authz == "none":
        return opensocial.public_fetch(services, url, request.method, body, headers)
    spec_url = spec_url_of(request.app_root, ctx.gadget.id) if ctx.gadget.plugin == "spec-urls" else None
    return opensocial.signed_fetch(services, ctx.username, ctx.instance_id, ctx.gadget, spec_url, url, request.method)
