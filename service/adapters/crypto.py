"""Personal data at rest: authenticated encryption plus a keyed lookup hash.

Phone numbers and message bodies are stored only as AES-256-GCM ciphertext. A phone number is
found again through an HMAC-SHA256 of it under a separate key, so the database never holds a
number in plaintext or under an unkeyed hash that a dictionary of numbers could reverse.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
VERSION = b"\x01"  # leading byte of every ciphertext, so keys and schemes can rotate


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"peerline:" + purpose).derive(
        secret.encode()
    )


class DataCipher:
    """Encrypt, decrypt and look up personal data under PEERLINE_DATA_KEY."""

    def __init__(self, data_key: str) -> None:
        if not data_key:
            raise ValueError("a data key is required")
        self._aead = AESGCM(_derive(data_key, b"encrypt"))
        self._lookup_key = _derive(data_key, b"lookup")

    def encrypt(self, plaintext: str, context: bytes = b"") -> bytes:
        """Encrypt; `context` binds the ciphertext to its use (a column), so it cannot be swapped."""
        nonce = os.urandom(NONCE_BYTES)
        return VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), context)

    def decrypt(self, ciphertext: bytes, context: bytes = b"") -> str:
        if ciphertext[:1] != VERSION:
            raise ValueError("unknown ciphertext version")
        nonce, sealed = ciphertext[1 : 1 + NONCE_BYTES], ciphertext[1 + NONCE_BYTES :]
        return self._aead.decrypt(nonce, sealed, context).decode()

    def lookup_hash(self, value: str) -> str:
        """Keyed hash for finding a record by an exact value (a phone number)."""
        return hmac.new(self._lookup_key, value.encode(), hashlib.sha256).hexdigest()

    def short_id(self, value: str) -> str:
        """A short keyed tag for logs and Redis keys where no database id exists yet."""
        return self.lookup_hash(value)[:12]
