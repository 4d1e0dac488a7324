"""The web process says when tasks run inside it; commands, which always may, say nothing."""

import logging
import os
import subprocess
import sys
from pathlib import Path

from attendance_platform.serving import announce_task_mode

ROOT = Path(__file__).resolve().parents[1]
EAGER = "REDIS_URL is not set: background tasks run eagerly inside the web process."


def test_the_web_process_says_tasks_run_inside_it_without_redis(settings, caplog):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with caplog.at_level(logging.WARNING):
        announce_task_mode()
    assert EAGER in caplog.text


def test_the_web_process_says_nothing_with_redis(settings, caplog):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with caplog.at_level(logging.WARNING):
        announce_task_mode()
    assert EAGER not in caplog.text


def test_a_command_without_redis_does_not_claim_the_web_process_runs_tasks():
    # The demo runs db_roles, migrate and seed_demo before it starts Redis and its worker.
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    finished = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "eagerly" not in finished.stdout + finished.stderr
