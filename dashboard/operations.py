"""What users do to their dashboards, shared by the HTML forms and the JSON API.

Each function validates its input and raises ``InputError`` (a message for the person) or
``NotFound``; views turn those into 400/404 responses.
"""
from .declarations import PrefError
from .models.dashboards import LAYOUTS, MAX_GADGETS, MAX_TITLE

MAX_DASHBOARDS = 50


class InputError(ValueError):
    """Bad input from the user; the message says what to fix."""


class NotFound(LookupError):
    """No such object among the requesting user's own."""


def get_dashboard(user, did):
    dash = user.dashboards.get(did) if isinstance(did, str) else None
    if dash is None:
        raise NotFound("no such dashboard")
    return dash


def get_instance(dash, iid):
    inst = dash.instances.get(iid) if isinstance(iid, str) else None
    if inst is None:
        raise NotFound("no such gadget on this dashboard")
    return inst


def clean_title(title):
    if not isinstance(title, str):
        raise InputError("the title must be text")
    title = title.strip()
    if not title:
        raise InputError("the title cannot be empty")
    if len(title) > MAX_TITLE:
        raise InputError(f"the title is too long (at most {MAX_TITLE} characters)")
    return title


def clean_layout(layout):
    if not isinstance(layout, str) or layout not in LAYOUTS:
        raise InputError(f"the layout must be one of {', '.join(LAYOUTS)}")
    return layout


def clean_int(value, what, low, high=None):
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{what} must be a whole number")
    if value < low or (high is not None and value > high):
        raise InputError(f"{what} must be between {low} and {high}" if high is not None else f"{what} must be at least {low}")
    return value


def create_dashboard(user, title, layout="AA"):
    if len(user.dashboards) >= MAX_DASHBOARDS:
        raise InputError(f"you already have {MAX_DASHBOARDS} dashboards, the most one person can keep")
    return user.add_dashboard(clean_title(title), clean_layout(layout))


def update_dashboard(user, dash, title=None, layout=None, position=None):
    if title is not None:
        dash.title = clean_title(title)
    if layout is not None:
        dash.set_layout(clean_layout(layout))
    if position is not None:
        ordered = [d for d in user.ordered_dashboards() if d.id != dash.id]
        position = clean_int(position, "position", 0, len(ordered))
        ordered.insert(position, dash)
        for n, d in enumerate(ordered):
            if d.order != float(n):
                d.order = float(n)


def delete_dashboard(user, dash):
    if len(user.dashboards) <= 1:
        raise InputError("you cannot delete your only dashboard; create another one first")
    del user.dashboards[dash.id]


def clean_prefs(gadget, raw, current=None):
    """Return the full preference dict after applying ``raw`` (a partial mapping) to ``current``."""
    if not isinstance(raw, dict):
        raise InputError("prefs must be an object mapping preference names to values")
    prefs = dict(gadget.default_prefs())
    prefs.update(current or {})
    unknown = sorted(set(raw) - {p.name for p in gadget.prefs})
    if unknown:
        raise InputError(f"{gadget.title} has no preference named {', '.join(unknown)}")
    errors = []
    for name, value in raw.items():
        try:
            prefs[name] = gadget.pref(name).parse(value)
        except PrefError as exc:
            errors.append(str(exc))
    if errors:
        raise InputError("; ".join(errors))
    return prefs


def add_gadget(dash, catalog, gadget_id, column=0, prefs=None):
    gadget = catalog.get(gadget_id) if isinstance(gadget_id, str) else None
    if gadget is None:
        raise InputError(f"there is no gadget {gadget_id!r} in the directory")
    if len(dash.instances) >= MAX_GADGETS:
        raise InputError(f"a dashboard holds at most {MAX_GADGETS} gadgets")
    column = clean_int(column, "column", 0, dash.column_count - 1)
    clean = clean_prefs(gadget, prefs or {}) if prefs else gadget.default_prefs()
    return dash.add(gadget.id, clean, column)


def move_gadget(dash, inst, column, position):
    column = clean_int(column, "column", 0, dash.column_count - 1)
    position = clean_int(position, "position", 0)
    dash.move(inst, column, position)


def move_gadget_towards(dash, inst, direction):
    """One step ``up``, ``down``, ``left`` or ``right`` (to the same position in the next column), as the arrow
    buttons of the page without script and the arrow keys with it do."""
    columns = dash.columns()
    column = columns[min(inst.column, len(columns) - 1)]
    index = next(n for n, other in enumerate(column) if other.id == inst.id)
    step = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}.get(direction)
    if step is None:
        raise InputError("direction must be up, down, left or right")
    target = inst.column + step[0]
    if not 0 <= target < len(columns) or not 0 <= index + step[1] < len(column) + (1 if step[0] else 0):
        raise InputError(f"this gadget cannot move further {direction}")
    dash.move(inst, target, index + step[1])


def restore_gadget(dash, iid):
    if len(dash.instances) >= MAX_GADGETS:
        raise InputError(f"a dashboard holds at most {MAX_GADGETS} gadgets")
    inst = dash.restore(iid) if isinstance(iid, str) else None
    if inst is None:
        raise NotFound("this gadget was not removed recently from this dashboard, so it cannot be brought back")
    return inst


def set_prefs(catalog, inst, raw):
    gadget = catalog.get(inst.gadget_id)
    if gadget is None:
        raise InputError("this gadget is not available any more, so its preferences cannot be changed")
    inst.set_prefs(clean_prefs(gadget, raw, inst.prefs))
