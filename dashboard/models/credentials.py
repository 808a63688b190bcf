"""What the credential broker stores: administrators' provider settings, users' connected accounts,
flows in progress and the audit log. Secret values are stored only as ciphertext (``*_enc`` attributes)."""
from datetime import datetime, timezone

from persistent import Persistent

from .ids import new_id


def now():
    return datetime.now(timezone.utc)


class ProviderSettings(Persistent):
    """An administrator's decision about one declared provider, and what it needs to be used."""

    #: The server an administrator chose for a provider whose server is configurable ("" keeps the declared one),
    #: and when it last changed: accounts connected before then were connected at another server.
    server_url = ""
    server_changed = None

    def __init__(self, provider_id):
        self.provider_id = provider_id
        self.approved = False
        self.enabled = True
        #: OAuth 1.0a consumer key / OAuth 2.0 client id.
        self.client_id = ""
        #: OAuth 1.0a shared secret (HMAC-SHA1) / OAuth 2.0 client secret, encrypted.
        self.client_secret_enc = None
        #: Trusted applications: the administrator confirmed user names match on both sides.
        self.usernames_match = False
        self.updated = now()
        self.updated_by = ""

    @property
    def state(self):
        if not self.approved:
            return "pending"
        return "approved" if self.enabled else "disabled"


class Connection(Persistent):
    """One user's account at one provider, with its (encrypted) tokens."""

    #: The server the account was connected at, for providers whose server is configurable (None: stored before
    #: this was kept; then its ``created`` time against the provider's ``server_changed`` decides).
    server_url = None
    #: How long the access token was issued for (OAuth 2.0 ``expires_in``, a timedelta), which sets how early it is
    #: refreshed; None when the provider did not say (and for connections stored before it was kept).
    token_lifetime = None

    def __init__(self, provider_id, account, scopes):
        self.id = new_id()
        self.provider_id = provider_id
        self.account = account
        self.scopes = list(scopes)
        self.created = now()
        self.expires_at = None
        self.last_used = None
        #: "ok" or "needs_reconnect" (the provider refused the token or its refresh).
        self.status = "ok"
        self.access_token_enc = None
        self.refresh_token_enc = None
        #: OAuth 1.0a token secret.
        self.token_secret_enc = None


class PendingFlow(Persistent):
    """A connect flow between redirect and callback; single use, short-lived."""

    #: The provider's server when the flow started (a flow never ends at another one).
    server_url = ""

    LIFETIME = 600

    def __init__(self, state, provider_id, dashboard_id, instance_id):
        self.state = state
        self.provider_id = provider_id
        self.dashboard_id = dashboard_id
        self.instance_id = instance_id
        self.created = now()
        #: OAuth 2.0 PKCE code verifier / OAuth 1.0a request token secret, encrypted.
        self.secret_enc = None
        #: OAuth 1.0a request token (public).
        self.request_token = None

    def expired(self):
        return (now() - self.created).total_seconds() > self.LIFETIME
