"""Notes: a text kept for each notes gadget on a dashboard, saved from inside the gadget's frame."""
from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther

from dashboard import Gadget, frame_context, hookimpl

MAX_TEXT = 20000


def save(request):
    # The frame token (st) in the form proves which user and gadget this is; the frame runs in an
    # opaque origin without the dashboard's cookies, so the token also stands in for the CSRF token.
    ctx = frame_context(request)
    text = request.POST.get("text", "")
    if len(text) > MAX_TEXT:
        raise HTTPBadRequest(f"A note holds at most {MAX_TEXT} characters; this one has {len(text)}.")
    ctx.set_state(text=text)
    return HTTPSeeOther(ctx.frame_url() + "&saved=1")


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="notes", thumbnail="dashboard_notes:thumbnails/notes.svg",
                   title="Notes", description="Keep a few lines of text on your dashboard.",
                   category="Productivity", author="Gadget Dashboard",
                   template="dashboard_notes:templates/notes.jinja2", height=220)]


@hookimpl
def dashboard_configure(config):
    config.add_route("notes_save", "/save")
    config.add_view(save, route_name="notes_save", request_method="POST", require_csrf=False)
