"""Where a student's support shows outside the student's page, registered with the apps below
support when it loads (support/apps.py): the tiered list's columns and filters."""

from __future__ import annotations

from . import list_columns


def register() -> None:
    list_columns.register()
