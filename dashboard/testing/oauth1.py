"""An independent OAuth 1.0a provider for tests: Authlib's OAuth 1.0a server (HMAC-SHA1 and RSA-SHA1) at Jira's
endpoint paths, with a Jira-like REST API, served by werkzeug on 127.0.0.1. The user consents at once: the first of
``users``, or the one an ``X-Test-User`` header names (``connect_account(..., as_user=...)``).

Shaped in one line for a plugin's own API: ``OAuth1Provider(users=["ola"], expires_in=600, routes={"/rest/me":
{"name": "ola"}})`` (routes: ``dashboard.testing.routes``; OAuth 1.0a has no scopes). ``expires_in`` makes its access
tokens stop working after that many seconds (None: never, as Jira's). Without ``routes`` it is Jira-shaped
(``/rest/api/2/myself``, ``/rest/api/2/search``); ``paths`` moves the OAuth endpoints, ``.endpoints`` are their URLs.
Consumers are registered with ``add_consumer(key, secret=...)`` (HMAC-SHA1) or ``rsa_public_key=`` (RSA-SHA1)."""
import secrets
import time

from authlib.integrations.flask_oauth1 import AuthorizationServer, ResourceProtector, current_credential
from authlib.oauth1 import ClientMixin
from authlib.oauth1.rfc5849.models import TemporaryCredential
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from .routes import Resources, Shaped, flask_answer, flask_request, mount

METHODS = ["HMAC-SHA1", "RSA-SHA1"]
PATHS = {"request_token": "/plugins/servlet/oauth/request-token", "authorize": "/plugins/servlet/oauth/authorize",
         "access_token": "/plugins/servlet/oauth/access-token"}


class Consumer(ClientMixin):
    def __init__(self, key, secret=None, rsa_public_key=None, callback=None):
        self.client_id, self.secret, self.rsa_public_key, self.callback = key, secret, rsa_public_key, callback

    def get_default_redirect_uri(self):
        return self.callback

    def get_client_secret(self):
        return self.secret or ""

    def get_rsa_public_key(self):
        return self.rsa_public_key


class Token(dict):
    def get_oauth_token(self):
        return self["oauth_token"]

    def get_oauth_token_secret(self):
        return self["oauth_token_secret"]


class User:
    def __init__(self, name):
        self.name = name

    def get_user_id(self):
        return self.name


class OAuth1Provider(Shaped):
    def __init__(self, user="jdoe", *, users=None, expires_in=None, routes=None, paths=None):
        self.consumers, self.temporary, self.tokens, self.nonces = {}, {}, {}, set()
        self.users = list(users) if users else [user]
        self.user = self.users[0]
        self.expires_in = expires_in
        self.resources = Resources(routes)
        paths = {**PATHS, **(paths or {})}
        self.api_calls = 0
        app = Flask("oauth1-provider")
        provider = self

        class Server(AuthorizationServer):
            SUPPORTED_SIGNATURE_METHODS = METHODS

        class Protector(ResourceProtector):
            SUPPORTED_SIGNATURE_METHODS = METHODS

        def exists_nonce(nonce, timestamp, client_id, token):
            key = (nonce, timestamp, client_id, token)
            if key in provider.nonces:
                return True
            provider.nonces.add(key)
            return False

        server = Server(app, query_client=self.consumers.get)
        server.register_hook("exists_nonce", exists_nonce)

        def create_temporary_credential(token, client_id, redirect_uri):
            cred = TemporaryCredential(dict(token, client_id=client_id, oauth_callback=redirect_uri))
            provider.temporary[token["oauth_token"]] = cred
            return cred

        def create_authorization_verifier(credential, grant_user, verifier):
            credential["oauth_verifier"] = verifier
            credential["user_id"] = grant_user.get_user_id()

        def create_token_credential(token, temporary_credential):
            cred = Token(token, client_id=temporary_credential.get_client_id(), user=temporary_credential["user_id"],
                         issued_at=time.time())
            provider.tokens[token["oauth_token"]] = cred
            return cred

        server.register_hook("create_temporary_credential", create_temporary_credential)
        server.register_hook("get_temporary_credential", lambda t: provider.temporary.get(t) if t else None)
        server.register_hook("delete_temporary_credential", lambda t: provider.temporary.pop(t, None))
        server.register_hook("create_authorization_verifier", create_authorization_verifier)
        server.register_hook("create_token_credential", create_token_credential)

        def query_token(client_id, oauth_token):
            token = provider.tokens.get(oauth_token)
            if provider.expires_in is not None and token and time.time() > token["issued_at"] + provider.expires_in:
                return None
            return token if token and token["client_id"] == client_id else None

        protect = Protector(app, query_client=self.consumers.get, query_token=query_token, exists_nonce=exists_nonce)

        @app.route(paths["request_token"], methods=["POST"])
        def request_token():
            return server.create_temporary_credentials_response()

        @app.route(paths["authorize"])
        def authorize():
            user = request.headers.get("X-Test-User", provider.user)  # .user: whoever a test last made it
            if user not in provider.users + [provider.user]:
                return jsonify(message=f"no user {user!r} here"), 403
            return server.create_authorization_response(grant_user=User(user))

        @app.route(paths["access_token"], methods=["POST"])
        def access_token():
            return server.create_token_response()

        if self.resources:
            def serve(route, params):
                @protect()
                def answer():
                    return flask_answer(provider.resources, route, flask_request(current_credential["user"], None,
                                                                                 params))
                return answer()

            mount(app, self.resources, serve)
        else:
            self._jira_api(app, protect)
        self.app, self.protect = app, protect  # to add more protected routes before the first request
        self._serve(make_server("127.0.0.1", 0, app, threaded=True), paths)

    def _jira_api(self, app, protect):
        provider = self

        @app.route("/rest/api/2/myself")
        @protect()
        def myself():
            return jsonify(name=current_credential["user"], displayName="J. Doe")

        @app.route("/rest/api/2/search", methods=["GET", "POST"])  # POST takes a JSON body, as Jira's does
        @protect()
        def search():
            provider.api_calls += 1
            if request.method == "POST":
                jql = (request.get_json(silent=True) or {}).get("jql")
            else:
                jql = request.args.get("jql")
            return jsonify(total=1, jql=jql, issues=[
                {"key": "PRJ-1", "fields": {"summary": f"<i>Assigned</i> to {current_credential['user']}"
                                                       f"{provider.inject or ''}", "status": {"name": "Open"}}}])

    def add_consumer(self, key, secret=None, rsa_public_key=None):
        self.consumers[key] = Consumer(key, secret, rsa_public_key)


def new_secret():
    return secrets.token_urlsafe(24) + str(int(time.time()))
