"""How django-axes names the account a sign-in attempt was for."""

from __future__ import annotations


def attempted_email(request, credentials: dict | None) -> str | None:
    """The email address as typed on the sign-in form, lower-cased as accounts are stored, so
    that "Alice@…" and "alice@…" count against the same lockout."""
    value = (credentials or {}).get("username") or request.POST.get("username")
    return value.strip().lower() if value else None
