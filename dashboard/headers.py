"""Security headers on every response; gadget frames set their own, stricter sandboxing CSP."""
from pyramid.events import NewResponse, subscriber

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
            "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")


@subscriber(NewResponse)
def security_headers(event):
    headers = event.response.headers
    headers.setdefault("Content-Security-Policy", PAGE_CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
        headers.setdefault("X-Frame-Options", "DENY")
    # Pages and API answers are someone's: no browser or proxy keeps them. Static files, thumbnails and public
    # specs say how long they may be kept themselves.
    headers.setdefault("Cache-Control", "no-store")
