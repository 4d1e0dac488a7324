"""Progress of a cohort PDF being built, kept in the cache as an import's is
(tiering/progress.py): the build's transaction is open while it runs, so nothing it writes to
the database is visible to the page polling it."""

from __future__ import annotations

from django.core.cache import cache

_TTL_SECONDS = 6 * 60 * 60


def _key(pdf_id: int) -> str:
    return f"workshops:cohort-pdf-progress:{pdf_id}"


def report(pdf_id: int, percent: int, message: str) -> None:
    cache.set(_key(pdf_id), {"percent": percent, "message": message}, _TTL_SECONDS)


def read(pdf_id: int) -> dict | None:
    return cache.get(_key(pdf_id))
