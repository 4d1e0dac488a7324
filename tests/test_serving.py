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


def test_a_web_worker_is_warmed_up_before_its_first_request():
    # What gunicorn does as each worker starts: import wsgi.py. Its first request then finds
    # the URL configuration (every view) imported, the project's templates compiled and the
    # objects made so far out of the garbage collector's full passes (bench/page_latency:
    # dashboard_first_in_process_ms).
    probe = """
import gc, sys
import attendance_platform.wsgi
from django.template import engines
from attendance_platform.serving import project_templates
[partials] = engines["django"].engine.template_loaders  # template_partials' around the cached
[loader] = partials.loaders
print(gc.get_freeze_count() > 0, set(project_templates()) <= set(loader.get_template_cache),
      "attendance_platform.urls" in sys.modules, len(project_templates()) > 100)
"""
    finished = subprocess.run(  # noqa: S603 — this interpreter, our own probe
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert finished.stdout.split() == ["True", "True", "True", "True"], finished.stderr
