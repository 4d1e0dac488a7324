"""How django-axes names the account a sign-in attempt was for, and the address it came from."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def attempted_email(request, credentials: dict | None) -> str | None:
    """The email address as typed on the sign-in form, lower-cased as accounts are stored, so
    that "Alice@…" and "alice@…" count against the same lockout."""
    value = (credentials or {}).get("username") or request.POST.get("username")
    return value.strip().lower() if value else None


def client_ip(request) -> str:
    """The address a sign-in attempt came from. Behind TRUSTED_PROXY_COUNT reverse proxies,
    each of which appends the address it received the request from to X-Forwarded-For, that
    is the entry the outermost proxy appended: the count-th from the right. Entries to its left
    are whatever the client sent and are never read. With no trusted proxy (the default) the
    header is ignored altogether, since anyone can send one; a request that did not come
    through every proxy (too few entries), or a malformed entry, falls back to the address
    that connected."""
    proxies = settings.TRUSTED_PROXY_COUNT
    connected = request.META.get("REMOTE_ADDR", "")
    if not proxies:
        return connected
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        return connected
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return connected
