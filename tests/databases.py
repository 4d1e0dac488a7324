"""The address of the database the tests use, for what cannot share Django's connection:
worker processes, commands run as subprocesses and raw connections that hold a lock."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.db import connection


def database_url(*, as_admin: bool = False) -> str:
    """The test database's URL, signed in as the app's role (or as DATABASE_URL's account),
    on whichever server the tests run: the machine's, given by host and port, or the embedded
    one, whose socket directory Django keeps in OPTIONS rather than HOST."""
    s = connection.settings_dict
    login = settings.DATABASE_ADMIN_LOGIN if as_admin else s
    user = quote(login["USER"], safe="")
    password = f":{quote(login['PASSWORD'], safe='')}" if login["PASSWORD"] else ""
    name = quote(s["NAME"], safe="")
    host = s["HOST"] or s["OPTIONS"].get("host", "")
    port = s["PORT"] or s["OPTIONS"].get("port", "")
    if host.startswith("/"):
        # libpq takes a socket directory only as a parameter, never in the authority.
        query = f"?host={quote(host, safe='/')}" + (f"&port={port}" if port else "")
        return f"postgresql://{user}{password}@/{name}{query}"
    return f"postgresql://{user}{password}@{host}{f':{port}' if port else ''}/{name}"
