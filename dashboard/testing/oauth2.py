"""An independent OAuth 2.0 provider for tests: Authlib's authorization server (authorization code with PKCE
required, refresh with rotation, RFC 7009 revocation) and a protected API, served by werkzeug on 127.0.0.1.

The provider's user is already "logged in" and consents at once, as a person clicking Allow would: its first user, or
the one an ``X-Test-User`` header names (``connect_account(..., as_user=...)``).

Shaped in one line for a plugin's own API: ``OAuth2Provider(redirect_uri, scopes=["read", "forecast"], users=["ola"],
expires_in=600, routes={"/v1/forecast": {"temp": 3}})`` (see ``dashboard.testing.routes`` for routes). Without
``routes`` it is GitHub-shaped: ``/api/v3/user``, ``/api/v3/search/issues``. ``paths`` moves the OAuth endpoints
(default GitHub's ``/login/oauth/authorize``, ``/login/oauth/access_token``, ``/login/oauth/revoke``);
``.endpoints`` are their absolute URLs.
"""
import secrets
import threading
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from .routes import Resources, Shaped, flask_answer, flask_request, mount

PATHS = {"authorize": "/login/oauth/authorize", "token": "/login/oauth/access_token", "revoke": "/login/oauth/revoke"}


class Client(ClientMixin):
    def __init__(self, client_id, client_secret, redirect_uri, scope):
        self.client_id, self.client_secret, self.redirect_uri, self.scope = client_id, client_secret, redirect_uri, scope

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uri

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in self.scope.split())

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.redirect_uri  # exact match

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")


class Code(AuthorizationCodeMixin):
    def __init__(self, code, client_id, redirect_uri, scope, user, challenge, method):
        self.code, self.client_id, self.redirect_uri, self.scope, self.user = code, client_id, redirect_uri, scope, user
        self.code_challenge, self.code_challenge_method = challenge, method

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope


class Token(TokenMixin):
    def __init__(self, data, client_id, user):
        self.data, self.client_id, self.user = data, client_id, user
        self.issued_at = time.time()
        self.revoked = False

    def check_client(self, client):
        return client.client_id == self.client_id

    def get_scope(self):
        return self.data.get("scope", "")

    def get_expires_in(self):
        return self.data.get("expires_in", 0)

    def is_expired(self):
        return time.time() > self.issued_at + self.get_expires_in()

    def is_revoked(self):
        return self.revoked


