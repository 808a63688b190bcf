"""One gadget instance's own document, shown in a sandboxed iframe on the dashboard."""
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from ..rendering import FRAME_CSP, frame_context, render_gadget


@view_config(route_name="frame", request_method="GET")
def frame(request):
    ctx = frame_context(request)
    values = {"html": None, "error": None, "state": None, "ctx": ctx, "provider": None}
    status = 200
    if ctx.dashboard_id != request.matchdict["did"] or ctx.instance_id != request.matchdict["iid"]:
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
