"""The one broker API through which gadgets reach other applications with a user's credentials.

Every use is checked (provider approved and enabled; the gadget declared this provider; the account's scopes cover
what the gadget declared; the target lies within the provider's declared base URLs), signed for the provider's kind,
fetched SSRF-safe without following redirects, and written to the audit log, refusals included.
"""
import logging
import time
from urllib.parse import urljoin

from . import audit, oauth1, trusted
from .credentials import CredentialError, connection_for, current_tokens, mark_needs_reconnect
from .fetch import FetchError, safe_fetch, with_query
from .keys import private_key_pem
from .limits import Busy, FetchLimits

log = logging.getLogger(__name__)


class BrokerError(Exception):
    """A credentialed request was refused or failed. ``state`` tells the gadget what to show:
    ``pending``, ``disabled``, ``not_connected``, ``needs_reconnect``, ``refused`` or ``unavailable``."""

    def __init__(self, message, state="refused"):
        super().__init__(message)
        self.state = state


class Services:
    """What the broker needs from the running application."""

    def __init__(self, db, box, root, declared_providers):
        self.db, self.box, self.root, self.providers = db, box, root, declared_providers

    @property
    def allow_hosts(self):
        return tuple(self.root.settings.get("fetch_allow_hosts", ()))

    def client_credentials(self, provider_id):
        settings = self.root.providers[provider_id]
        return settings.client_id, self.box.decrypt(settings.client_secret_enc)


def provider_state(services, provider_id):
    """``pending``, ``approved`` or ``disabled`` (undeclared providers are ``pending`` forever)."""
    if provider_id not in services.providers:
        return "pending"
    settings = services.root.providers.get(provider_id)
    return settings.state if settings is not None else "pending"


def connected_elsewhere(services, provider, conn):
    """Whether ``conn`` was connected at another server than ``provider``'s now (an administrator moved it): its
    tokens belong to that server and are never sent to this one, not even to revoke them."""
    if provider.server_urls is None:
        return False
    if conn.server_url is not None:
        return conn.server_url != provider.server_url
    settings = services.root.providers.get(provider.id)
    changed = settings.server_changed if settings is not None else None
    return changed is not None and conn.created < changed


