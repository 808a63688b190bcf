"""A Confluence-like provider for tests that trusts a dashboard server as a trusted application.

It verifies the signed identity headers itself with the cryptography library (RSA-PSS, SHA-256), as the wire format
in docs/admin.md says, refuses expired and replayed identities, and answers ``/rest/api/search`` as the named user.
Until ``trust(application id, public key)`` is called (as a Confluence administrator adds the application) it trusts
no one.

Shaped in one line for a plugin's own API: ``TrustedProvider(users=["alice", "bob"], max_age=60, routes={"/rest/me":
lambda req: {"name": req.user}})`` (routes: ``dashboard.testing.routes``; a trusted application has no scopes).
``max_age`` is the longest identity lifetime (exp - ts) it accepts. Without ``routes`` it answers Confluence's
``/rest/api/search``."""
import base64
import http.server
import json
import time
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from .routes import Resources, Shaped, UpstreamRequest


class TrustedProvider(Shaped):
    def __init__(self, users=("alice",), *, max_age=60, routes=None):
        self.users = set(users)
        self.max_age = max_age
        self.resources = Resources(routes)
        self.app_id = self.key = None
        #: (user, path with query) of every request answered
        self.answered = []
        self.seen_signatures = set()
        self.refusals = []
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                status, body = provider.answer(self)
                data, content_type = (body if isinstance(body, tuple) else (json.dumps(body).encode(),
                                                                            "application/json"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

            def log_message(self, *args):
                pass

        self._serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler))

    def trust(self, app_id, public_key_pem):
        """Trust the application with this id and public key (this server's Consumer Info)."""
        self.app_id, self.key = app_id, serialization.load_pem_public_key(public_key_pem.encode())

    def refuse(self, why):
        self.refusals.append(why)
        return 401, {"message": why}

    def answer(self, handler):
        h = handler.headers
        if self.app_id is None or h.get("X-Trusted-App-Id") != self.app_id:
            return self.refuse("unknown application")
        try:
            identity = h["X-Trusted-App-Identity"]
            version, *pairs = identity.split(";")
            fields = dict(p.split("=", 1) for p in pairs)
            ts, exp, user = int(fields["ts"]), int(fields["exp"]), unquote(fields["user"])
            signature = base64.b64decode(h["X-Trusted-App-Signature"])
        except (KeyError, ValueError, TypeError):
            return self.refuse("malformed identity")
        if version != "v1" or exp <= time.time() or exp - ts > self.max_age:
            return self.refuse("expired identity")
        url = self.url + handler.path
        message = "\n".join(["v1", handler.command, url, str(ts), str(exp), user]).encode()
        try:
            self.key.verify(signature, message, padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                            salt_length=padding.PSS.DIGEST_LENGTH), hashes.SHA256())
        except InvalidSignature:
            return self.refuse("bad signature")
        if signature in self.seen_signatures:
            return self.refuse("replayed")
        self.seen_signatures.add(signature)
        if user not in self.users:
            return self.refuse("no such user")
        self.answered.append((user, handler.path))
        target = urlsplit(handler.path)
        query = parse_qs(target.query)
        if self.resources:
            route, params = self.resources.find(handler.command, target.path)
            if route is None:
                return 404, {"message": "no such resource"}
            length = int(handler.headers.get("Content-Length") or 0)
            body = handler.rfile.read(length) if length else b""
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                parsed = None
            req = UpstreamRequest(method=handler.command, path=target.path, params=params, json=parsed, body=body,
                                  args={k: v[0] for k, v in query.items()}, headers=dict(handler.headers), user=user)
            status, data, content_type = self.resources.answer(route, req)
            return status, (data, content_type)
        return 200, {"results": [{"title": f"Plans of {user} <script>{self.inject or ''}", "url": "/display/TEAM/Plans",
                                  "friendlyLastModified": "a minute ago", "cql": query.get("cql", [""])[0]}]}
