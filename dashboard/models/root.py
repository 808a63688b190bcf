"""The application's root object inside the ZODB root, and how it is found or created."""
from itertools import islice

from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from persistent.mapping import PersistentMapping

ROOT_KEY = "gadget_dashboard"


class AppRoot(PersistentMapping):
    """Holds ``users`` (name -> User) with ``user_count`` (a BTrees.Length kept by ``add_user``) and
    ``user_names_folded`` (name in lower case -> name, kept by ``add_user``), ``settings``
    (administrator settings), ``providers`` (provider id -> ProviderSettings) and ``audit`` (time in ns -> audit
    entry dict, indexed in ``audit_by_user`` and ``audit_by_provider``: see broker/audit.py)."""

    __name__ = None
    __parent__ = None

    def __init__(self):
        super().__init__()
        self["users"] = OOBTree()
        self["settings"] = PersistentMapping({"fetch_allow_hosts": ()})
        self["providers"] = OOBTree()
        self["audit"] = LOBTree()
        self.schema_version = 0

    @property
    def users(self):
        return self["users"]

    def name_taken(self, name):
        """Why ``name`` cannot be a new user's, or None: a user has it, or one whose name differs only in case
        ("Carol" for "carol"; names are ASCII), who would be the same person to someone reading the audit log, a
        share or a group."""
        existing = self["user_names_folded"].get(name.lower()) if isinstance(name, str) else None
        if existing is None:
            return None
        return f"a user named {existing!r} already exists" + ("" if existing == name else
                                                               "; names may not differ only in case")

    def add_user(self, user):
        """The one way users are stored: keeps the count that "is there any user?" reads without a walk, and the
        index of names in lower case (``name_taken``)."""
        taken = self.name_taken(user.name)
        if taken:
            raise KeyError(taken)
        from .sharing import give_default_dashboard

        give_default_dashboard(self, user)  # a copy of the administrator's default dashboard, if they set one
        self.users[user.name] = user
        self["user_names_folded"][user.name.lower()] = user.name
        self["user_count"].change(1)
        return user

    def remove_user(self, name):
        del self.users[name]
        if self["user_names_folded"].get(name.lower()) == name:
            del self["user_names_folded"][name.lower()]
        self["user_count"].change(-1)

    @property
    def user_count(self):
        return self["user_count"]()

    @property
    def settings(self):
        return self["settings"]

    @property
    def providers(self):
        return self["providers"]

    @property
    def audit(self):
        return self["audit"]


def page_of_keys(tree, prefix="", start="", size=50):
    """One page of ``tree``'s string keys that start with ``prefix``, from ``start`` on (a page's ``next``):
    (at most ``size`` keys, the key the next page starts with or None). Reads about ``size`` keys whatever the
    tree's size."""
    prefix = prefix if isinstance(prefix, str) else ""
    start = start if isinstance(start, str) and start > prefix else prefix
    keys = []
    for key in islice(tree.keys(min=start), size + 1):
        if not (isinstance(key, str) and key.startswith(prefix)):
            break
        keys.append(key)
    return keys[:size], (keys[size] if len(keys) > size else None)


def get_app_root(zodb_root, create=True):
    """Return the application root, creating it (uncommitted) when ``create`` and it is missing."""
    app = zodb_root.get(ROOT_KEY)
    if app is None and create:
        from .evolve import evolve

        app = zodb_root[ROOT_KEY] = AppRoot()
        evolve(app)
    return app