class Broker:
    """``limits``: the application's ``FetchLimits`` (deadline, fetches in flight per user and per host)."""

    def __init__(self, services, user, instance, gadget, limits=None):
        self.services = services
        self.limits = limits or FetchLimits()
        self.user, self.instance, self.gadget = user, instance, gadget
        self.provider = services.providers.get(gadget.provider) if gadget.provider else None

    @property
    def connection(self):
        return connection_for(self.user, self.instance, self.gadget.provider) if self.gadget.provider else None

    def state(self):
        """What the gadget should show: ``ok``, ``none`` (no provider needed), or a BrokerError state."""
        if self.gadget.provider is None:
            return "none"
        state = provider_state(self.services, self.gadget.provider)
        if state != "approved":
            return state
        if self.provider.kind == "trusted":
            # Acting as the user by name is safe only where an administrator confirmed the names match.
            return "ok" if self.services.root.providers[self.provider.id].usernames_match else "pending"
        conn = self.connection
        if conn is None:
            return "not_connected"
        if conn.status != "ok" or not set(self.gadget.scopes) <= set(conn.scopes) or self._elsewhere(conn):
            return "needs_reconnect"
        return "ok"

    def _elsewhere(self, conn):
        return connected_elsewhere(self.services, self.provider, conn)

    def _refuse(self, message, state, method, url, started):
        self._audit(method, url, None, started, f"refused: {message}")
        log.warning("broker refused %s %s for gadget %s of %s: %s", method, url, self.gadget.id, self.user.name,
                    message)
        raise BrokerError(message, state)

    def _audit(self, method, url, status, started, outcome):
        conn = self.connection
        audit.record(self.services.db, user=self.user.name, instance=self.instance.id, gadget=self.gadget.id,
                     provider=self.gadget.provider, account=conn.account if conn else None, method=method, url=url,
                     status=status, duration_ms=round((time.monotonic() - started) * 1000, 1), outcome=outcome)

    def target_url(self, target, params=None):
        base = self.provider.base_urls[0] if self.provider and self.provider.base_urls else ""
        return with_query(urljoin(base, target), params or {})

    def fetch(self, target, method="GET", params=None, headers=None, body=None):
        """Fetch ``target`` (a path relative to the provider's first base URL, or a full URL within its base URLs)."""
        started = time.monotonic()
        method = method.upper()
        if self.gadget.provider is None:
            raise BrokerError(f"gadget {self.gadget.id} declares no service provider")
        url = self.target_url(target, params)
        state = self.state()
        name = self.provider.name if self.provider else self.gadget.provider
        if state == "pending":
            self._refuse(f"waiting for an administrator to approve {name}", state, method, url, started)
        if state == "disabled":
            self._refuse(f"{name} has been disabled by an administrator", state, method, url, started)
        if not self.provider.allows(url):
            self._refuse(f"{url} is not within what {name} declares", "refused", method, url, started)
        if method not in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
            self._refuse(f"method {method} is not allowed", "refused", method, url, started)
        if state == "not_connected":
            self._refuse(f"connect your {name} account first", state, method, url, started)
        if state == "needs_reconnect":
            self._refuse(f"reconnect your {name} account (it was refused, or lacks a scope this gadget needs)",
                         state, method, url, started)
        try:
            # one slot covers a token refresh the signing may need and the request itself
            with self.limits.slot(self.user.name, url):  # (which counts the fetch's failures, for its back-off)
                return self._signed_fetch(method, url, headers, body, started, name)
        except Busy as exc:
            self._audit(method, url, None, started, f"busy: {exc}")
            raise
        except FetchError as exc:
            self._audit(method, url, None, started, f"error: {exc}")
            raise BrokerError(str(exc), "unavailable") from None

    def _signed_fetch(self, method, url, headers, body, started, name):
        conn = self.connection
        try:
            url, headers, body = self._sign(method, url, dict(headers or {}), body)
        except CredentialError as exc:
            self._refuse(str(exc), "needs_reconnect" if exc.reason != "unavailable" else "unavailable",
                         method, url, started)
        except oauth1.UnsignableRequest as exc:
            self._refuse(f"the request cannot be signed: {exc}", "refused", method, url, started)
        # Signed requests never follow redirects: a redirect could carry the signature elsewhere.
        resp = safe_fetch(url, method=method, headers=headers, body=body, follow_redirects=False,
                          allow_hosts=self.services.allow_hosts, deadline=self.limits.deadline)
        if resp.status == 401 and conn is not None:
            # the provider no longer accepts the token (revoked, expired, token_rejected)
            mark_needs_reconnect(self.services.db, self.user.name, conn.id)
            self._audit(method, url, resp.status, started, "token rejected: needs reconnect")
            raise BrokerError(f"{name} no longer accepts the connection; reconnect your account", "needs_reconnect")
        self._audit(method, url, resp.status, started, "ok")
        return resp

    def _sign(self, method, url, headers, body):
        s, provider = self.services, self.provider
        if provider.kind == "none":
            return url, headers, body
        if provider.kind == "trusted":
            headers.update(trusted.signed_headers(private_key_pem(s.root.settings, s.box),
                                                  s.root.settings["consumer_key"], method, url, self.user.name))
            return url, headers, body
        conn = self.connection
        if provider.kind == "oauth2":
            token, _ = current_tokens(s.db, s.box, self.user.name, conn.id, provider,
                                      s.client_credentials(provider.id), s.allow_hosts, seen=conn)
            headers["Authorization"] = f"Bearer {token}"
            return url, headers, body
        token, secret = current_tokens(s.db, s.box, self.user.name, conn.id, seen=conn)
        consumer_key, shared_secret = s.client_credentials(provider.id)
        # our private key is decrypted only when the signature needs it
        rsa_key = private_key_pem(s.root.settings, s.box) if provider.signature_method == "RSA-SHA1" else None
        client = oauth1.client(provider, consumer_key or s.root.settings["consumer_key"], shared_secret,
                               rsa_key, resource_owner_key=token, resource_owner_secret=secret)
        return oauth1.sign(client, method, url, body, headers)
