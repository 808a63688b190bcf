"""Groups of users, for sharing dashboards with many people at once.

``root["groups"]`` (created by the first group) maps a group's name to its ``Group``; each user keeps the names of
their groups in ``User.groups``, so "is this user in a group this dashboard is shared with?" reads no group and
walks no tree.
"""
from datetime import datetime, timezone

from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent

from .users import NAME_RE

MAX_GROUPS_PER_USER = 100


class Group(Persistent):
    def __init__(self, name):
        if not NAME_RE.match(name or ""):
            raise ValueError("group names are 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or "
                             "digit")
        self.name = name
        self.members = OOTreeSet()
        self.created = datetime.now(timezone.utc)


def groups_of(root, create=False):
    """The groups tree (an empty one, not stored, while no group exists unless ``create``)."""
    tree = root.get("groups")
    if tree is None:
        tree = OOBTree()
        if create:
            root["groups"] = tree
    return tree


def add_group(root, name):
    tree = groups_of(root, create=True)
    if name in tree:
        raise KeyError(f"a group named {name!r} already exists")
    group = tree[name] = Group(name)
    return group


def add_member(group, user):
    if group.name not in user.groups and len(user.groups) >= MAX_GROUPS_PER_USER:
        raise ValueError(f"{user.name} is already in {MAX_GROUPS_PER_USER} groups, the most one person can be in")
    group.members.add(user.name)
    user.groups = tuple(sorted(set(user.groups) | {group.name}))


def remove_member(group, user):
    group.members.remove(user.name) if user.name in group.members else None
    user.groups = tuple(g for g in user.groups if g != group.name)


def remove_group(root, group):
    from .sharing import forget_group

    forget_group(root, group.name)
    for name in list(group.members):
        user = root.users.get(name)
        if user is not None:
            remove_member(group, user)
    del groups_of(root)[group.name]
