"""One gadget instance's own document, shown in a sandboxed iframe on the dashboard."""
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from ..rendering import FRAME_CSP, frame_context, render_gadget


@view_config(route_name="frame", request_method="GET")
def frame(request):
    ctx = frame_context(request)
    if ctx.dashboard_id != request.matchdict["did"] or ctx.instance_id != request.matchdict["iid"]:
        ctx = None
    html, error = (None, "This gadget's link does not match; reload the dashboard.") if ctx is None else (None, None)
    if ctx is not None and ctx.gadget is None:
        error = "This gadget is not available: its plugin is not installed or not enabled."
    elif ctx is not None:
        html, error = render_gadget(request, ctx)
    response = render_to_response("frame.jinja2", {"html": html, "error": error, "ctx": ctx}, request=request)
    if error and ctx is None:
        response.status = 403
    response.headers["Content-Security-Policy"] = FRAME_CSP
    response.headers["Cache-Control"] = "no-store"
    return response
