"""Whose dashboard a dashboard URL names: one of the caller's own, or, for an administrator in a browser session, the
default dashboard new users start with (``DEFAULT_ID``: ``/d/default``, ``/api/dashboards/default/gadgets``...).

The dashboard pages, their JSON API and the gadget frames find their dashboard here, so an administrator edits the
default dashboard with the same editor (directory, arranging, preferences, title, layout) as their own. Every change
to it is in the audit log (provider ``default-dashboard``). A user who is not an administrator, an access token and a
trusted application (whose grant never covers an administrator's operations) are refused with 403.
"""
from pyramid.httpexceptions import HTTPForbidden

from .. import operations as ops
from ..models.sharing import DEFAULT_ID, default_dashboard, editable_default, new_default
from ..security import signed_kind

READING = ("GET", "HEAD")


def editable_dashboard(request, did, default_ok=True):
    """The dashboard ``did`` the caller may change: their own, or the default one (unless not ``default_ok``: it
    cannot be deleted, copied, shared or given an account, so those views find no dashboard ``default``)."""
    if did == DEFAULT_ID and default_ok:
        return default_for_admin(request)
    return ops.get_dashboard(request.identity, did)


def default_for_admin(request):
    user = request.identity
    if not user.is_admin or signed_kind(request) is not None:
        raise HTTPForbidden("Only administrators, logged in, edit the default dashboard new users start with.")
    if request.method in READING:
        return default_dashboard(request.app_root) or new_default()  # stored by the first change
    audit_when_done(request)
    return editable_default(request.app_root)


def default_in_frame(request, user):
    """The default dashboard for a frame token of ``user`` (the administrator's preview), or None."""
    if not user.is_admin:
        return None
    if request.method not in READING:  # a gadget's own form or script (preferences, kept state)
        audit_when_done(request, user.name)  # the frame has no cookie: its token names who
    return default_dashboard(request.app_root)


def refuse_keeping_fetched(request, gadget):
    """In the administrator's preview a gadget fetches with the administrator's accounts and name; one that can
    (a provider's, or a spec's: signed requests) may not keep anything from its frame on the default dashboard, which
    every new user gets a copy of. Its preferences are set in the editor."""
    if request.method not in READING and gadget is not None and (
            gadget.provider or gadget.plugin in ("spec-urls", "gadgets-dir")):
        raise HTTPForbidden("On the default dashboard a gadget that fetches with your accounts or name cannot keep "
                            "anything from its frame (every new user gets a copy): set its preferences in the editor.")


def is_default(dash):
    return dash.id == DEFAULT_ID


def audit_when_done(request, actor=None):
    """Record the change in the audit log once the response says it was made (not refused, not a redirect that
    carries the reason it was refused); ``actor``: who made it, when the request has no session (a frame's)."""
    def record_change(request, response):
        from .users import record

        if response.status_int < 400 and "error=" not in (response.location or ""):
            record(request, "(new users)", [f"default dashboard edited ({request.method} {request.path_info})"],
                   provider="default-dashboard", actor=actor)

    request.add_response_callback(record_change)
