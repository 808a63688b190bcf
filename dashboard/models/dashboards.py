"""Dashboards and the gadget instances on them.

A gadget instance keeps its own column and an exact fractional sort key, so adding, moving and editing
different gadgets touch different persistent objects and concurrent edits rarely conflict; the
instances themselves live in a BTree, whose buckets resolve concurrent inserts of different keys.
"""
from datetime import datetime, timezone
from fractions import Fraction

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .ids import new_id

#: Layout code -> relative column widths. "A" columns are equal; "B" is twice as wide.
LAYOUTS = {"A": (1,), "AA": (1, 1), "AB": (1, 2), "BA": (2, 1), "AAA": (1, 1, 1), "ABA": (1, 2, 1)}
MAX_TITLE = 200
MAX_GADGETS = 100
#: How many removed gadgets a dashboard keeps so that "Undo" can bring them back (with their state).
MAX_REMOVED = 20


class GadgetInstance(Persistent):
    """One gadget placed on a dashboard, with that placement's preferences and state."""

    #: The connected account (Connection id) this instance uses at its gadget's provider.
    connection_id = None

    def __init__(self, gadget_id, prefs, column=0, order=Fraction(0)):
        self.id = new_id()
        self.gadget_id = gadget_id
        self.prefs = dict(prefs)
        #: Data the gadget keeps for this placement (e.g. the notes gadget's text).
        self.state = {}
        self.column = column
        self.order = order
        self.minimized = False
        self.created = datetime.now(timezone.utc)

    def set_prefs(self, prefs):
        self.prefs = dict(prefs)  # reassign so ZODB sees the change

    def set_state(self, **values):
        self.state = {**self.state, **values}


class Dashboard(Persistent):
    #: Recently removed instances by id, newest last (None until the first removal; older dashboards lack it).
    removed = None

    def __init__(self, title, layout="AA", order=0.0):
        self.id = new_id()
        self.title = title
        self.layout = layout
        self.order = order
        self.instances = OOBTree()
        self.created = datetime.now(timezone.utc)

    @property
    def column_count(self):
        return len(LAYOUTS[self.layout])

    def columns(self):
        """The instances as a list per column, each in display order."""
        cols = [[] for _ in range(self.column_count)]
        for inst in self.instances.values():
            cols[min(inst.column, self.column_count - 1)].append(inst)
        for col in cols:
            col.sort(key=lambda i: (i.order, i.id))
        return cols

    def set_layout(self, layout):
        """Change the layout; gadgets in columns that disappear go to the end of the last column."""
        self.layout = layout
        last = self.column_count - 1
        orphans = [i for i in self.instances.values() if i.column > last]
        if orphans:
            tail = max([Fraction(i.order) for i in self.instances.values() if i.column == last] or [Fraction(0)])
            for n, inst in enumerate(sorted(orphans, key=lambda i: (i.column, i.order)), start=1):
                inst.column, inst.order = last, tail + n

    def add(self, gadget_id, prefs, column=0):
        column = min(column, self.column_count - 1)
        col = self.columns()[column]
        order = (Fraction(col[-1].order) + 1) if col else Fraction(0)
        inst = GadgetInstance(gadget_id, prefs, column, order)
        self.instances[inst.id] = inst
        return inst

    def move(self, inst, column, position):
        """Put ``inst`` at ``position`` (0-based, clamped) in ``column``, touching only it when possible."""
        column = min(column, self.column_count - 1)
        others = [i for i in self.columns()[column] if i.id != inst.id]
        position = max(0, min(position, len(others)))
        before = others[position - 1].order if position > 0 else None
        after = others[position].order if position < len(others) else None
        if before is None and after is None:
            order = Fraction(0)
        elif before is None:
            order = Fraction(after) - 1
        elif after is None:
            order = Fraction(before) + 1
        else:
            # Exact rationals never run out of room between neighbours, so a move never renumbers
            # (and so never writes) any other gadget.
            order = (Fraction(before) + Fraction(after)) / 2
        inst.column, inst.order = column, order

    def remove(self, inst_id):
        """Take an instance off the dashboard, keeping it (preferences, state, account) for ``restore``."""
        inst = self.instances.pop(inst_id)
        removed = dict(self.removed or {})
        removed[inst_id] = inst
        while len(removed) > MAX_REMOVED:
            del removed[next(iter(removed))]
        self.removed = removed  # a small dict, reassigned so ZODB sees the change
        return inst

    def restore(self, inst_id):
        """Put a removed instance back where it was; None when it is no longer kept."""
        removed = dict(self.removed or {})
        inst = removed.pop(inst_id, None)
        if inst is None:
            return None
        self.removed = removed
        inst.column = min(inst.column, self.column_count - 1)
        self.instances[inst.id] = inst
        return inst
