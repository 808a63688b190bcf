"""Persistent classes stored in ZODB. Nothing here knows about Pyramid."""
from .dashboards import LAYOUTS, Dashboard, GadgetInstance
from .root import AppRoot, get_app_root
from .users import User

__all__ = ["LAYOUTS", "AppRoot", "Dashboard", "GadgetInstance", "User", "get_app_root"]
