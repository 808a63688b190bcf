"""Hostile upstreams on 127.0.0.1, written with raw sockets: they trickle, hang, never stop sending, or are not there.

Each connection runs ``handle(sock)`` in a thread of its own; ``events`` records what the server side saw (for
example when the client closed the connection under an endless body)."""
import socket
import threading
import time

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"


class RawServer:
    def __init__(self, handle):
        self.handle = handle
        self.events = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.stopping = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            read_request(conn)
            try:
                self.handle(self, conn)
            except OSError as exc:  # the client went away
                self.events.append(("closed", time.monotonic(), type(exc).__name__))

    def close(self):
        self.stopping.set()
        self.sock.close()


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def trickle(every, headers_first=False):
    """Send an answer one byte every ``every`` seconds: from the status line on, or after complete headers."""
    def handle(server, conn):
        body = b"x" * 1000
        if headers_first:
            conn.sendall(HEADERS + b"Content-Length: %d\r\n\r\n" % len(body))
            data = body
        else:
            data = HEADERS + b"Content-Length: %d\r\n\r\n" % len(body) + body
        for byte in data:
            if server.stopping.wait(every):
                return
            conn.sendall(bytes([byte]))
    return handle


def hang(server, conn):
    """Accept, read the request and never answer."""
    server.stopping.wait(60)


def endless_body(content_length=None):
    """Headers, then bytes as fast as the client takes them, until it closes the connection."""
    def handle(server, conn):
        length = b"Content-Length: %d\r\n" % content_length if content_length else b"Connection: close\r\n"
        conn.sendall(HEADERS + length + b"\r\n")
        chunk = b"y" * 65536
        sent = 0
        server.events.append(("sending", time.monotonic(), 0))
        while not server.stopping.is_set():
            conn.sendall(chunk)
            sent += len(chunk)
            server.sent = sent
    return handle


def closed_port():
    """A port on 127.0.0.1 where nothing listens (bound, then closed)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class NormalisingFront:
    """A reverse proxy in front of ``backend`` that reads paths as nginx does (percent-escapes decoded once, ``//``
    merged, dot segments resolved; and, as lenient servers behind it do, ``\\`` as a separator and ``..;`` as
    ``..``), records what it understood, and forwards the request there. ``seen`` is [(method, normalised path,
    Authorization header)]."""

    def __init__(self, backend):
        import http.client
        import http.server
        from urllib.parse import unquote, urlsplit

        self.seen = []
        front = self
        target = urlsplit(backend)

        def normalise(path):
            out = []
            for segment in unquote(path).replace("\\", "/").split("/"):
                name = segment.split(";", 1)[0]
                if name == "..":
                    if out:
                        out.pop()
                elif name not in (".", ""):
                    out.append(segment)
            return "/" + "/".join(out)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def forward(self):
                path, _, query = self.path.partition("?")
                path = normalise(path)
                front.seen.append((self.command, path, self.headers.get("Authorization", "")))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream.request(self.command, path + ("?" + query if query else ""), body=body or None,
                                 headers=headers)
                answer = upstream.getresponse()
                content = answer.read()
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() in ("content-type", "location", "www-authenticate"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
                upstream.close()

            do_GET = do_POST = forward

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
