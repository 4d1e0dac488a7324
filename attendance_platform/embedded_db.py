"""The embedded PostgreSQL used when no DATABASE_URL is set.

pgserver ships PostgreSQL 16 binaries in a wheel, so a new user installs no database server
and needs no root (it also copes with being run as root, which initdb refuses). The cluster
lives under ./.data/ and is stopped when the last process using it exits.
"""

from __future__ import annotations

import warnings
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / ".data"


def embedded_database_url() -> str:
    # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; pgserver copes without it.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    pgdata = DATA_DIR / "postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    return server.get_uri("postgres")
