"""The database a benchmark works in: its own, on the server DATABASE_URL names (or the
embedded one the app would start), created empty and migrated, dropped at the end. A run never
touches the demo's data, and checkouts sharing one server give theirs another name
(BENCH_DATABASE).

A bench whose loading takes minutes may keep its database for the next run instead
(`bench_database(…, keep=label)`, the label saying what it loads, sizes included): the next run
with the same label finds it loaded (`loaded`) and skips the load; any other label, or a load
that did not finish, starts it afresh. A kept database is dropped by hand (dropdb)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2


def server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from attendance_platform.embedded_db import embedded_database_url

    # The embedded server the app's settings would start: APP_DATA_DIR, or the checkout's .data.
    return embedded_database_url(
        Path(os.environ.get("APP_DATA_DIR") or Path(__file__).resolve().parents[1] / ".data")
    )


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin(url: str, statement: str) -> None:
    connection = psycopg2.connect(with_database(url, "postgres"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


def vacuum_analyze(url: str) -> None:
    """What autovacuum does within a minute of the imports' commits: pages and queries are
    measured in that steady state, with statistics that count the new rows."""
    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


def _comment(url: str) -> str | None:
    connection = psycopg2.connect(with_database(url, "postgres"))
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [urlsplit(url).path.lstrip("/")],
        )
        row = cursor.fetchone()
    connection.close()
    return row[0] if row else None


def loaded(url: str, label: str) -> bool:
    """Whether the kept database at `url` holds what `label` names, loaded to the end."""
    return _comment(url) == label


def mark_loaded(url: str, label: str) -> None:
    """Says, in the database's COMMENT, that its load (`label`) finished."""
    name = urlsplit(url).path.lstrip("/")
    admin(url, f"COMMENT ON DATABASE {name} IS '{label.replace(chr(39), chr(39) * 2)}'")


@contextmanager
def bench_database(
    name: str, *, tasks_in_process: bool = False, test_client: bool = False, keep: str = ""
) -> Iterator[str]:
    """Django set up on database `name`, migrated; yields its URL. It is new and dropped after,
    unless `keep` names what the caller loads into it: then one already loaded with the same
    label is used as it is (`loaded`, `mark_loaded`) and the database stays after the run.
    `tasks_in_process`: Celery tasks run here, nothing is queued on a shared broker that no
    worker of this run reads. `test_client`: Django's test client may be used to time pages."""
    server = server_url()
    url = with_database(server, name)
    if not (keep and loaded(url, keep)):
        admin(server, f"DROP DATABASE IF EXISTS {name}")
        admin(server, f"CREATE DATABASE {name}")
    os.environ["DATABASE_URL"] = url
    if tasks_in_process:
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_platform.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if test_client:
        # The test client's host; not setup_test_environment(), whose template
        # instrumentation would add to every page's time.
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    try:
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            # FORCE: a worker the bench killed may leave its backend running its last statement.
            admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
