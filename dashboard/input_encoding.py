"""Requests whose path, query string or form body is not UTF-8 are refused at once with 400, before any code reads
them.

WebOb decodes them when ``request.path_info`` or ``request.params`` is first read and raises ``UnicodeDecodeError``
there; that may be in the security policy, or in the error view itself, so the client would get a server error
instead of a reason.
"""
from pyramid.httpexceptions import HTTPBadRequest

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def utf8_tween_factory(handler, registry):
    def utf8_tween(request):
        try:
            request.path_info
            request.GET
            if request.content_type in FORMS:
                request.POST
        except UnicodeDecodeError:
            return HTTPBadRequest("The request's address or parameters are not valid UTF-8 text.")
        return handler(request)

    return utf8_tween
