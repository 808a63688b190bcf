"""Every error answers with a message a person understands: JSON under /api/, a page elsewhere."""
import logging

from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPForbidden, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from ..operations import InputError, NotFound

log = logging.getLogger(__name__)


def is_api(request):
    return request.path_info.startswith("/api/")


def error_response(request, status, message):
    if is_api(request):
        response = request.response
        response.status = status
        response.content_type = "application/json"
        response.json_body = {"error": message, "status": status}
        return response
    response = render_to_response("error.jinja2", {"status": status, "message": message}, request=request)
    response.status = status
    return response


@exception_view_config(InputError)
def input_error(exc, request):
    return error_response(request, 400, str(exc))


@exception_view_config(NotFound)
@notfound_view_config()
def not_found(exc, request):
    message = str(exc) if isinstance(exc, NotFound) else "There is nothing at this address."
    return error_response(request, 404, message)


@exception_view_config(BadCSRFToken)
def bad_csrf(exc, request):
    return error_response(request, 400, "The request is missing its CSRF token or the token is stale; "
                          "reload the page and try again (API clients send it in the X-CSRF-Token header).")


@forbidden_view_config()
def forbidden(exc, request):
    explicit = getattr(exc, "result", None) is None  # raised by code with its own reason, not a permission check
    if explicit and isinstance(exc, HTTPForbidden) and exc.message:
        return error_response(request, 403, exc.message)
    if request.identity is None:
        if is_api(request):
            return error_response(request, 401, "Log in first.")
        if request.method == "GET" and request.matched_route is not None and request.matched_route.name != "frame":
            return HTTPSeeOther(request.route_url("login", _query={"next": request.path_qs}))
        return error_response(request, 401, "Log in first.")
    return error_response(request, 403, "Only administrators can do that.")


@exception_view_config(HTTPException)
def http_exception(exc, request):
    if exc.code < 400:
        return exc
    return error_response(request, exc.code, exc.detail or exc.explanation or exc.title)


@exception_view_config(Exception)
def server_error(exc, request):
    # Never show internals (they may hold secrets); the log has the traceback.
    log.exception("unhandled error on %s %s", request.method, request.path_info)
    return error_response(request, 500, "Something went wrong on the server; the administrator can find details in the log.")
