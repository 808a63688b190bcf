"""This server's own RSA key pair: OAuth 1.0a RSA-SHA1 consumer signatures and trusted-application identities.

The private key is stored encrypted in the database; the public key is what administrators copy to providers.
"""
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def ensure_consumer_identity(settings, box, regenerate=False):
    """Create the consumer key, name and key pair on first start (or a new key pair when ``regenerate``);
    return True when something was created."""
    if settings.get("consumer_private_key_enc") and not regenerate:
        return False
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    settings["consumer_private_key_enc"] = box.encrypt(pem)
    settings["consumer_public_key"] = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    settings.setdefault("consumer_key", f"gadget-dashboard:{secrets.token_hex(8)}")
    settings.setdefault("consumer_name", "Gadget Dashboard")
    settings.setdefault("consumer_description", "Dashboards of gadgets showing data from other applications")
    return True


def private_key_pem(settings, box):
    return box.decrypt(settings["consumer_private_key_enc"])
