"""The ``dashboard`` command: ``dashboard CONFIG users add NAME [--admin]``, ``users list``, ``plugins``, ``evolve``,
``pack [--days N]``."""
import argparse
import getpass
import os
import sys
import warnings

# Pyramid still imports pkg_resources, whose deprecation notice is no news to an administrator at the command line.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

import transaction
import zodburi
from pyramid.paster import get_appsettings, setup_logging
from ZODB import DB

from .broker.crypto import SecretBox, keys_file, load_or_create_keys
from .broker.keys import ensure_consumer_identity
from .models import User, get_app_root
from .models.users import MIN_PASSWORD
from .models.evolve import evolve
from .plugins import load_plugins_from_settings


def open_db(settings):
    from zc.lockfile import LockError

    factory, dbkw = zodburi.resolve_uri(settings["zodbconn.uri"])
    try:
        return DB(factory(), **dbkw)
    except LockError:
        raise SystemExit(f"error: the database ({settings['zodbconn.uri']}) is in use by a running server. Stop the "
                         "server first, or serve it from a ZEO server so that this command can run beside it "
                         "(docs/admin.md, Storage).") from None


def read_password(args):
    """At a terminal: asked twice, and again until it is long enough and both agree. Otherwise one line of
    standard input (for scripts)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    while True:
        first = getpass.getpass("Password: ")
        if len(first) < MIN_PASSWORD:
            print(f"Passwords need at least {MIN_PASSWORD} characters; try again.")
        elif first != getpass.getpass("Repeat password: "):
            print("The two differ; try again.")
        else:
            return first


def users_add(root, args):
    taken = root.name_taken(args.name)
    if taken:
        raise SystemExit(f"error: {taken}")
    try:
        user = User(args.name, read_password(args), is_admin=args.admin)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    root.add_user(user)
    print(f"added {'administrator' if args.admin else 'user'} {user.name}")


def users_list(root, args):
    for user in root.users.values():
        fields = [user.name, "admin" if user.is_admin else "user"] + (["disabled"] if user.disabled else [])
        print("\t".join(fields))


def _user(root, name):
    user = root.users.get(name)
    if user is None:
        raise SystemExit(f"error: no user named {name!r}")
    return user


def users_passwd(root, args):
    user = _user(root, args.name)
    try:
        user.set_password(read_password(args))  # which ends every session of theirs
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(f"changed the password of {user.name} and ended their sessions")


def users_disable(root, args):
    user = _user(root, args.name)
    user.disabled = args.users_command == "disable"
    user.end_sessions()
    print(f"{'disabled' if user.disabled else 'enabled'} {user.name} (their sessions have ended)")


def users_end_sessions(root, args):
    _user(root, args.name).end_sessions()
    print(f"ended every session of {args.name}")


def init(root, args):
    """Create the first administrator when there are no accounts: named by --admin (the password from standard
    input, for scripts), or asked for at the terminal. Without either, the server prints a one-time setup code for
    the first-run page when it starts."""
    if root.user_count:
        return
    if args.admin_name:
        args.name, args.admin = args.admin_name, True
        return users_add(root, args)
    if not sys.stdin.isatty():
        print("no accounts yet: when the server starts it prints the address of its first-run page and a one-time "
              "setup code for it")
        return
    print("There are no accounts yet. Create the first administrator.")
    args.name = input("User name: ").strip()
    args.admin = True
    users_add(root, args)


def rotate_key(root, args):
    """Put a new encryption key first and re-encrypt every stored secret with it; older keys stay to decrypt."""
    from .broker.crypto import add_new_key

    box = SecretBox(add_new_key(keys_file(args.settings)))
    count = 0

    def rotate(obj, attr):
        nonlocal count
        if getattr(obj, attr, None) is not None:
            setattr(obj, attr, box.rotate(getattr(obj, attr)))
            count += 1

    settings = root.settings
    if settings.get("consumer_private_key_enc") is not None:
        settings["consumer_private_key_enc"] = box.rotate(settings["consumer_private_key_enc"])
        count += 1
    for provider in root.providers.values():
        rotate(provider, "client_secret_enc")
    for user in root.users.values():
        for conn in user.connections.values():
            for attr in ("access_token_enc", "refresh_token_enc", "token_secret_enc"):
                rotate(conn, attr)
        for flow in user.pending.values():
            rotate(flow, "secret_enc")
    print(f"new key added; re-encrypted {count} stored secrets. Keep the older keys until every process "
          "has restarted with the new key file; then they can be removed.")


def new_plugin(argv):
    from .scaffold import new_plugin as write

    parser = argparse.ArgumentParser(prog="dashboard new-plugin", description="Write a plugin distribution.")
    parser.add_argument("name", help="weather, dashboard-weather or dashboard_weather: each writes dashboard-weather/ "
                                     "with package dashboard_weather and plugin weather")
    parser.add_argument("--dir", default=".", help="where to write it")
    args = parser.parse_args(argv)
    try:
        path = write(args.name, args.dir)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(f"wrote {path}; next: pip install -e '{path}[testing]' && pytest {path}")
    return 0


def _stored_plugin_state(settings):
    """(disabled plugin names, provider id -> approval state), or None when the database is in use elsewhere."""
    try:
        db = open_db(settings)
    except Exception:  # e.g. a running server holds the FileStorage lock
        return None
    try:
        with db.transaction() as conn:
            root = get_app_root(conn.root(), create=False)
            if root is None:
                return set(), {}
            return (set(root.settings.get("disabled_plugins", ())),
                    {pid: ps.state for pid, ps in root.providers.items()})
    finally:
        db.close()


def plugins(settings):
    registry = load_plugins_from_settings(settings)
    registry.check_configure(settings)  # every hook runs, as at start-up, so its errors are listed below
    stored = _stored_plugin_state(settings)
    disabled, states = stored if stored is not None else (set(), {})
    if stored is None:
        print("(the database is in use by a running server: approval states and disabled plugins are not shown)")
    status = 0
    for info in registry.plugins.values():
        print(f"{info.name}  ({info.distribution or '-'} {info.version or ''})".rstrip()
              + ("  [disabled]" if info.name in disabled else ""))
        print(f"  hooks:     {', '.join(info.hooks) or '-'}")
        print(f"  gadgets:   {', '.join(g.id for g in info.gadgets) or '-'}")
        providers = [f"{p.id} ({p.kind}, {states.get(p.id, 'pending') if stored else 'state unknown'})"
                     for p in info.providers]
        print(f"  providers: {', '.join(providers) or '-'}")
        for error in info.errors:
            print(f"  ERROR: {error}")
            status = 1
    return status


def pack(settings, days):
    """Pack the database: drop object revisions older than ``days`` days (undo history and deleted objects, such
    as pruned audit entries), keeping the current state. FileStorage answers how much smaller Data.fs became."""
    db = open_db(settings)
    try:
        path = getattr(db.storage, "_file_name", None)
        before = os.path.getsize(path) if path else None
        db.pack(days=days)
        if path:
            print(f"packed {path}, keeping {days:g} days of history: {before:,} -> {os.path.getsize(path):,} bytes")
        else:
            print(f"packed the database, keeping {days:g} days of history")
    finally:
        db.close()
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    os.umask(0o077)  # the database files and keys this command may create are the server's alone
    if argv[:1] == ["new-plugin"]:  # needs no configuration
        return new_plugin(argv[1:])
    parser = argparse.ArgumentParser(prog="dashboard", description="Administer a Gadget Dashboard server.",
                                     epilog="Also: dashboard new-plugin NAME [--dir DIR] writes a plugin distribution.")
    parser.add_argument("config", help="the ini file, e.g. development.ini")
    sub = parser.add_subparsers(dest="command", required=True)
    users = sub.add_parser("users", help="manage local accounts").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="add a user; the password comes from a prompt or standard input")
    add.add_argument("name")
    add.add_argument("--admin", action="store_true", help="make the user an administrator")
    add.set_defaults(func=users_add)
    users.add_parser("list", help="list users").set_defaults(func=users_list)
    passwd = users.add_parser("passwd", help="set a user's password")
    passwd.add_argument("name")
    passwd.set_defaults(func=users_passwd)
    for command, func, text in (("disable", users_disable, "stop a user from logging in; ends their sessions"),
                                ("enable", users_disable, "let a disabled user log in again"),
                                ("end-sessions", users_end_sessions, "log a user out everywhere")):
        one = users.add_parser(command, help=text)
        one.add_argument("name")
        one.set_defaults(func=func)
    sub.add_parser("plugins", help="list plugins, what they declare and their errors")
    sub.add_parser("evolve", help="bring the stored data up to this version's schema")
    pack_parser = sub.add_parser("pack", help="pack the database: drop history older than --days days")
    pack_parser.add_argument("--days", type=float, default=1.0, help="days of history to keep (default 1)")
    sub.add_parser("rotate-key", help="add a new encryption key and re-encrypt stored secrets").set_defaults(
        func=rotate_key)
    first = sub.add_parser("init", help="create the first administrator if there is none (asks at the terminal, or "
                                        "--admin NAME with the password on standard input)")
    first.add_argument("--admin", dest="admin_name", metavar="NAME", help="the first administrator's name")
    first.set_defaults(func=init)
    args = parser.parse_args(argv)

    setup_logging(args.config)
    settings = args.settings = get_appsettings(args.config)
    if args.command == "plugins":
        return plugins(settings)
    if args.command == "pack":
        if args.days < 0:
            raise SystemExit("error: --days must be 0 or more")
        return pack(settings, args.days)
    db = open_db(settings)
    try:
        with transaction.manager:
            conn = db.open()
            try:
                root = get_app_root(conn.root())
                if args.command == "evolve":
                    applied = evolve(root)
                    print(f"evolved to schema version(s) {applied}" if applied else "already up to date")
                else:
                    evolve(root)
                    ensure_consumer_identity(root.settings, SecretBox(load_or_create_keys(keys_file(settings))))
                    args.func(root, args)
            finally:
                transaction.get().note(f"dashboard {' '.join(sys.argv[2:4])}")
        conn.close()
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
