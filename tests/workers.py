"""Real `celery worker` processes on the real Redis broker (not eager mode, not a worker thread),
for the tests that kill one: the `broker` fixture (registered in tests/conftest.py) starts them
on the test database and stops them afterwards."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from attendance_platform.celery import app as celery_app

from .celery_worker import CeleryWorker
from .databases import database_url
from .redis_database import empty_claimed_database

# How long a worker may take to start, or a step to happen, before the test gives up: a
# guard against hanging, never a measure of speed.
PATIENCE_S = 120


def eventually(check, what: str, log: Path | None = None):
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    where = f" (worker log: {log})" if log else ""
    pytest.fail(f"Gave up waiting for {what}{where}.")


class Worker(CeleryWorker):
    """A worker on the test database; the test goes on once it is ready for tasks."""

    def __init__(self, name: str, logs: Path, **env: str):
        super().__init__(name, logs / f"worker-{name}.log", DATABASE_URL=database_url(), **env)
        eventually(self.ready, f"worker {name} to start", self.log)

    def kill_pool_process(self) -> None:
        """SIGKILL to the pool process doing the task, as the kernel's out-of-memory killer
        picks the process whose memory grew: the worker itself lives on."""
        [pid] = self.pool_processes()
        os.kill(pid, signal.SIGKILL)
        eventually(lambda: pid not in self.pool_processes(), "the pool process to die")

    def pool_processes(self) -> list[int]:
        return [pid for pid in self.children() if _alive(pid)]


def _alive(pid: int) -> bool:
    # A killed child stays listed, as a zombie, until the worker has reaped it.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def broker(transactional_db, tmp_path):
    if not celery_app.conf.broker_url:
        pytest.fail("Celery integration tests need Redis: set REDIS_URL, or use ./run test.")
    celery_app.conf.task_always_eager = False
    empty_claimed_database()  # what earlier tests left belongs to other databases
    workers: list[Worker] = []

    def start(name: str, **env: str) -> Worker:
        workers.append(Worker(name, tmp_path, **env))
        return workers[-1]

    yield start
    for worker in workers:
        worker.stop(PATIENCE_S)
