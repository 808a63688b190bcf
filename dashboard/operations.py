"""What users do to their dashboards, shared by the HTML forms and the JSON API.

Each function validates its input and raises ``InputError`` (a message for the person) or
``NotFound``; views turn those into 400/404 responses.
"""
import time

from .declarations import PrefError
from .models import sharing
from .models.dashboards import LAYOUTS, MAX_GADGETS, MAX_TITLE
from .models.groups import add_group, add_member, groups_of, remove_group, remove_member
from .models.users import User

MAX_DASHBOARDS = 50


class InputError(ValueError):
    """Bad input from the user; the message says what to fix."""


class NotFound(LookupError):
    """No such object among the requesting user's own."""


def _get(mapping, key, message):
    """``mapping[key]`` for a string key that is there; else NotFound(message)."""
    found = mapping.get(key) if isinstance(key, str) else None
    if found is None:
        raise NotFound(message)
    return found


def get_dashboard(user, did):
    return _get(user.dashboards, did, "no such dashboard")


def get_instance(dash, iid):
    return _get(dash.instances, iid, "no such gadget on this dashboard")


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


def delete_dashboard(user, dash, root=None):
    if len(user.dashboards) <= 1:
        raise InputError("you cannot delete your only dashboard; create another one first")
    del user.dashboards[dash.id]
    if root is not None and sharing.sharing_of(root, user.name, dash.id) is not None:
        sharing.set_sharing(root, user.name, dash.id)  # nobody sees it any more


def copy_dashboard(user, source, title=None):
    """A copy of ``source`` (the user's own or one shared with them) among the user's dashboards, at the end."""
    if len(user.dashboards) >= MAX_DASHBOARDS:
        raise InputError(f"you already have {MAX_DASHBOARDS} dashboards, the most one person can keep")
    title = clean_title(title if title is not None else f"Copy of {source.title}"[:MAX_TITLE])
    order = max([d.order for d in user.dashboards.values()] or [-1.0]) + 1.0
    dash = sharing.copy_dashboard(source, title, order)
    user.dashboards[dash.id] = dash
    return dash


# Sharing: read-only, with named users, groups or everyone logged in

MAX_SHARES = 100
#: How long (days) the access tokens we issue to other applications may be made to live.
TOKEN_LIFETIME_DAYS = (1, 3650)


def get_shared(root, viewer, owner_name, did):
    """(owner, dashboard) when the dashboard is the viewer's own or shared with them now; else NotFound, the same as
    for a dashboard that does not exist, so nobody learns which dashboards others keep."""
    owner = root.users.get(owner_name) if isinstance(owner_name, str) else None
    dash = owner.dashboards.get(did) if owner is not None and isinstance(did, str) else None
    if dash is None or owner.disabled:
        raise NotFound("no such dashboard is shared with you")
    if owner.name != viewer.name:
        shared = sharing.sharing_of(root, owner.name, dash.id)
        if shared is None or not shared.allows(viewer):
            raise NotFound("no such dashboard is shared with you")
    return owner, dash


def shared_with_me(root, viewer):
    """[(owner, dashboard)] shared with the viewer now, by owner name and title."""
    found = []
    for owner_name, did in sharing.shared_with(root, viewer):
        try:
            found.append(get_shared(root, viewer, owner_name, did))
        except NotFound:  # its owner was disabled or deleted it
            continue
    return sorted(found, key=lambda pair: (pair[0].name, pair[1].title.lower()))


def _names(value, what):
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{what} must be a list of names")
    value = sorted({v.strip() for v in value if v.strip()})
    if len(value) > MAX_SHARES:
        raise InputError(f"a dashboard is shared with at most {MAX_SHARES} {what}")
    return value


def share_dashboard(root, owner, dash, users=(), groups=(), everyone=False):
    """Share exactly with these (replacing what was shared); every name must exist."""
    users, groups = _names(users, "users"), _names(groups, "groups")
    if not isinstance(everyone, bool):
        raise InputError("everyone must be true or false")
    unknown = [n for n in users if n not in root.users] + [g for g in groups if g not in groups_of(root)]
    if unknown:
        raise InputError(f"there is no user or group named {', '.join(unknown)}")
    if owner.name in users:
        raise InputError("the dashboard is yours already; name the others who may see it")
    return sharing.set_sharing(root, owner.name, dash.id, users, groups, everyone)


