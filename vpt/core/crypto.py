"""Field encryption (BSN and other identifiers) and keyed hashes for lookups.

- Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under VPT_FIELD_ENCRYPTION_KEYS;
  several keys (newest first) allow rotation: MultiFernet decrypts with any, encrypts with
  the first.
- Lookups and uniqueness use HMAC-SHA256 under VPT_LOOKUP_HASH_KEY, so a database dump
  shows neither the value nor a hash that could be brute-forced without the key (a BSN has
  only ~10^8 valid values: an unkeyed hash would be reversed in seconds).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong key or damaged value") from exc


def lookup_hash(value: str, *, purpose: str) -> str:
    """Keyed hash of `value` for equality lookups; `purpose` separates domains (bsn, ...)."""
    key = settings.LOOKUP_HASH_KEY.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
