"""Real `celery worker` processes on the real Redis broker (not eager mode, not a worker thread),
for the tests that kill one: the `broker` fixture (registered in tests/conftest.py) starts them
on the test database and stops them afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from attendance_platform.celery import app as celery_app

from .databases import database_url
from .redis_database import empty_claimed_database

ROOT = Path(__file__).resolve().parents[1]
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


class Worker:
    """`celery -A attendance_platform worker` as a process of its own, on the test database,
    with one pool process doing its tasks."""

    def __init__(self, name: str, logs: Path, **env: str):
        self.log = logs / f"worker-{name}.log"
        self.log.write_text("")
        self.process = subprocess.Popen(  # noqa: S603 — our own command line, no outside input
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "attendance_platform",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"{name}-{os.getpid()}@%h",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url(), **env},
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool children die with it
        )
        eventually(lambda: "ready." in self.log.read_text(), f"worker {name} to start", self.log)

    def kill(self) -> None:
        """SIGKILL to the worker and its pool: no shutdown, no acknowledgement, as when a
        machine or container dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def kill_pool_process(self) -> None:
        """SIGKILL to the pool process doing the task, as the kernel's out-of-memory killer
        picks the process whose memory grew: the worker itself lives on."""
        [pid] = self.pool_processes()
        os.kill(pid, signal.SIGKILL)
        eventually(lambda: pid not in self.pool_processes(), "the pool process to die")

    def pool_processes(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [pid for pid in map(int, children.read_text().split()) if _alive(pid)]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=PATIENCE_S)
            except subprocess.TimeoutExpired:
                self.kill()


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
        worker.stop()
