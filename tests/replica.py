"""A real streaming replica of the test database's server, built on every run with
PostgreSQL's own tools from the running server's installation (`pg_basebackup -R`, then
`pg_ctl start` on another port), for the tests of districts/replica.py.

The server must accept a replication connection from DATABASE_URL's account. The embedded
server (pgserver) does; a server whose pg_hba.conf has no `replication` line (the machine's
shared Debian cluster here) does not, and cannot be reconfigured by a test run. Then the
harness starts a primary of its own with `initdb` from that same installation, copies the test
database into it with `pg_dump`, points Django's connection at it for these tests, and
builds the replica from it. Either way the replica streams every change its primary commits.

Both servers the harness starts listen on a Unix socket in a directory of their own, so runs
beside each other (xdist workers, other checkouts) never meet; they are stopped, and their
directories removed, when the tests using them end. Run as root, PostgreSQL's tools run as
the system user that owns the test server's data directory, as PostgreSQL refuses root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg2
import psycopg2.extras
import pytest
from django.conf import settings
from django.db import connections

from districts import db_walls
from districts.replica import REPLICA

from .databases import database_url
from .workers import eventually

# How long pg_ctl waits for a server to start: a guard against hanging, not a measure.
START_TIMEOUT_S = "120"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Installation:
    """The running server's binaries, and the system user to run them as."""

    bindir: Path
    uid: int | None  # None: as this process's own user

    def run(self, tool: str, *args: str, given: str | None = None, env: dict | None = None) -> str:
        done = subprocess.run(  # noqa: S603 — PostgreSQL's own tools, our own arguments
            [str(self.bindir / tool), *args],
            input=given,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            user=self.uid,
            cwd="/",
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"{tool} {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def directory(self) -> Path:
        """A fresh directory the tools' user owns, outside pytest's root-only temporary ones."""
        path = Path(tempfile.mkdtemp(prefix="attendance-replica-"))
        if self.uid is not None:
            os.chown(path, self.uid, -1)
        return path


def _installation(cursor) -> Installation:
    """The binaries of the server this cursor is connected to: the postmaster's own path (the
    parent of this connection's backend process), on this machine."""
    cursor.execute("SELECT pg_backend_pid(), current_setting('data_directory')")
    backend, data_directory = cursor.fetchone()
    try:
        stat = Path(f"/proc/{backend}/stat").read_text()
        postmaster = int(stat.rsplit(")", 1)[1].split()[1])
        executable = Path(f"/proc/{postmaster}/cmdline").read_bytes().split(b"\0")[0].decode()
    except FileNotFoundError:
        pytest.fail(
            "The replica tests build a replica with the test database server's own tools, on "
            "this machine: DATABASE_URL must name a server running here."
        )
    bindir = Path(executable).parent
    if not (bindir / "pg_basebackup").exists():
        pytest.fail(f"{bindir} has no pg_basebackup beside the server that runs from it.")
    uid = Path(data_directory).stat().st_uid if os.geteuid() == 0 else None
    return Installation(bindir=bindir, uid=uid)


def _accepts_replication(dsn: str) -> bool:
    """Whether pg_basebackup can copy this server: it writes enough WAL for a standby, and
    lets DATABASE_URL's account open a replication connection."""
    link = psycopg2.connect(dsn)
    try:
        with link.cursor() as cursor:
            cursor.execute("SELECT current_setting('wal_level') <> 'minimal'")
            if not cursor.fetchone()[0]:
                return False
    finally:
        link.close()
    try:
        link = psycopg2.connect(
            dsn, connection_factory=psycopg2.extras.PhysicalReplicationConnection
        )
    except psycopg2.OperationalError:
        return False
    try:
        with link.cursor() as cursor:
            cursor.execute("IDENTIFY_SYSTEM")
            return True
    finally:
        link.close()


@dataclass
class Server:
    """A PostgreSQL server the harness started: its data directory and socket."""

    installation: Installation
    home: Path  # holds `data`, the socket and the log
    port: int

    @property
    def data(self) -> Path:
        return self.home / "data"

    def url(self, name: str, *, user: str, password: str = "") -> str:
        secret = f":{quote(password, safe='')}" if password else ""
        return (
            f"postgresql://{quote(user, safe='')}{secret}@/{quote(name, safe='')}"
            f"?host={quote(str(self.home), safe='/')}&port={self.port}"
        )

    def start(self, *settings: str) -> None:
        options = [f"-p {self.port}", f"-k {self.home}", "-c listen_addresses=''"]
        options += [f"-c {setting}" for setting in settings]
        self.installation.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.home / "log"),
            "-o", " ".join(options), "-w", "-t", START_TIMEOUT_S, "start",
        )  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.installation.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.home, ignore_errors=True)


