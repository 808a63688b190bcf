"""Our OAuth 1.0a service provider at Atlassian-compatible paths, the consumer-info document, and the pages where
users allow applications and see (and revoke) what was issued to them."""
import time
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from oauthlib.oauth1.rfc5849 import errors
from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from .. import operations as ops
from ..models.provider_side import remove_token, token_by_id
from ..provider.endpoints import (access_token_endpoint, authorization_endpoint, oauth_request_args, problem_for,
                                  request_token_endpoint)
from ..security import USER
from .errors import oauth_challenge


def _problem(request, problem, status=401):
    response = Response(body=urlencode({"oauth_problem": problem}).encode(), status=status,
                        content_type="application/x-www-form-urlencoded")
    response.headers["WWW-Authenticate"] = oauth_challenge(request, problem)
    return response


def _answer(request, headers, body, status):
    if status >= 400:
        return _problem(request, problem_for(body))
    response = Response(body=(body or "").encode(), status=status, content_type="application/x-www-form-urlencoded")
    for k, v in (headers or {}).items():
        if k.lower() != "content-type":
            response.headers[k] = v
    return response


def _endpoint_answer(create_response, request):
    try:
        return _answer(request, *create_response(*oauth_request_args(request)))
    except ValueError:  # oauthlib refuses a query or form body that is not properly URL-encoded
        return _problem(request, "parameter_rejected", status=400)


@view_config(route_name="oauth_request_token", request_method=("POST", "GET"), require_csrf=False)
def request_token(request):
    return _endpoint_answer(request_token_endpoint(request).create_request_token_response, request)


@view_config(route_name="oauth_access_token", request_method=("POST", "GET"), require_csrf=False)
def access_token(request):
    return _endpoint_answer(access_token_endpoint(request).create_access_token_response, request)


def _pending_token(request, token):
    found = request.app_root["oauth_tokens"].get(token) if isinstance(token, str) else None
    if found is None or found.kind != "request" or found.expired() or found.user is not None:
        raise HTTPBadRequest("This authorization request is unknown, expired or already answered. "
                             "Start again from the application that sent you here.")
    consumer = request.app_root["consumers"].get(found.consumer_key)
    if consumer is None:
        raise HTTPBadRequest("The application that sent you here is no longer registered.")
    return found, consumer


@view_config(route_name="oauth_authorize", request_method="GET", permission=USER, renderer="oauth_authorize.jinja2")
def authorize_form(request):
    token, consumer = _pending_token(request, request.params.get("oauth_token"))
    return {"consumer": consumer, "oauth_token": token.token, "user": request.identity,
            "dashboards": request.identity.ordered_dashboards()}


@view_config(route_name="oauth_authorize", request_method="POST", permission=USER, renderer="oauth_verifier.jinja2")
def authorize(request):
    token, consumer = _pending_token(request, request.POST.get("oauth_token"))
    if request.POST.get("decision") != "allow":
        remove_token(request.app_root, token.token)
        if token.callback and token.callback != "oob":
            sep = "&" if "?" in token.callback else "?"
            return HTTPSeeOther(token.callback + sep + urlencode({"oauth_token": token.token,
                                                                  "oauth_problem": "permission_denied"}))
        return {"consumer": consumer, "verifier": None, "user": request.identity,
                "dashboards": request.identity.ordered_dashboards()}
    endpoint = authorization_endpoint(request, request.identity.name)
    uri = request.route_url("oauth_authorize", _query={"oauth_token": token.token})
    try:
        headers, body, status = endpoint.create_authorization_response(uri)
    except errors.OAuth1Error as exc:
        raise HTTPBadRequest(f"The authorization request was refused: {exc.description}") from None
    if status == 302:
        return HTTPSeeOther(headers["Location"])
    verifier = dict(p.split("=", 1) for p in body.split("&"))["oauth_verifier"]
    return {"consumer": consumer, "verifier": verifier, "user": request.identity,
            "dashboards": request.identity.ordered_dashboards()}


@view_config(route_name="oauth_consumer_info", request_method="GET")
def consumer_info(request):
    s = request.app_root.settings
    key = "".join(line for line in s["consumer_public_key"].splitlines() if "-----" not in line)
    xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<consumer>\n"
           f"  <key>{escape(s['consumer_key'])}</key>\n  <name>{escape(s['consumer_name'])}</name>\n"
           f"  <publicKey>{escape(key)}</publicKey>\n"
           f"  <description>{escape(s['consumer_description'])}</description>\n</consumer>\n")
    return Response(body=xml, content_type="application/xml")


#: Rows on one page of /tokens; a page reads at most ten times as many index entries (revoked or expired ones are
#: skipped), whatever the number of tokens.
TOKENS_PAGE = 50


def _issued_page(root, user_name, after):
    """One page of live access tokens, one user's (``user_name``) or everyone's (None), from the index key ``after``
    on: (tokens, the next page's cursor or None)."""
    index, tokens = root["oauth_tokens_by_user"], root["oauth_tokens"]
    start = after if after is not None else (user_name or "", "")
    found = []
    for seen, key in enumerate(index.keys(min=start)):
        if user_name is not None and key[0] != user_name:
            break
        if len(found) >= TOKENS_PAGE or seen >= 10 * TOKENS_PAGE:
            return found, key
        issued = tokens.get(index[key])
        if issued is not None and issued.kind == "access" and not issued.expired():
            found.append(issued)
    return found, None


def _cursor(text):
    """The ``next`` of /tokens: "user/id" (names hold no '/', ids no '/')."""
    user, sep, tid = (text or "").rpartition("/")
    return (user, tid) if sep else None


@view_config(route_name="issued_tokens", request_method="GET", permission=USER, renderer="issued_tokens.jinja2")
def issued_tokens(request):
    user = request.identity
    everyone = user.is_admin and request.params.get("all") == "1"
    after = _cursor(request.params.get("next"))
    if after is not None and not everyone and after[0] != user.name:
        after = None
    tokens, following = _issued_page(request.app_root, None if everyone else user.name, after)
    consumers = request.app_root["consumers"]
    rows = [{"t": t, "consumer": consumers.get(t.consumer_key),
             "issued": time.strftime("%Y-%m-%d %H:%M", time.gmtime(t.created)),
             "expires": time.strftime("%Y-%m-%d %H:%M", time.gmtime(t.expires))} for t in tokens]
    next_url = None
    if following is not None:
        query = {"next": "/".join(following), **({"all": "1"} if everyone else {})}
        next_url = request.route_url("issued_tokens", _query=query)
    return {"rows": rows, "everyone": everyone, "user": user, "dashboards": user.ordered_dashboards(),
            "next_url": next_url}


@view_config(route_name="issued_token_revoke", request_method="POST", permission=USER)
def revoke_issued(request):
    user = request.identity
    found = token_by_id(request.app_root, request.matchdict["tid"])
    if found is None or found.kind != "access" or not (found.user == user.name or user.is_admin):
        raise ops.NotFound("no such access token")
    # Kept (without its secret) until it would have expired, so that its holder is told it was revoked.
    found.kind, found.secret_enc = "revoked", None
    return HTTPSeeOther(request.route_url("issued_tokens", _query={"all": "1"} if request.POST.get("all") else {}))
