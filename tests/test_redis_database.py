"""The Redis database each test process claims (tests/redis_database.py) is its own: the
Celery tests of two pytest-xdist workers running at once must never share a broker."""

import os
from urllib.parse import urlsplit

import pytest
import redis

from .redis_database import claim_key, with_database


def test_this_test_process_holds_the_claim_on_the_redis_database_it_uses():
    if not os.environ.get("REDIS_URL"):
        pytest.fail("The Redis claim is tested on a real Redis: set REDIS_URL, or use ./run test.")
    url = os.environ["REDIS_URL"]
    number = int(urlsplit(url).path.lstrip("/"))
    claims = redis.Redis.from_url(with_database(url, 0))
    owner = claims.get(claim_key(number))
    assert owner is not None, f"no claim on Redis database {number}"
    _host, pid, _run = owner.decode().rsplit(":", 2)
    assert int(pid) == os.getpid(), "another process claimed the Redis database this one uses"
