"""The resource routes a plugin author gives a test provider, so that a plugin is tested against its real API's shape.

``routes`` maps a path (``"/v1/forecast"``, with ``<name>`` placeholders such as ``"/v1/cities/<city>"``, optionally
preceded by a method: ``"POST /v1/notes"``; GET otherwise) to what it answers:

- canned JSON (a dict or a list), answered with 200;
- a handler ``handler(req)`` returning JSON (200), ``(status, JSON)``, or text/bytes;
- ``Route(answer, scope="forecast", status=200)`` when the route needs a scope (an OAuth 2.0 token without it is
  refused with 403, as a real API does) or answers another status.

``req`` is an ``UpstreamRequest``: ``method``, ``path``, ``args`` (query, first values), ``params`` (the placeholders),
``json`` (the body, parsed, or None), ``body`` (bytes), ``headers``, ``user`` (whose credentials were presented) and
``scopes`` (those the token grants; None for OAuth 1.0a and trusted applications).

Setting ``server.inject`` to some markup (the conformance kit uses ``<script>``) appends it to every string in every
JSON answer, as a hostile upstream would.
"""
import json
import re
import threading
from dataclasses import dataclass, field


@dataclass
class Route:
    answer: object
    scope: str = None
    status: int = 200


@dataclass
class UpstreamRequest:
    method: str
    path: str
    args: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    json: object = None
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    user: str = None
    #: None where the kind has no scopes (OAuth 1.0a, trusted applications)
    scopes: list = None


class Shaped:
    """What every test provider has: ``resources`` (its author's routes) and ``inject``."""

    resources = None

    @property
    def inject(self):
        """Markup appended to every string of the provider's JSON answers (a hostile upstream), or None."""
        return self.resources.inject

    @inject.setter
    def inject(self, markup):
        self.resources.inject = markup

    def _serve(self, server, paths=None):
        """Serve ``server`` (bound to 127.0.0.1, port 0) from a daemon thread: ``url`` from its port, and
        ``endpoints`` (name -> URL) from ``paths`` (name -> path)."""
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self.endpoints = {name: self.url + path for name, path in (paths or {}).items()}
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def tainted(value, marker):
    """``value`` with ``marker`` appended to every string in it (keys left alone)."""
    if isinstance(value, str):
        return value + marker
    if isinstance(value, dict):
        return {k: tainted(v, marker) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [tainted(v, marker) for v in value]
    return value


class Resources:
    def __init__(self, routes):
        self.table = []
        for key, answer in (routes or {}).items():
            method, _, path = key.rpartition(" ")
            pattern = re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", re.escape(path).replace(r"\<", "<").replace(r"\>", ">"))
            route = answer if isinstance(answer, Route) else Route(answer)
            self.table.append(((method or "GET").upper(), re.compile(pattern + r"\Z"), route))
        #: Markup appended to every string of every JSON answer (the conformance kit's hostile upstream), or None.
        self.inject = None

    def __bool__(self):
        return bool(self.table)

    def find(self, method, path):
        """(route, placeholders) for a request, or (None, None)."""
        for want, pattern, route in self.table:
            found = pattern.match(path)
            if found and want == method.upper():
                return route, found.groupdict()
        return None, None

    def answer(self, route, req):
        """(status, body bytes, content type) of ``route`` for ``req``."""
        if route.scope and req.scopes is not None and route.scope not in req.scopes:
            return 403, json.dumps({"message": f"this needs the scope {route.scope!r}"}).encode(), "application/json"
        status, value = route.status, route.answer
        if callable(value):
            value = value(req)
            if isinstance(value, tuple):
                status, value = value
        if isinstance(value, bytes):
            return status, value, "application/octet-stream"
        if isinstance(value, str):
            return status, (value + (self.inject or "")).encode(), "text/plain; charset=utf-8"
        if self.inject:
            value = tainted(value, self.inject)
        return status, json.dumps(value).encode(), "application/json"


def flask_request(user, scopes, params):
    """An ``UpstreamRequest`` of Flask's current request."""
    from flask import request

    return UpstreamRequest(method=request.method, path=request.path, args=request.args.to_dict(), params=params,
                           json=request.get_json(silent=True), body=request.get_data(),
                           headers=dict(request.headers), user=user, scopes=scopes)


def mount(app, resources, serve):
    """Route every path of a Flask ``app`` that nothing else answers to ``resources``; ``serve(route, params)`` runs
    the route under the provider's protection and returns a Flask response."""
    from flask import abort

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    @app.route("/", defaults={"rest": ""}, methods=methods, endpoint="author_routes_root")
    @app.route("/<path:rest>", methods=methods, endpoint="author_routes")
    def author_route(rest):
        from flask import request

        route, params = resources.find(request.method, request.path)
        if route is None:
            abort(404)
        return serve(route, params)


def flask_answer(resources, route, req):
    status, body, content_type = resources.answer(route, req)
    return body, status, {"Content-Type": content_type}
