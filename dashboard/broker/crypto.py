"""Secrets and tokens encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256), with key rotation.

The keys live in a file outside the database (``dashboard.encryption_keys_file``), one per line, newest
first: the newest encrypts, every listed key decrypts. The file is created with mode 0600 on first run.
"""
import os
import threading
from collections import OrderedDict

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBoxError(Exception):
    pass


class SecretBox:
    #: How many decrypted values are remembered. Every credentialed request decrypts its token, token secret and
    #: consumer secret (AES + HMAC each); remembering them keeps that off the request path. The plaintexts are no
    #: more exposed than before: the process that holds them also holds the keys that decrypt them.
    CACHE_SIZE = 1024

    def __init__(self, keys):
        if not keys:
            raise SecretBoxError("no encryption keys")
        self.keys = list(keys)
        self._fernet = MultiFernet([Fernet(k) for k in self.keys])
        self._plain = OrderedDict()  # ciphertext -> plaintext, least recently used first
        self._lock = threading.Lock()

    def encrypt(self, value):
        """Return the ciphertext (bytes) of a text value; ``None`` stays ``None``."""
        return None if value is None else self._fernet.encrypt(value.encode())

    def decrypt(self, token):
        if token is None:
            return None
        token = bytes(token)
        with self._lock:
            value = self._plain.get(token)
            if value is not None:
                self._plain.move_to_end(token)
                return value
        try:
            value = self._fernet.decrypt(token).decode()
        except InvalidToken:
            raise SecretBoxError("a stored secret cannot be decrypted with the configured keys") from None
        with self._lock:
            self._plain[token] = value
            if len(self._plain) > self.CACHE_SIZE:
                self._plain.popitem(last=False)
        return value

    def rotate(self, token):
        """Re-encrypt ``token`` with the newest key."""
        return None if token is None else self._fernet.rotate(token)


def _write_keys(path, keys):
    tmp = f"{path}.new"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(b"\n".join(keys) + b"\n")
    os.replace(tmp, path)


def load_or_create_keys(path):
    """Return the keys in ``path`` (newest first), creating the file with one new key when absent."""
    from ..secrets_store import read_or_create_private_file

    content = read_or_create_private_file(path, lambda: Fernet.generate_key() + b"\n")
    return [line.strip() for line in content.splitlines() if line.strip() and not line.startswith(b"#")]


def add_new_key(path):
    """Put a new key first in ``path`` (older keys stay, to decrypt); return the new key list."""
    keys = [Fernet.generate_key()] + load_or_create_keys(path)
    _write_keys(path, keys)
    return keys


def keys_file(settings):
    """Where the encryption keys live: ``dashboard.encryption_keys_file``, or next to the secret file."""
    if settings.get("dashboard.encryption_keys_file"):
        return settings["dashboard.encryption_keys_file"]
    if settings.get("dashboard.secret_file"):
        return os.path.join(os.path.dirname(os.path.abspath(settings["dashboard.secret_file"])), "encryption.keys")
    raise SecretBoxError("set dashboard.encryption_keys_file in the ini file")