class OAuth2Provider(Shaped):
    """Start with ``OAuth2Provider(redirect_uri, expires_in=3600)``; ``.url`` is its base URL. ``scopes`` are those it
    grants (others asked for are dropped, as real providers do), ``users`` who may consent (the first by default)."""

    def __init__(self, redirect_uri, expires_in=3600, scope="repo read:user", user="octocat", *, scopes=None,
                 users=None, routes=None, paths=None):
        scope = " ".join(scopes) if scopes is not None else scope
        self.client = Client("dash-client", "dash-secret-" + secrets.token_hex(8), redirect_uri, scope)
        self.users = list(users) if users else [user]
        self.user = self.users[0]
        self.resources = Resources(routes)
        paths = {**PATHS, **(paths or {})}
        self.codes, self.tokens = {}, []
        self.refresh_calls = 0
        #: Answer this many refresh requests with 503 first.
        self.unavailable_refreshes = 0
        self.api_calls = 0
        #: ``/api/v3/slow`` answers only once this is set (a test decides when).
        self.slow_gate = threading.Event()
        self.lock = threading.Lock()
        app = Flask("oauth2-provider")
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": expires_in, "refresh_token": expires_in}
        app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
        provider = self

        def query_client(client_id):
            return provider.client if client_id == provider.client.client_id else None

        def save_token(token, req):
            with provider.lock:
                provider.tokens.append(Token(dict(token), req.client.client_id, req.user))

        server = AuthorizationServer(app, query_client=query_client, save_token=save_token)

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, req):
                provider.codes[code] = Code(code, req.client.client_id, req.payload.redirect_uri,
                                            req.payload.scope, req.user, req.payload.data.get("code_challenge"),
                                            req.payload.data.get("code_challenge_method"))

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class RefreshGrant(grants.RefreshTokenGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
            INCLUDE_NEW_REFRESH_TOKEN = True  # rotation

            def authenticate_refresh_token(self, refresh_token):
                with provider.lock:
                    provider.refresh_calls += 1
                time.sleep(provider.refresh_delay)
                return provider.find(refresh_token=refresh_token)

            def authenticate_user(self, credential):
                return credential.user

            def revoke_old_credential(self, credential):
                credential.revoked = True

        class Revocation(RevocationEndpoint):
            def query_token(self, token_string, token_type_hint):
                return provider.find(access_token=token_string) or provider.find(refresh_token=token_string)

            def revoke_token(self, token, req):
                token.revoked = True

        class Validator(BearerTokenValidator):
            def authenticate_token(self, token_string):
                return provider.find(access_token=token_string)

        server.register_grant(CodeGrant, [CodeChallenge(required=True)])
        server.register_grant(RefreshGrant)
        server.register_endpoint(Revocation)
        protect = ResourceProtector()
        protect.register_token_validator(Validator())
        self.refresh_delay = 0.0

        @app.route(paths["authorize"])
        def authorize():
            user = request.headers.get("X-Test-User", provider.user)  # .user: whoever a test last made it
            if user not in provider.users + [provider.user]:
                return jsonify(error="access_denied", error_description=f"no user {user!r} here"), 403
            try:
                grant = server.get_consent_grant(end_user=user)
            except OAuth2Error as error:
                return server.handle_error_response(None, error)
            return server.create_authorization_response(grant=grant, grant_user=user)

        @app.route(paths["token"], methods=["POST"])
        def issue_token():
            if request.form.get("grant_type") == "refresh_token" and provider.unavailable_refreshes:
                provider.unavailable_refreshes -= 1
                provider.refresh_calls += 1
                return jsonify(error="temporarily_unavailable"), 503
            return server.create_token_response()

        @app.route(paths["revoke"], methods=["POST"])
        def revoke():
            return server.create_endpoint_response("revocation")

        self.endpoints = {}  # filled in below, once the port is known
        if self.resources:
            def serve(route, params):
                @protect(route.scope)
                def answer():
                    req = flask_request(current_token.user, current_token.get_scope().split(), params)
                    return flask_answer(provider.resources, route, req)
                return answer()

            mount(app, self.resources, serve)
        else:
            self._github_api(app, protect)
        self._serve(make_server("127.0.0.1", 0, app, threaded=True), paths)

    def _github_api(self, app, protect):
        provider = self

        @app.route("/api/v3/redirect")
        def redirect_elsewhere():
            return "", 302, {"Location": "http://169.254.169.254/latest/meta-data/"}

        @app.route("/api/v3/user")
        @protect()
        def me():
            return jsonify(login=current_token.user)

        @app.route("/api/v3/slow")
        @protect("repo")
        def slow():
            provider.slow_gate.wait(30)
            return jsonify(login=current_token.user)

        @app.route("/api/v3/search/issues")
        @protect("repo")
        def pulls():
            with provider.lock:
                provider.api_calls += 1
            return jsonify(total_count=1, query=request.args.get("q"), items=[
                {"number": 7, "title": f"Fix <b>bug</b> for {current_token.user}{provider.inject or ''}",
                 "html_url": "https://github.example/o/r/pull/7", "repository_url": "https://x/repos/o/r"}])

    def find(self, access_token=None, refresh_token=None):
        with self.lock:
            for token in self.tokens:
                if access_token and token.data.get("access_token") == access_token and not token.revoked:
                    return token
                if refresh_token and token.data.get("refresh_token") == refresh_token and not token.revoked:
                    return token
        return None
