"""Progress of a running import, kept in the cache: the import's own transaction is still
open while it runs, so nothing it writes to the database is visible to the page polling it."""

from __future__ import annotations

from django.core.cache import cache

_TTL_SECONDS = 6 * 60 * 60


def _key(import_id: int) -> str:
    return f"tiering:import-progress:{import_id}"


def report(import_id: int, percent: int, message: str) -> None:
    cache.set(_key(import_id), {"percent": percent, "message": message}, _TTL_SECONDS)


def read(import_id: int) -> dict | None:
    return cache.get(_key(import_id))
