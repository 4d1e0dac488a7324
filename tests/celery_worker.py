"""A real `celery worker` process, started as production starts one: what the tests that kill
a worker (tests/workers.py) and the state bench (bench/state.py) both run. It imports neither
pytest nor Django, so a bench can import it before it has set up its database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class CeleryWorker:
    """`celery -A attendance_platform worker` with one pool process, in a process group of its
    own (its pool processes die with it), writing its output to `log`; `env` is added to this
    process's environment for it."""

    def __init__(self, name: str, log: Path, **env: str) -> None:
        self.name, self.log = name, log
        with log.open("w") as output:
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
                env={**os.environ, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def ready(self) -> bool:
        return "ready." in self.log.read_text()

    def children(self) -> list[int]:
        """The worker's child processes, its pool, killed ones included until it reaps them;
        FileNotFoundError once the worker itself is gone."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(child) for child in children.split()]

    def kill(self) -> None:
        """SIGKILL to the worker and its pool: no shutdown, no acknowledgement, as when a
        machine or container dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, patience_s: float) -> None:
        """SIGTERM, the warm shutdown that lets a task finish; SIGKILL after `patience_s`."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=patience_s)
            except subprocess.TimeoutExpired:
                self.kill()
