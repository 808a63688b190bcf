"""Requests whose path or query string is not UTF-8, or whose form body is declared in a way this server does not
read, are refused at once with a 4xx, before any code reads them.

WebOb decodes the path and query when ``request.path_info`` or ``request.GET`` is first read and raises
``UnicodeDecodeError`` there; that may be in the security policy, or in the error view itself, so the client would get
a server error instead of a reason. Form bodies are not parsed here: the view (or its CSRF check, which runs after the
permission check) reads them only for a request it accepts, and a body that is not UTF-8 is a 400 there
(``views/errors.py``). The server bounds the size of every body and header before this code sees them
(``dashboard/server.py``).
"""
from pyramid.httpexceptions import HTTPBadRequest, HTTPUnsupportedMediaType

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def utf8_tween_factory(handler, registry):
    def utf8_tween(request):
        try:
            request.path_info
            request.GET
        except UnicodeDecodeError:
            return HTTPBadRequest("The request's address or parameters are not valid UTF-8 text.")
        if request.method not in ("GET", "HEAD") and request.content_type in FORMS:
            charset = request.headers.get("Content-Type", "").lower().partition("charset=")[2].split(";")[0].strip()
            if charset.strip('"') not in ("", "utf-8", "utf8"):
                return HTTPUnsupportedMediaType(f"Forms are read as UTF-8 only, not {charset[:40]}.")
            if request.content_type == "multipart/form-data" and "boundary=" not in request.headers["Content-Type"]:
                return HTTPBadRequest("The multipart form has no boundary.")
        return handler(request)

    return utf8_tween
