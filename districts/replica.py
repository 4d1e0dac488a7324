"""Heavy read-only pages read from a streaming replica (issue 22), when DATABASE_REPLICA_URL
names one; with it unset nothing here does anything.

A page opts in with `reads_from_replica` (the REST API's GET operations do in
`api_access.DistrictApi`). Inside it, every read the ORM makes goes to the replica, in a
read-only transaction of its own that carries the same persona and transaction-local tenant
settings as the request's transaction on the primary (`db_walls.apply`): row-level security
binds the replica exactly as it binds the primary, since a streaming replica holds the
primary's roles, grants and policies. Every write (the access record above all) still goes to
the primary, in the request's transaction.

Code inside such a page that enters another database state (`tenancy.own_rows`, a system
context) reads from the primary again until it leaves it: the replica's transaction carries
only the page's state.

A replica replays the primary's changes a moment later. When it is behind by more than
REPLICA_LAG_NOTICE_SECONDS, the page says how old its data is (templates/base.html).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpRequest

from . import db_walls

REPLICA = "replica"
READ_METHODS = ("GET", "HEAD", "OPTIONS")

# The database state whose reads go to the replica; None outside any replica read.
_reading: ContextVar[db_walls.DbState | None] = ContextVar("replica_reading", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """Reads inside `replica_reads` go to the replica, everything else to the primary. The
    answers are explicit: left to Django, saving an object read from the replica would write
    to the replica (its `_state.db`)."""

    def db_for_read(self, model, **hints) -> str:
        state = _reading.get()
        if state is not None and db_walls.current_state() is state:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The same rows, whichever server they were read from.
        return True

    def allow_migrate(self, db, app_label, **hints) -> bool:
        # A replica replays the primary's migrations; it cannot run its own.
        return db != REPLICA


@contextmanager
def replica_reads() -> Iterator[datetime | None]:
    """Inside the current tenant context: the ORM's reads go to the replica. Yields when the
    replica's data was last updated if it is behind by more than the notice threshold, else
    None. Without a replica, or outside any database state, it changes nothing."""
    state = db_walls.current_state()
    if not replica_configured() or state is None:
        yield None
        return
    with transaction.atomic(using=REPLICA):
        with connections[REPLICA].cursor() as cursor:
            # First in the transaction: even a replica URL that names a primary by mistake
            # never takes a write.
            cursor.execute("SET TRANSACTION READ ONLY")
        db_walls.apply(state, using=REPLICA)
        behind_since = _behind_since()
        token = _reading.set(state)
        try:
            yield behind_since
        finally:
            _reading.reset(token)


def _behind_since() -> datetime | None:
    """When the replica's newest replayed change was committed, if it has received changes it
    has not replayed yet and that is longer ago than the threshold. A replica that has
    replayed everything it received is up to date however long ago the last change was."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() IS DISTINCT FROM pg_last_wal_replay_lsn()"
            " THEN pg_last_xact_replay_timestamp() END, now()"
        )
        replayed_at, now = cursor.fetchone()
    if replayed_at is None:
        return None
    if now - replayed_at <= timedelta(seconds=settings.REPLICA_LAG_NOTICE_SECONDS):
        return None
    return replayed_at


def reads_from_replica(view: Callable) -> Callable:
    """A read-only district page whose reads may come from the replica (GET and HEAD only: a
    form posted to the same address reads and writes the primary)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if request.method not in READ_METHODS:
            return view(request, *args, **kwargs)
        with replica_reads() as behind_since:
            request.replica_data_as_of = behind_since
            return view(request, *args, **kwargs)

    return wrapped
