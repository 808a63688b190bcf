"""The application's root object inside the ZODB root, and how it is found or created."""
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from persistent.mapping import PersistentMapping

ROOT_KEY = "gadget_dashboard"


class AppRoot(PersistentMapping):
    """Holds ``users`` (name -> User), ``settings`` (administrator settings), ``providers`` (provider id ->
    ProviderSettings) and ``audit`` (time in ns -> audit entry dict)."""

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

    @property
    def settings(self):
        return self["settings"]

    @property
    def providers(self):
        return self["providers"]

    @property
    def audit(self):
        return self["audit"]


def get_app_root(zodb_root, create=True):
    """Return the application root, creating it (uncommitted) when ``create`` and it is missing."""
    app = zodb_root.get(ROOT_KEY)
    if app is None and create:
        from .evolve import evolve

        app = zodb_root[ROOT_KEY] = AppRoot()
        evolve(app)
    return app
