"""One gadget instance's own document, shown in a sandboxed iframe on the dashboard."""
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from ..broker.limits import RETRY_AFTER
from ..operations import InputError
from ..rendering import frame_context, frame_csp, render_gadget


@view_config(route_name="frame", request_method="GET")
def frame(request):
    ctx = frame_context(request)
    values = {"html": None, "error": None, "state": None, "ctx": ctx, "provider": None}
    status = 200
    if not ctx.matches_route(request):
        values["error"], status = "This gadget's link does not match; reload the dashboard.", 403
    elif ctx.gadget is None:
        values["error"] = "This gadget is not available: its plugin is not installed or not enabled."
    else:
        values["html"], values["error"], values["state"] = render_gadget(request, ctx)
        values["as_of"] = ctx.data_as_of  # the last good data, shown while the upstream is slow or down
        if values["state"] == "busy":  # too many fetches in flight: say so now rather than hold this thread
            status, values["retry_after"] = 503, RETRY_AFTER
        if ctx.gadget.provider:
            values["provider"] = request.providers.get(ctx.gadget.provider)
            # a viewer of a shared dashboard connects their own account (never bound to the owner's gadget)
            owner = {"o": ctx.owner_name} if ctx.read_only else {}
            values["connect_url"] = request.route_url("connect", provider=ctx.gadget.provider,
                                                      _query={"d": ctx.dashboard_id, "i": ctx.instance_id, **owner})
    # Named as an asset: a bare name makes pyramid_jinja2 first try, and fail, to find it beside this module, on every
    # render (about a seventh of a frame's time); frames and dashboard pages are the requests most often made.
    response = render_to_response("dashboard:templates/frame.jinja2", values, request=request)
    response.status = status
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Content-Security-Policy"] = frame_csp(ctx.gadget)
    response.headers["Cache-Control"] = "no-store"
    return response


#: The Content-Security-Policy of every answer made for frame scripts.
DATA_CSP = "sandbox; default-src 'none'"


def for_frame_scripts(response):
    """``response`` made readable by a gadget frame's script. The frames have an opaque origin; the frame token, not
    the origin, is what authorizes the call (it also stands in for CSRF: the frame has no cookies to forge with).
    These answers are data, never pages: opened as a page (an upstream's XHTML, through a gadget's popup), one is
    sandboxed, an opaque origin where nothing runs or loads, not a page of the dashboard's own."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Content-Security-Policy"] = DATA_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def frame_api_response(json_body, status=200):
    return for_frame_scripts(Response(json_body=json_body, status=status))


def frame_api_refusal(ctx, request):
    """The answer when this frame's token may not call for the instance the URL names, else None."""
    if not ctx.matches_route(request):
        return frame_api_response({"error": "the frame token is for another gadget", "state": "refused"}, 403)
    if ctx.gadget is None:
        return frame_api_response({"error": "this gadget is not available", "state": "refused"}, 404)
    return None


@view_config(route_name="frame_prefs", request_method="POST", require_csrf=False)
def frame_prefs(request):
    """Preferences set by the gadget's own script (gadgets.Prefs.set); values are checked as declared."""
    ctx = frame_context(request)
    refusal = frame_api_refusal(ctx, request)
    if refusal is not None:
        return refusal
    try:
        ctx.set_prefs({k: v for k, v in request.POST.items() if k != "st"})
    except InputError as exc:
        return frame_api_response({"error": str(exc)}, 400)
    return frame_api_response({"prefs": ctx.prefs})
