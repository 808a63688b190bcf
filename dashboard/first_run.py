"""The first run: a server without accounts creates the first administrator through the browser, proven by a setup
code that only someone who can read the server's output has (as Jenkins does).

At start, when there are no accounts, the server makes a one-time code (kept hashed in the database, so any process
of the server accepts it), and prints it with the address of the setup page in one block. The code is single use
and expires after ``dashboard.setup_code_hours`` (24); a server started later makes a new one. Once any account
exists, the setup page is gone (404).
"""
import hashlib
import secrets
import sys
import time

#: No 0/O, 1/I/L: a code read off a terminal and typed again.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
KEY = "setup_code"


def _digest(code):
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code):
    return "".join(c for c in str(code).upper() if c in ALPHABET)


def make_code(settings, hours=24, now=None):
    """A new code, replacing any earlier one; its hash and expiry are stored in ``settings`` (the root's)."""
    code = "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))
    settings[KEY] = (_digest(code), (now or time.time()) + hours * 3600)
    return code


def check_code(settings, code, now=None):
    """'ok', 'expired' or 'wrong' (compared in constant time)."""
    stored = settings.get(KEY)
    if not stored:
        return "expired"
    digest, expires = stored
    if not secrets.compare_digest(digest, _digest(code)):
        return "wrong"
    return "ok" if (now or time.time()) < expires else "expired"


def use_code(settings):
    settings.pop(KEY, None)


def announce(code, url, hours, out=None):
    """The block the server prints: where to go and what to type."""
    out = out or sys.stderr
    line = "*" * 72
    print(f"\n{line}\n\nThis server has no accounts yet. To create the first administrator, open\n\n"
          f"    {url}\n\nand enter this one-time setup code (valid for {hours:g} hours, until it is used):\n\n"
          f"    {code}\n\n(Or at a terminal: dashboard CONFIG init, or dashboard CONFIG users add NAME --admin.)\n\n"
          f"{line}\n", file=out, flush=True)
