"""The embedded PostgreSQL used when no DATABASE_URL is set.

pgserver ships PostgreSQL 16 binaries in a wheel, so a new user installs no database server
and needs no root (it also copes with being run as root, which initdb refuses). The cluster
lives under the data directory (./.data/ by default) and is stopped when the last process
using it exits.
"""

from __future__ import annotations

import atexit
import json
import signal
import sys
import threading
import warnings
from pathlib import Path


def embedded_database_url(data_dir: Path) -> str:
    # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; pgserver copes without it.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    pgdata = data_dir / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    with pgserver.PostgresServer._lock:
        _forget_dead_users(pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    _exit_cleanly_on_sigterm()
    # Registered after pgserver's own hook, so it runs first (atexit runs last-in, first-out).
    atexit.register(_ignore_stop_signals)
    uri = server.get_uri("postgres")
    _ensure_roles(uri)
    return uri


def _forget_dead_users(pgdata: Path) -> None:
    """pgserver keeps the processes using the cluster in `.handle_pids.json` and the last one
    to leave stops it. A process killed outright (SIGKILL, a closed terminal, a power cut)
    never takes itself off: its pid keeps every later last user from stopping the cluster, and
    a kill during a write leaves the file empty, which pgserver cannot parse at all (every
    command then failed). Keep only the processes still alive, so the next start reuses a
    postmaster left running and the last process to leave stops it again."""
    import psutil

    handles = pgdata / ".handle_pids.json"
    try:
        text = handles.read_text()
    except FileNotFoundError:
        return
    try:
        pids = json.loads(text)
    except ValueError:
        pids = None  # a write cut short by a kill
    listed = pids if isinstance(pids, list) else []
    alive = [pid for pid in listed if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _ignore_stop_signals() -> None:
    """While pgserver's atexit hook stops the cluster, a stop signal must not interrupt it: a
    signal to the demo's whole process group reaches every process, and the demo script then
    signals the server, the worker and beat again. Celery's handlers replace ours and raise
    SystemExit on each signal, which inside `pg_ctl stop` left the cluster running."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _exit_cleanly_on_sigterm() -> None:
    # pgserver stops the cluster from an atexit hook once its last user exits, and Python
    # runs no atexit hook when SIGTERM ends it: a demo stopped with kill left PostgreSQL
    # running. Exiting through SystemExit runs the hooks. A second SIGTERM (a signal to the
    # whole process group, then the demo script's own kill) is ignored: raised inside the
    # atexit hook it interrupted pgserver's `pg_ctl stop` and left the cluster running.
    # Servers that handle SIGTERM themselves (Celery's worker) install their own handler
    # after this one.
    def exit_once(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sys.exit(128 + signum)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, exit_once)


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
