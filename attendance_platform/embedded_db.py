"""The embedded PostgreSQL used when no DATABASE_URL is set.

pgserver ships PostgreSQL 16 binaries in a wheel, so a new user installs no database server
and needs no root (it also copes with being run as root, which initdb refuses). The cluster
lives under ./.data/ and is stopped when the last process using it exits.
"""

from __future__ import annotations

import signal
import sys
import threading
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
    _exit_cleanly_on_sigterm()
    uri = server.get_uri("postgres")
    _ensure_roles(uri)
    return uri


def _exit_cleanly_on_sigterm() -> None:
    # pgserver stops the cluster from an atexit hook once its last user exits, and Python
    # runs no atexit hook when SIGTERM ends it: a demo stopped with kill left PostgreSQL
    # running. Exiting through SystemExit runs the hooks. Servers that handle SIGTERM
    # themselves (Celery's worker) install their own handler after this one.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _ensure_roles(uri: str) -> None:
    # The app signs in as its own role (districts/db_walls.py): a fresh cluster gets the roles
    # as it starts, so a clean clone needs no extra step.
    import psycopg2

    from districts import db_walls

    connection = psycopg2.connect(uri)
    try:
        with connection, connection.cursor() as cursor:
            db_walls.ensure_roles(cursor, app_password=None)
    finally:
        connection.close()
