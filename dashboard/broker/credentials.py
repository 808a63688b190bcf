"""Connected accounts' tokens: stored encrypted, refreshed before expiry with exactly one refresh in flight.

Every read and refresh of a token runs in a transaction of its own. A refresh first commits a short lease on
the connection; ZODB's conflict detection lets exactly one thread or process (sharing a ZEO or RelStorage
database) win it, the others wait and then read the tokens the winner stored, rotated refresh token included,
in one atomic commit.
"""
import logging
import random
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import transaction
from ZODB.POSException import ConflictError

from ..models import get_app_root
from . import oauth2

log = logging.getLogger(__name__)
#: A token is refreshed when less than this, or a tenth of its lifetime if that is less, remains: an hour's token a
#: minute before it expires, a 30 s token 3 s before (a fixed minute would refresh it on every use).
REFRESH_SKEW = timedelta(seconds=60)
REFRESH_SHARE = 0.1
LEASE = timedelta(seconds=30)
WAIT = 20.0
TRANSIENT_RETRIES = 3


class CredentialError(Exception):
    """A credential cannot be used; ``reason`` is ``not_connected``, ``needs_reconnect`` or ``unavailable``."""

    def __init__(self, message, reason):
        super().__init__(message)
        self.reason = reason


def utcnow():
    return datetime.now(timezone.utc)


@contextmanager
def side_transaction(db):
    """The app root in a transaction of its own, independent of any request's; commits on success."""
    tm = transaction.TransactionManager()
    conn = db.open(tm)
    try:
        with tm:
            yield get_app_root(conn.root())
    finally:
        conn.close()


def accounts_at(user, provider_id):
    """The user's connected accounts at a provider, usable ones first, then oldest first: the first is the one a
    gadget instance uses until the user chooses another for it."""
    return sorted((c for c in user.connections.values() if c.provider_id == provider_id),
                  key=lambda c: (c.status != "ok", c.created, c.id))


def connection_for(user, instance, provider_id):
    """The account a gadget instance uses at its provider: the one chosen for it while it exists, else the default."""
    chosen = user.connections.get(instance.connection_id) if instance.connection_id else None
    if chosen is not None and chosen.provider_id == provider_id:
        return chosen
    accounts = accounts_at(user, provider_id)
    return accounts[0] if accounts else None


def _connection(root, username, connection_id):
    user = root.users.get(username)
    conn = user.connections.get(connection_id) if user is not None else None
    if conn is None:
        raise CredentialError("no account is connected", "not_connected")
    return conn


def store_tokens(conn, box, payload, now=None):
    """Store a token response (access, optional rotated refresh token, expiry) on a Connection."""
    conn.access_token_enc = box.encrypt(payload["access_token"])
    if payload.get("refresh_token"):
        conn.refresh_token_enc = box.encrypt(payload["refresh_token"])
    expires_in = payload.get("expires_in")
    conn.token_lifetime = timedelta(seconds=int(expires_in)) if expires_in else None
    conn.expires_at = (now or utcnow()) + conn.token_lifetime if expires_in else None
    conn.status = "ok"


def mark_needs_reconnect(db, username, connection_id):
    with side_transaction(db) as root:
        conn = _connection(root, username, connection_id)
        conn.status = "needs_reconnect"
        conn.refresh_lease = None


def _due(conn, now):
    """True when the access token expires within its refresh window (see REFRESH_SKEW)."""
    if conn.expires_at is None:
        return False
    lifetime = conn.token_lifetime
    window = min(REFRESH_SKEW, lifetime * REFRESH_SHARE) if lifetime else REFRESH_SKEW
    return conn.expires_at - window <= now


def _needs_refresh(conn, now):
    return _due(conn, now) and conn.refresh_token_enc


def current_tokens(db, box, username, connection_id, provider=None, client=None, allow_hosts=(), seen=None):
    """Return (access token, token secret) for a connection, refreshing an OAuth 2.0 token first if it is due.

    ``client`` is (client id, client secret) of the provider, needed to refresh. ``seen`` is the Connection as
    the request's own transaction sees it: when its token is not due, it is used without another transaction.
    """
    if seen is not None and seen.status == "ok" and not _due(seen, utcnow()):
        return box.decrypt(seen.access_token_enc), box.decrypt(seen.token_secret_enc)
    deadline = time.monotonic() + WAIT
    while True:
        got_lease = expired = False
        try:
            with side_transaction(db) as root:
                conn = _connection(root, username, connection_id)
                if conn.status != "ok":
                    raise CredentialError("the connection must be renewed", "needs_reconnect")
                now = utcnow()
                if provider is not None and _needs_refresh(conn, now):
                    lease = getattr(conn, "refresh_lease", None)
                    if lease is None or lease <= now:
                        conn.refresh_lease = now + LEASE
                        refresh_token = box.decrypt(conn.refresh_token_enc)
                        got_lease = True
                elif conn.expires_at is not None and conn.expires_at <= now:
                    conn.status = "needs_reconnect"  # expired and nothing to refresh it with
                    expired = True
                else:
                    return box.decrypt(conn.access_token_enc), box.decrypt(conn.token_secret_enc)
        except ConflictError:
            got_lease = False  # someone else took the lease (or changed the connection) first
        if expired:
            raise CredentialError("the connection expired and must be renewed", "needs_reconnect")
        if got_lease:
            return _refresh(db, box, username, connection_id, provider, client, refresh_token, allow_hosts)
        if time.monotonic() > deadline:
            raise CredentialError("the provider took too long to renew the connection", "unavailable")
        time.sleep(random.uniform(0.02, 0.08))


def _refresh(db, box, username, connection_id, provider, client, refresh_token, allow_hosts):
    delay = 0.2
    for attempt in range(TRANSIENT_RETRIES + 1):
        try:
            payload = oauth2.refresh(provider, client[0], client[1], refresh_token, allow_hosts)
            break
        except oauth2.OAuth2Error as exc:
            if exc.transient and attempt < TRANSIENT_RETRIES:
                time.sleep(delay)
                delay *= 2
                continue
            if exc.transient:
                with side_transaction(db) as root:
                    _connection(root, username, connection_id).refresh_lease = None
                raise CredentialError(str(exc), "unavailable") from None
            log.info("refresh of connection %s at %s refused (%s): needs reconnect", connection_id, provider.id,
                     exc.code)
            mark_needs_reconnect(db, username, connection_id)
            raise CredentialError(f"{provider.name} refused to renew the connection", "needs_reconnect") from None
    with side_transaction(db) as root:
        conn = _connection(root, username, connection_id)
        store_tokens(conn, box, payload)
        conn.refresh_lease = None
    return payload["access_token"], None
