"""A Redis database of this test process's own (a pytest plugin, loaded with `-p` before
Django's settings read REDIS_URL; the benches that run Celery workers import it too).

The Celery tests purge their broker's queues, and two checkouts testing on one machine may
share one Redis server: each test process claims a free database number (1–15) on
REDIS_URL's server for its run and points REDIS_URL there, so one run never empties
another's queues. The claim is a key in database 0 that expires by itself, so a run that was
killed frees its number within hours even though it never released it."""

from __future__ import annotations

import atexit
import os
import socket
import uuid

CLAIM_SECONDS = 6 * 3600
DATABASES = range(1, 16)


def _claim(url: str) -> str:
    import redis

    # The claims live in database 0 whatever database the URL names: redis-py lets the URL's
    # number win over a db= argument, and a pytest-xdist worker inherits a URL its controller
    # already pointed at the controller's own claim (with db=0, both workers claimed and
    # shared that one database, and emptied each other's queues mid-test).
    server = redis.Redis.from_url(with_database(url, 0))
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
    for number in DATABASES:
        key = claim_key(number)
        if server.set(key, owner, nx=True, ex=CLAIM_SECONDS):
            atexit.register(_release, server, key, owner)
            # What an earlier run left there is not this run's: the cache's keys (the API's
            # throttle history is keyed by ids a new test database hands out again) and a
            # killed run's queues. The number is ours alone while claimed.
            redis.Redis.from_url(with_database(url, number)).flushdb()
            return with_database(url, number)
    raise RuntimeError(
        f"Every Redis database 1–15 on {url} is claimed by another test run: wait for them to "
        "finish, or delete the keys attendance-platform:test-run:* in database 0."
    )


def empty_claimed_database() -> None:
    """This test process's Redis database emptied of everything Celery left there: not only
    the queues Celery's purge empties, but the messages a killed worker left unacknowledged
    (handed out again by the next worker whose visibility timeout has passed) and tasks held
    for a countdown. With purge alone, an earlier test's recompute reached a later test's
    worker, for a district its database no longer had."""
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()


def _release(server, key: str, owner: str) -> None:
    # Only one's own claim: after an expiry another run may hold the same number.
    if server.get(key) == owner.encode():
        server.delete(key)
    server.close()


def claim_key(number: int) -> str:
    return f"attendance-platform:test-run:{number}"


def with_database(url: str, number: int) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{number}"))


if os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _claim(os.environ["REDIS_URL"])
