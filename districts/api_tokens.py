"""API tokens' secrets: how one is made and recognised. Only a digest is stored; the secret is
shown once, when the token is made (services.api_token_create)."""

from __future__ import annotations

import hashlib
import secrets

# Recognisable in logs and by secret scanners; the rest is 256 random bits.
SECRET_PREFIX = "apt_"  # noqa: S105 — a label, not a secret
# How much of the secret lists show to tell tokens apart: far too little to guess the rest.
SHOWN_CHARACTERS = len(SECRET_PREFIX) + 8
DEFAULT_LIFETIME_DAYS = 90
MAX_LIFETIME_DAYS = 366


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    # A plain hash suffices: the secret is random, not a password someone could guess, and a
    # salted or slow hash would leave no way to find the token by its secret.
    return hashlib.sha256(secret.encode()).hexdigest()


def shown_part(secret: str) -> str:
    return secret[:SHOWN_CHARACTERS]
