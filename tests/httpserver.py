"""A real HTTP server on 127.0.0.1 serving canned routes, for upstreams in tests."""
import http.server
import socket
import threading
import time


class Upstream:
    """``tls`` (an ``ssl.SSLContext`` for the server side) serves HTTPS; ``host`` is the address to listen on.

    Every method goes through ``routes`` (path -> (status, headers, body bytes) or callable(handler) -> that tuple),
    ``default`` for the paths it lacks; a callable reads the request's body with ``handler.body()``. A HEAD is answered
    with the route's status and headers (Content-Length the body's, unless the route names one) and no body.
    ``requests`` lists each request's path, "METHOD path" for all but GET."""

    def __init__(self, routes, tls=None, host="127.0.0.1", default=(404, {}, b"not found")):
        self.routes, self.default = routes, default
        self.requests = []
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real upstreams
            disable_nagle_algorithm = True

            def body(self):
                if self._body is None:
                    self._body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                return self._body

            def answer(self):
                self._body = None  # one handler serves every request of its keep-alive connection
                upstream.requests.append(self.path if self.command == "GET" else f"{self.command} {self.path}")
                route = upstream.routes.get(self.path.split("?")[0], upstream.default)
                status, headers, body = route(self) if callable(route) else route
                self.body()  # what the route did not read, so that the next request starts where it should
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "content-length" not in {k.lower() for k in headers}:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = answer

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
            daemon_threads = True

        self.server = Server((host, 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://{f'[{host}]' if ':' in host else host}:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def gated(gate, body=b"late", headers=None, timeout=30):
    """A route that answers only once ``gate`` (a threading.Event) is set: a test decides when, not a clock."""
    def route(handler):
        gate.wait(timeout)
        return 200, headers or {}, body
    return route


def slow(seconds, body=b"late", headers=None):
    def route(handler):
        time.sleep(seconds)
        return 200, headers or {}, body
    return route
