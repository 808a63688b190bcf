"""Dashboards shared read-only, dashboard copies and the default dashboard new users start with.

A dashboard's sharing lives beside it, in ``root["sharing"]`` ((owner, dashboard id) -> ``Sharing``), so sharing a
dashboard never changes the dashboard (nor its owner's kept pages). ``root["shared_index"]`` holds one
``(audience, owner, dashboard id)`` per audience a dashboard is shared with (``u:NAME``, ``g:GROUP`` or ``*`` for
everyone logged in), so "Shared with me" reads only the entries of the user, their groups and everyone.

``root["default_dashboard"]`` is a ``Dashboard`` belonging to nobody, with the fixed id ``DEFAULT_ID``: an
administrator edits it in the dashboard editor (``/d/default``, see views/whose.py) or sets it from a copy of one of
their own dashboards, and every user added later (``AppRoot.add_user``: the CLI, the web, first run) starts with a
copy of its title, layout, gadgets and preferences (never an account: a copy's gadgets use their new owner's).
"""
from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent

from .dashboards import Dashboard, GadgetInstance

EVERYONE = "*"
_TOP = "\U0010ffff"


class Sharing(Persistent):
    """With whom one dashboard is shared (read-only)."""

    def __init__(self, owner, dashboard_id):
        self.owner, self.dashboard_id = owner, dashboard_id
        self.users, self.groups, self.everyone = (), (), False

    def audiences(self):
        return {f"u:{n}" for n in self.users} | {f"g:{g}" for g in self.groups} | ({EVERYONE} if self.everyone else set())

    def allows(self, user):
        return self.everyone or user.name in self.users or bool(set(user.groups) & set(self.groups))


def _tree(root, key, factory, create):
    tree = root.get(key)
    if tree is None:
        tree = factory()
        if create:
            root[key] = tree
    return tree


def sharing_of(root, owner, dashboard_id):
    """The dashboard's ``Sharing``, or None when it is shared with nobody."""
    return _tree(root, "sharing", OOBTree, False).get((owner, dashboard_id))


def set_sharing(root, owner, dashboard_id, users=(), groups=(), everyone=False):
    """Share with exactly these users, groups and (or not) everyone logged in; nobody removes the sharing."""
    trees, index = _tree(root, "sharing", OOBTree, True), _tree(root, "shared_index", OOTreeSet, True)
    sharing = trees.get((owner, dashboard_id)) or Sharing(owner, dashboard_id)
    before = sharing.audiences()
    sharing.users, sharing.groups, sharing.everyone = tuple(sorted(users)), tuple(sorted(groups)), bool(everyone)
    after = sharing.audiences()
    for audience in before - after:
        index.remove((audience, owner, dashboard_id))
    for audience in after - before:
        index.add((audience, owner, dashboard_id))
    if after:
        trees[(owner, dashboard_id)] = sharing
    elif (owner, dashboard_id) in trees:
        del trees[(owner, dashboard_id)]
    return sharing if after else None


def shared_with(root, user):
    """(owner, dashboard id) of every dashboard shared with ``user`` (by name, group or everyone), not their own."""
    index = root.get("shared_index")
    if index is None:
        return []
    found = set()
    for audience in [f"u:{user.name}", EVERYONE] + [f"g:{g}" for g in user.groups]:
        for _, owner, did in index.keys(min=(audience,), max=(audience, _TOP)):
            if owner != user.name:
                found.add((owner, did))
    return sorted(found)


def _forget(root, audience, users=None, groups=None):
    """Take ``audience`` out of every sharing that names it, read through the index (only those are loaded);
    ``users``/``groups``: the names to drop. Returns how many sharings changed."""
    index = root.get("shared_index")
    changed = 0
    for _, owner, did in list(index.keys(min=(audience,), max=(audience, _TOP))) if index is not None else ():
        sharing = sharing_of(root, owner, did)
        if sharing is not None:
            set_sharing(root, owner, did, [u for u in sharing.users if u != users],
                        [g for g in sharing.groups if g != groups], sharing.everyone)
            changed += 1
    return changed


def forget_group(root, group_name):
    """Take a deleted group out of every sharing: a group made later under the same name inherits nothing."""
    _forget(root, f"g:{group_name}", groups=group_name)


def forget_user(root, user):
    """For a deleted user: dashboards shared with them by name are not any more, and theirs are shared with nobody.
    Reads the index entries naming them and their own dashboards, nothing else. Returns how many sharings went."""
    gone = _forget(root, f"u:{user.name}", users=user.name)
    for did in list(user.dashboards.keys()):
        if sharing_of(root, user.name, did) is not None:
            set_sharing(root, user.name, did)
            gone += 1
    return gone


def copy_dashboard(source, title, order=0.0):
    """A new dashboard with ``source``'s layout and a copy of each gadget: its place, preferences and kept state,
    never its connected account (the copy's owner uses their own)."""
    dash = Dashboard(title, source.layout, order)
    for inst in source.instances.values():
        copy = GadgetInstance(inst.gadget_id, inst.prefs, inst.column, inst.order)
        copy.state, copy.minimized = dict(inst.state), inst.minimized
        dash.instances[copy.id] = copy
    return dash


#: The default dashboard's id in URLs (``/d/default``); user dashboards' ids are 12 random characters.
DEFAULT_ID = "default"


def default_dashboard(root):
    """The dashboard new users start with, or None (they start with an empty one)."""
    dash = root.get("default_dashboard")
    if dash is not None and dash.id != DEFAULT_ID:
        dash.id = DEFAULT_ID  # set before the default had its fixed id: written once, the first time it is read
    return dash


def new_default(title="My dashboard", layout="AA"):
    """An empty default dashboard (what a new user gets when none is set), not stored."""
    dash = Dashboard(title, layout)
    dash.id = DEFAULT_ID
    return dash


def editable_default(root):
    """The default dashboard, stored first as an empty one when there is none, for an administrator to change."""
    dash = default_dashboard(root)
    if dash is None:
        dash = root["default_dashboard"] = new_default()
    return dash


def set_default_dashboard(root, source):
    """Make a copy of ``source`` the dashboard new users start with (None: they start with an empty one)."""
    dash = copy_dashboard(source, source.title) if source is not None else None
    if dash is not None:
        dash.id = DEFAULT_ID
    root["default_dashboard"] = dash


def give_default_dashboard(root, user):
    """Replace a new user's empty first dashboard with a copy of the default one, when an administrator set one."""
    default = default_dashboard(root)
    if default is None:
        return
    for did in list(user.dashboards.keys()):
        del user.dashboards[did]
    copy = copy_dashboard(default, default.title)
    user.dashboards[copy.id] = copy
