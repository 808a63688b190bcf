"""A Confluence-like provider for tests that trusts a dashboard server as a trusted application.

It verifies the signed identity headers itself with the cryptography library (RSA-PSS, SHA-256), as the wire format
in docs/admin.md says, refuses expired and replayed identities, and answers ``/rest/api/search`` as the named user.
Until ``trust(application id, public key)`` is called (as a Confluence administrator adds the application) it trusts
no one."""
import base64
import http.server
import json
import threading
import time
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


class TrustedProvider:
    def __init__(self, users=("alice",)):
        self.users = set(users)
        self.app_id = self.key = None
        #: (user, path with query) of every request answered
        self.answered = []
        self.seen_signatures = set()
        self.refusals = []
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                status, body = provider.answer(self)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

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
        if version != "v1" or exp <= time.time() or exp - ts > 60:
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
        query = parse_qs(urlsplit(handler.path).query)
        return 200, {"results": [{"title": f"Plans of {user} <script>", "url": "/display/TEAM/Plans",
                                  "friendlyLastModified": "a minute ago", "cql": query.get("cql", [""])[0]}]}

    def close(self):
        self.server.shutdown()
