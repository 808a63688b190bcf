"""The server's own secret: from settings, or a key file created on first run, readable only by its owner."""
import os
import secrets


def load_or_create_secret(settings):
    """Return the secret (bytes) used to sign sessions and frame tokens. There is no built-in default."""
    if settings.get("dashboard.secret"):
        return settings["dashboard.secret"].encode()
    path = settings.get("dashboard.secret_file")
    if not path:
        raise RuntimeError("set dashboard.secret_file (or dashboard.secret) in the ini file")
    try:
        with open(path, "rb") as fh:
            return fh.read().strip()
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    value = secrets.token_hex(32).encode()
    # O_EXCL: if two processes start at once, exactly one writes and the other reads its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, "rb") as fh:
            return fh.read().strip()
    with os.fdopen(fd, "wb") as fh:
        fh.write(value)
    return value