def sharing_json(root, owner, dash):
    shared = sharing.sharing_of(root, owner.name, dash.id)
    return {"users": list(shared.users) if shared else [], "groups": list(shared.groups) if shared else [],
            "everyone": bool(shared and shared.everyone)}


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


# Accounts: what administrators do to users and groups, and what users do to their own password. Each returns what
# changed, for the audit log.


def get_user(root, name):
    return _get(root.users, name, "no such user")


def _text(value, what):
    if not isinstance(value, str):
        raise InputError(f"{what} must be text")
    return value


def create_user(root, name, password, is_admin=False):
    if not isinstance(is_admin, bool):
        raise InputError("is_admin must be true or false")
    name = _text(name, "the name").strip()
    try:
        return root.add_user(User(name, _text(password, "the password"), is_admin=is_admin))
    except (KeyError, ValueError) as exc:
        raise InputError(exc.args[0]) from None


def change_user(actor, user, disabled=None, is_admin=None):
    """Enable or disable ``user``, grant or remove their administrator role. An administrator cannot disable
    themselves nor remove their own role, so at least one enabled administrator (the one acting) always remains.
    Disabling ends every session of the user. Returns the changes made, in words."""
    changes = []
    for value, what in ((disabled, "disabled"), (is_admin, "is_admin")):
        if value is not None and not isinstance(value, bool):
            raise InputError(f"{what} must be true or false")
    if user.name == actor.name and (disabled or is_admin is False):
        raise InputError("you cannot disable yourself or remove your own administrator role; another administrator "
                         "can")
    if disabled is not None and disabled != user.disabled:
        user.disabled = disabled
        if disabled:
            user.end_sessions()
        changes.append("disabled" if disabled else "enabled")
    if is_admin is not None and is_admin != user.is_admin:
        user.is_admin = is_admin
        changes.append("made administrator" if is_admin else "administrator role removed")
    return changes


def reset_password(actor, user, password):
    """An administrator sets ``user``'s password; every session of the user ends (an administrator resetting their
    own goes on in a new one: views/users.py)."""
    try:
        user.set_password(_text(password, "the password"))
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return ["password reset", "sessions ended"]


def end_user_sessions(actor, user):
    """End every session of ``user`` (an administrator ending their own goes on in a new one: views/users.py)."""
    user.end_sessions()
    return ["sessions ended"]


def change_own_password(user, current, new):
    """The user's own change: needs the current password; every session of theirs ends, copies of the cookie of
    the browser making the change included (which goes on in a new one: views/users.py)."""
    if not isinstance(current, str) or not user.check_password(current):
        raise InputError("the current password is wrong")
    try:
        user.set_password(_text(new, "the new password"))
    except ValueError as exc:
        raise InputError(str(exc)) from None


def get_group(root, name):
    return _get(groups_of(root), name, "no such group")


def create_group(root, name):
    name = _text(name, "the group name").strip()
    try:
        return add_group(root, name)
    except (KeyError, ValueError) as exc:
        raise InputError(str(exc).strip('"')) from None


def change_members(root, group, add=(), remove=()):
    """Add and remove members by name; every name must be a user. Returns the changes made, in words."""
    add, remove = _names(add, "members to add"), _names(remove, "members to remove")
    unknown = [n for n in add + remove if n not in root.users]
    if unknown:
        raise InputError(f"there is no user named {', '.join(unknown)}")
    changes = []
    for name in add:
        if name not in group.members:
            try:
                add_member(group, root.users[name])
            except ValueError as exc:
                raise InputError(str(exc)) from None
            changes.append(f"added {name}")
    for name in remove:
        if name in group.members:
            remove_member(group, root.users[name])
            changes.append(f"removed {name}")
    return changes


def delete_group(root, group):
    remove_group(root, group)
    return ["group deleted"]


def live_sessions(user, now=None):
    """How many sessions the user holds now (ended ones are dropped only at their next login)."""
    now = now or time.time()
    return sum(1 for ends in (user.sessions or {}).values() if ends > now)


def user_json(user):
    return {"name": user.name, "is_admin": user.is_admin, "disabled": user.disabled, "groups": list(user.groups),
            "sessions": live_sessions(user)}


def group_json(group):
    return {"name": group.name, "members": list(group.members)}
