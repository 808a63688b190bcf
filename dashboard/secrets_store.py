"""The server's own secrets kept in files beside the ini file, created on first run, readable only by their owner."""
import os
import secrets


def read_or_create_private_file(path, make_content):
    """Return the bytes in ``path``; when it is absent or empty, create it (mode 0600) with ``make_content()``."""
    try:
        with open(path, "rb") as fh:
            content = fh.read()
        if content.strip():
            return content
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    content = make_content()
    # O_EXCL: if two processes start at once, exactly one writes and the other reads what it wrote.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, "rb") as fh:
            return fh.read()
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    return content


def load_or_create_secret(settings):
    """Return the secret (bytes) used to sign sessions and frame tokens. There is no built-in default."""
    if settings.get("dashboard.secret"):
        return settings["dashboard.secret"].encode()
    path = settings.get("dashboard.secret_file")
    if not path:
        raise RuntimeError("set dashboard.secret_file (or dashboard.secret) in the ini file")
    return read_or_create_private_file(path, lambda: secrets.token_hex(32).encode()).strip()
