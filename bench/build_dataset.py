"""Build a FileStorage with N users through the project's models: each user with the default dashboard holding
10 gadget instances and one audit entry; plus "admin" (an administrator) and "bench" (the user whose pages are
measured, with a few audit entries of their own), both with the password ``PASSWORD``.

    .venv/bin/python bench/build_dataset.py DIRECTORY USERS     # writes DIRECTORY/Data.fs

100,000 users (1.6 million persistent objects) take about a minute: large transactions (``COMMIT_EVERY`` users),
savepoints between them and ``cacheMinimize`` after each commit keep memory flat. The bulk users never log in, so
their passwords are hashed with cheap Argon2 parameters (a real hash costs ~50 ms: 100,000 would take hours).
"""
import argparse
import os
import sys
import time
from pathlib import Path

PASSWORD = "benchmark password"
GADGETS = ("clock", "notes")
INSTANCES = 10
COMMIT_EVERY = 10_000
SAVEPOINT_EVERY = 1_000


def user_name(n):
    return f"user{n:06d}"


def _populate(user, n):
    """The default dashboard with INSTANCES gadgets in three columns."""
    dash = user.ordered_dashboards()[0]
    dash.set_layout("AAA")
    for i in range(INSTANCES):
        dash.add(GADGETS[i % len(GADGETS)], {}, i % 3)


def build(directory, users, quiet=False):
    """Write ``directory``/Data.fs; return the seconds it took."""
    import transaction
    from argon2 import PasswordHasher
    from ZODB import DB
    from ZODB.FileStorage import FileStorage

    import dashboard.models.users as users_module
    from dashboard.broker.audit import entry_of, store_entries
    from dashboard.models import User, get_app_root

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for suffix in ("", ".index", ".lock", ".tmp", ".old"):
        (directory / f"Data.fs{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    db = DB(FileStorage(str(directory / "Data.fs")), cache_size=20_000)
    real_hasher = users_module._hasher
    try:
        conn = db.open()
        root = get_app_root(conn.root())
        for name, admin in (("admin", True), ("bench", False)):
            _populate(root.add_user(User(name, PASSWORD, is_admin=admin)), 0)
        store_entries(root, [entry_of(user="bench", provider="github", account="octocat", method="GET",
                                      url=f"https://api.github.test/user?n={n}", status=200, outcome="ok")
                             for n in range(5)])
        transaction.commit()
        users_module._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        entries = []
        for n in range(users):
            _populate(root.add_user(User(user_name(n), PASSWORD)), n)
            entries.append(entry_of(user=user_name(n), provider="github", account=user_name(n), method="GET",
                                    url="https://api.github.test/user", status=200, duration_ms=12, outcome="ok"))
            if (n + 1) % SAVEPOINT_EVERY == 0:
                store_entries(root, entries)
                entries = []
                if (n + 1) % COMMIT_EVERY == 0:
                    transaction.commit()
                    conn.cacheMinimize()
                    if not quiet:
                        print(f"  {n + 1:,} users, {time.perf_counter() - started:.0f} s", file=sys.stderr)
                else:
                    transaction.savepoint(True)  # writes the objects so far to a temporary file
        store_entries(root, entries)
        transaction.get().note(f"bench/build_dataset.py: {users} users")
        transaction.commit()
        conn.close()
    finally:
        users_module._hasher = real_hasher
        db.close()  # writes Data.fs.index, so opening the file does not read it all
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory")
    parser.add_argument("users", type=int)
    args = parser.parse_args()
    seconds = build(args.directory, args.users)
    size = os.path.getsize(Path(args.directory) / "Data.fs")
    print(f"{args.users:,} users in {seconds:.1f} s, Data.fs {size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
