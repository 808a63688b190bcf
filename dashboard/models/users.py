"""Local user accounts. Passwords are hashed with Argon2id (argon2-cffi); the hash never leaves the object."""
import re
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .dashboards import Dashboard

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8
_hasher = PasswordHasher()
#: Verified against when the user does not exist, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("not a real password, only here for timing")


class User(Persistent):
    #: Unix time of the last logout: frame links issued before it no longer act for this user.
    sessions_valid_after = 0

    def __init__(self, name, password, is_admin=False):
        if not NAME_RE.match(name or ""):
            raise ValueError("user names are 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
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

    def set_password(self, password):
        if not isinstance(password, str) or len(password) < MIN_PASSWORD:
            raise ValueError(f"passwords need at least {MIN_PASSWORD} characters")
        self._password_hash = _hasher.hash(password)

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
