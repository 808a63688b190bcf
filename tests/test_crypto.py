"""Secrets at rest: Fernet with key rotation, and the bounded memory of decrypted values."""
import pytest
from cryptography.fernet import Fernet

from dashboard.broker.crypto import SecretBox, SecretBoxError


def test_newest_key_encrypts_and_every_listed_key_decrypts():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    written_with_old = SecretBox([old]).encrypt("token-value")
    box = SecretBox([new, old])
    assert box.decrypt(written_with_old) == "token-value"
    assert SecretBox([new]).decrypt(box.encrypt("other")) == "other"
    with pytest.raises(SecretBoxError, match="cannot be decrypted"):
        SecretBox([new]).decrypt(written_with_old)


def test_decrypted_values_are_remembered_within_a_bound():
    box = SecretBox([Fernet.generate_key()])
    box.CACHE_SIZE = 3
    tokens = [box.encrypt(f"secret-{n}") for n in range(5)]
    assert [box.decrypt(t) for t in tokens] == [f"secret-{n}" for n in range(5)]
    assert len(box._plain) == 3 and list(box._plain.values()) == ["secret-2", "secret-3", "secret-4"]
    box._fernet = None  # a remembered value no longer needs the cipher...
    assert box.decrypt(tokens[4]) == "secret-4"
    with pytest.raises(AttributeError):  # ...one that was forgotten does
        box.decrypt(tokens[0])


def test_a_forged_ciphertext_is_refused_not_remembered():
    box = SecretBox([Fernet.generate_key()])
    forged = SecretBox([Fernet.generate_key()]).encrypt("x")
    for _ in range(2):
        with pytest.raises(SecretBoxError):
            box.decrypt(forged)
    assert not box._plain
