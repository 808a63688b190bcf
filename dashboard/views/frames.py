"""One gadget instance's own document, shown in a sandboxed iframe on the dashboard."""
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from ..operations import InputError
from ..rendering import FRAME_CSP, frame_context, render_gadget


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
        if ctx.gadget.provider:
            values["provider"] = request.providers.get(ctx.gadget.provider)
            values["connect_url"] = request.route_url("connect", provider=ctx.gadget.provider,
                                                      _query={"d": ctx.dashboard_id, "i": ctx.instance_id})
    response = render_to_response("frame.jinja2", values, request=request)
    response.status = status
    response.headers["Content-Security-Policy"] = FRAME_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@view_config(route_name="frame_prefs", request_method="POST", require_csrf=False)
def frame_prefs(request):
    """Preferences set by the gadget's own script (gadgets.Prefs.set). The frame token authenticates (the frame has
    no cookies) and, being unguessable, stands in for CSRF; values are checked as declared."""
    ctx = frame_context(request)
    if not ctx.matches_route(request) or ctx.gadget is None:
        response = Response(json_body={"error": "the frame token is for another gadget"}, status=403)
    else:
        try:
            ctx.set_prefs({k: v for k, v in request.POST.items() if k != "st"})
            response = Response(json_body={"prefs": ctx.prefs})
        except InputError as exc:
            response = Response(json_body={"error": str(exc)}, status=400)
    # Gadget frames have an opaque origin; the token, not the origin, is what authorizes the call.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-store"
    return response
