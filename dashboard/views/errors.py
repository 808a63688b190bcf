"""Every error answers with a message a person understands: JSON under /api/, a page elsewhere."""
import logging
import random
import time
from urllib.parse import urlencode

from pyramid.events import subscriber
from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPForbidden, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config
from pyramid_retry import BeforeRetry
from transaction.interfaces import TransientError

from ..operations import InputError, NotFound
from ..provider.endpoints import OAuthProblem

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
    # A request without a session (a cross-site POST carries no SameSite=Lax cookie) gets no new one: it must not
    # replace the session its browser already holds.
    anonymous = request.session.new
    response = render_to_response("error.jinja2", {"status": status, "message": message, "no_session": anonymous},
                                  request=request)
    response.status = status
    return response


@exception_view_config(UnicodeDecodeError)
def not_utf8(exc, request):
    return error_response(request, 400, "The request's form or body is not valid UTF-8 text.")


@exception_view_config(OAuthProblem)
def oauth_problem(exc, request):
    """A signed request refused: 401 with the problem in WWW-Authenticate and in the body (OAuth Problem
    Reporting, as Atlassian applications answer)."""
    if is_api(request):
        response = error_response(request, 401, f"{exc.problem}: {exc.advice}")
        response.json_body = {**response.json_body, "oauth_problem": exc.problem}
    else:
        response = request.response
        response.status, response.content_type = 401, "application/x-www-form-urlencoded"
        response.text = urlencode({"oauth_problem": exc.problem, "oauth_problem_advice": exc.advice})
    response.headers["WWW-Authenticate"] = oauth_challenge(request, exc.problem)
    return response


def oauth_challenge(request, problem):
    return f'OAuth realm="{request.application_url}", oauth_problem="{problem}"'


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


@subscriber(BeforeRetry)
def back_off_before_retrying(event):
    """Requests that conflicted at commit wait a random moment before their next attempt, longer each time, so
    that they do not collide again in step (the usual cause of a conflict is another request to the same data)."""
    attempt = event.request.environ.get("retry.attempt", 0)
    time.sleep(random.uniform(0, 0.02 * 2 ** attempt))


@exception_view_config(TransientError)
def write_conflict(exc, request):
    attempts = request.environ.get("retry.attempts", 1)
    if request.environ.get("retry.attempt", 0) + 1 < attempts:
        return error_response(request, 409, "retrying")  # pyramid_retry discards this and runs the request again
    log.warning("%s %s still conflicted after %d attempts: %s", request.method, request.path_info, attempts, exc)
    return error_response(request, 409, "This could not be saved because the same data was being changed at the same "
                          "moment. Nothing was changed; please try again.")


@exception_view_config(Exception)
def server_error(exc, request):
    # Never show internals (they may hold secrets); the log has the traceback.
    log.exception("unhandled error on %s %s", request.method, request.path_info)
    return error_response(request, 500, "Something went wrong on the server; the administrator can find details in the log.")
