from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from service.adapters.crypto import DataCipher


def test_round_trip_and_fresh_nonce():
    cipher = DataCipher("key one")
    first, second = cipher.encrypt("+15551230001", b"phone"), cipher.encrypt("+15551230001", b"phone")
    assert first != second
    assert b"5551230001" not in first
    assert cipher.decrypt(first, b"phone") == "+15551230001"


def test_tampering_and_wrong_context_or_key_are_refused():
    cipher = DataCipher("key one")
    sealed = bytearray(cipher.encrypt("hello", b"body"))
    with pytest.raises(InvalidTag):
        cipher.decrypt(bytes(sealed), b"phone")
    with pytest.raises(InvalidTag):
        DataCipher("key two").decrypt(bytes(sealed), b"body")
    sealed[-1] ^= 1
    with pytest.raises(InvalidTag):
        cipher.decrypt(bytes(sealed), b"body")


def test_lookup_hash_is_keyed_and_stable():
    one, two = DataCipher("key one"), DataCipher("key two")
    assert one.lookup_hash("+15551230001") == one.lookup_hash("+15551230001")
    assert one.lookup_hash("+15551230001") != two.lookup_hash("+15551230001")
    assert one.lookup_hash("+15551230001") != one.lookup_hash("+15551230002")
    import hashlib

    assert one.lookup_hash("+15551230001") != hashlib.sha256(b"+15551230001").hexdigest()