def _replica_of(installation: Installation, source: dict) -> Server:
    """`pg_basebackup -R` of the server `source` names, started as a hot standby."""
    replica = Server(installation, installation.directory(), _free_port())
    installation.run(
        "pg_basebackup", "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast",
        "-h", source["host"], "-p", str(source["port"]), "-U", source["user"],
        env={"PGPASSWORD": source["password"]} if source["password"] else None,
    )  # fmt: skip
    # A Debian cluster keeps its configuration outside its data directory: the copy has none.
    (replica.data / "postgresql.conf").touch()
    if installation.uid is not None:
        os.chown(replica.data / "postgresql.conf", installation.uid, -1)
    # Only this harness reaches the replica, by its own socket.
    (replica.data / "pg_hba.conf").write_text("local all all trust\n")
    replica.start("hot_standby=on", "shared_buffers=16MB", "logging_collector=off")
    return replica


class Harness:
    """The replica, the primary it streams from (the test server, or the harness's own), and
    how to tell that the replica has replayed everything the primary committed."""

    def __init__(self) -> None:
        self._own_primary: Server | None = None
        self._moved: dict | None = None
        self.replica: Server | None = None

    def build(self) -> None:
        admin = psycopg2.connect(database_url(as_admin=True))
        try:
            with admin.cursor() as cursor:
                installation = _installation(cursor)
        finally:
            admin.close()
        s = connections["default"].settings_dict
        source = {
            "host": s["HOST"] or s["OPTIONS"].get("host", ""),
            "port": s["PORT"] or s["OPTIONS"].get("port", "5432"),
            "user": settings.DATABASE_ADMIN_LOGIN["USER"],
            "password": settings.DATABASE_ADMIN_LOGIN["PASSWORD"],
        }
        if not _accepts_replication(database_url(as_admin=True)):
            source = self._start_own_primary(installation)
        self.replica = _replica_of(installation, source)

    def _start_own_primary(self, installation: Installation) -> dict:
        primary = Server(installation, installation.directory(), _free_port())
        self._own_primary = primary
        superuser = settings.DATABASE_ADMIN_LOGIN["USER"]
        installation.run(
            "initdb", "-D", str(primary.data), "-U", superuser, "--auth=trust", "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip
        primary.start("wal_level=replica", "max_wal_senders=4", "fsync=off")
        name = connections["default"].settings_dict["NAME"]
        admin = psycopg2.connect(primary.url("postgres", user=superuser))
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                db_walls.ensure_roles(cursor, app_password=db_walls.app_password())
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            admin.close()
        dump = installation.run("pg_dump", "--dbname", database_url(as_admin=True))
        installation.run(
            "psql", "-q", "-v", "ON_ERROR_STOP=1", "--dbname", primary.url(name, user=superuser),
            given=dump,
        )  # fmt: skip
        # Django's connection, and every URL tests/databases.py gives, now lead to it.
        default = connections["default"]
        default.close()
        self._moved = {key: default.settings_dict[key] for key in ("HOST", "PORT", "OPTIONS")}
        options = {
            k: v for k, v in default.settings_dict["OPTIONS"].items() if k not in ("host", "port")
        }
        default.settings_dict.update(
            HOST=str(primary.home), PORT=str(primary.port), OPTIONS=options
        )
        return {"host": str(primary.home), "port": primary.port, "user": superuser, "password": ""}

    def alias_settings(self) -> dict:
        default = connections["default"].settings_dict
        return {
            **default,
            "HOST": str(self.replica.home),
            "PORT": str(self.replica.port),
            "OPTIONS": {k: v for k, v in default["OPTIONS"].items() if k not in ("host", "port")},
            "ATOMIC_REQUESTS": False,
            "TEST": {**default["TEST"], "MIRROR": "default"},
        }

    def admin(self):
        """A superuser's connection to the replica (pausing its replay)."""
        link = psycopg2.connect(
            self.replica.url(
                connections["default"].settings_dict["NAME"],
                user=settings.DATABASE_ADMIN_LOGIN["USER"],
            )
        )
        link.autocommit = True
        return link

    def caught_up(self) -> None:
        """Waits until the replica has replayed everything the primary has committed."""
        primary = psycopg2.connect(database_url(as_admin=True))
        try:
            with primary.cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_lsn()")
                (position,) = cursor.fetchone()
        finally:
            primary.close()
        link = self.admin()

        def replayed() -> bool:
            with link.cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
                return cursor.fetchone()[0]

        try:
            eventually(replayed, "the replica to replay the primary's changes")
        finally:
            link.close()

    def stop(self) -> None:
        if self.replica is not None:
            self.replica.stop()
        if self._moved is not None:
            default = connections["default"]
            default.close()
            default.settings_dict.update(self._moved)
        if self._own_primary is not None:
            self._own_primary.stop()


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """The replica as Django's `replica` database for this module's tests (as
    DATABASE_REPLICA_URL would make it), removed again after them: every other test reads
    from the primary alone."""
    harness = Harness()
    with django_db_blocker.unblock():
        try:
            harness.build()
        except BaseException:
            harness.stop()
            raise
        # Django's connections read the very dict settings.DATABASES is.
        settings.DATABASES[REPLICA] = harness.alias_settings()
        connections.settings[REPLICA] = settings.DATABASES[REPLICA]
    try:
        yield harness
    finally:
        with django_db_blocker.unblock():
            connections[REPLICA].close()
            del connections[REPLICA]
            connections.settings.pop(REPLICA, None)
            settings.DATABASES.pop(REPLICA, None)
            harness.stop()
