"""Requests whose path or query string is not UTF-8, whose form body is declared in a way this server does not read,
or (``BoundedBody``) whose body is larger than ``dashboard.max_body_size`` (1 MiB), are refused at once with a 4xx,
before any code reads them.

WebOb decodes the path and query when ``request.path_info`` or ``request.GET`` is first read and raises
``UnicodeDecodeError`` there; that may be in the security policy, or in the error view itself, so the client would get
a server error instead of a reason. A multipart form is parsed here, to refuse a field sent as a file (every view
reads its fields as text). Other form bodies are not parsed here: the view (or its CSRF check, which runs after the
permission check) reads them only for a request it accepts, and a body that is not UTF-8 is a 400 there
(``views/errors.py``). Production's server bounds the size of headers and declared bodies before this code sees them
(``dashboard/server.py``); ``BoundedBody`` also bounds chunked bodies, and bodies under servers without such a limit.
"""
import io

from pyramid.httpexceptions import HTTPBadRequest, HTTPRequestEntityTooLarge, HTTPUnsupportedMediaType

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
#: ``dashboard.max_body_size``: the largest request body the application reads (the server's own
#: ``max_request_body_size`` refuses larger declared bodies before they reach it; this also bounds chunked ones).
MAX_BODY = 1024 * 1024


class BoundedBody:
    """WSGI middleware around the whole application: a request body larger than ``limit`` bytes is answered 413
    before anything reads it (pyramid_retry copies every body to make it seekable before the first tween runs).
    A declared Content-Length is compared; a chunked body is read up to ``limit`` + 1 bytes and handed on as a body
    of known length. Everything else (``registry`` above all) is the application's."""

    def __init__(self, app, limit=MAX_BODY):
        self.app, self.limit = app, limit

    def __getattr__(self, name):
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        refused = self._refused(environ)
        if refused is not None:
            return refused(environ, start_response)
        return self.app(environ, start_response)

    def _refused(self, environ):
        too_large = HTTPRequestEntityTooLarge(f"The request body is larger than {self.limit // 1024} KiB, the most "
                                              "this server accepts.")
        length = environ.get("CONTENT_LENGTH")
        if length:
            try:
                return too_large if int(length) > self.limit else None
            except ValueError:
                return HTTPBadRequest("The Content-Length is not a number.")
        if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return None
        try:
            data = environ["wsgi.input"].read(self.limit + 1)
        except ValueError as exc:  # the chunks are malformed
            return HTTPBadRequest(f"The chunked request body is malformed: {exc}")
        except Exception:  # the server's own limit cut it (cheroot: OSError or its MaxSizeExceeded)
            return too_large
        if len(data) > self.limit:
            return too_large
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(data), str(len(data))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return None


def _multipart_refused(request):
    """A multipart form without a boundary, not UTF-8, or with a file part (views read every field as text; this
    server takes no uploads), or None."""
    if "boundary=" not in request.headers["Content-Type"]:
        return HTTPBadRequest("The multipart form has no boundary.")
    try:
        files = [name for name, value in request.POST.items() if not isinstance(value, str)]
    except UnicodeDecodeError:
        return HTTPBadRequest("The request's form is not valid UTF-8 text.")
    if files:
        return HTTPBadRequest(f"This server takes no file uploads: send {files[0][:40]!r} as a text field.")
    return None


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
            refused = request.content_type == "multipart/form-data" and _multipart_refused(request)
            if refused:
                return refused
        return handler(request)

    return utf8_tween
