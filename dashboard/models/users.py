"""Local user accounts. Passwords are hashed with Argon2id (argon2-cffi); the hash never leaves the object."""
import re
import secrets
import time
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .dashboards import Dashboard

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
NAME_RULE = "1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
MIN_PASSWORD = 8
_hasher = PasswordHasher()
#: Verified against when the user does not exist, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("not a real password, only here for timing")


#: Sessions a user may hold at once; logging in again beyond this ends the oldest.
MAX_SESSIONS = 50


class User(Persistent):
    #: Unix time of the last logout: frame links issued before it no longer act for this user.
    sessions_valid_after = 0
    #: Live browser sessions: session id -> Unix time it ends (its absolute lifetime). None until the first login.
    sessions = None
    #: Names of the groups this user is in (kept by models/groups.py beside each group's members).
    groups = ()

    def __init__(self, name, password, is_admin=False):
        if not NAME_RE.match(name or ""):
            raise ValueError(f"user names are {NAME_RULE}")
        self.name = name
        self.is_admin = is_admin
        self.disabled = False
        self.created = datetime.now(timezone.utc)
        self.dashboards = OOBTree()
        #: Connected accounts at service providers (connection id -> Connection).
        self.connections = OOBTree()
        #: Connect flows in progress (state -> PendingFlow).
        self.pending = OOBTree()
        self.set_password(password)
        self.add_dashboard("My dashboard")

    def set_password(self, password, keep_session=None):
        """Set the password and end every session but ``keep_session`` (the one changing it, if any)."""
        if not isinstance(password, str) or len(password) < MIN_PASSWORD:
            raise ValueError(f"passwords need at least {MIN_PASSWORD} characters")
        self._password_hash = _hasher.hash(password)
        self.end_sessions(keep=keep_session)

    # Sessions: the cookie names one; it is valid while it is here and unexpired.

    def start_session(self, lifetime, now=None):
        now = now or time.time()
        if self.sessions is None:
            self.sessions = OOBTree()
        for sid, ends in list(self.sessions.items()):
            if ends <= now:
                del self.sessions[sid]
        while len(self.sessions) >= MAX_SESSIONS:
            del self.sessions[min(self.sessions.items(), key=lambda item: item[1])[0]]
        sid = secrets.token_urlsafe(24)
        self.sessions[sid] = now + lifetime
        return sid

    def session_valid(self, sid, now=None):
        if not sid or not isinstance(sid, str) or self.sessions is None:
            return False
        ends = self.sessions.get(sid)
        return ends is not None and (now or time.time()) < ends

    def end_session(self, sid):
        if self.sessions is not None and isinstance(sid, str):
            self.sessions.pop(sid, None)

    def end_sessions(self, keep=None):
        """End every session of this user (but ``keep``); frame links issued before now stop working too."""
        if self.sessions:
            for sid in list(self.sessions.keys()):
                if sid != keep:
                    del self.sessions[sid]
        self.sessions_valid_after = time.time()

    def check_password(self, password):
        try:
            ok = _hasher.verify(self._password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if ok and _hasher.check_needs_rehash(self._password_hash):
            self._password_hash = _hasher.hash(password)
        return ok

    def ordered_dashboards(self):
        return sorted(self.dashboards.values(), key=lambda d: (d.order, d.created))

    def add_dashboard(self, title, layout="AA"):
        order = max([d.order for d in self.dashboards.values()] or [-1.0]) + 1.0
        dash = Dashboard(title, layout, order)
        self.dashboards[dash.id] = dash
        return dash


def burn_password_check(password):
    """Spend the same time as a real check, for logins naming no existing user."""
    try:
        _hasher.verify(_DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        pass
