"""What a web server process does as it starts: says how tasks run, and warms itself up."""

import gc
import logging
from pathlib import Path

from django.conf import settings
from django.template import engines
from django.urls import get_resolver

logger = logging.getLogger("attendance_platform")


def announce_task_mode() -> None:
    # Only the web process says it: commands run their tasks in-process anyway, and the demo
    # runs its set-up commands before its Redis and worker start, where the warning was untrue
    # of the server that followed.
    if settings.CELERY_TASK_ALWAYS_EAGER:
        logger.warning("REDIS_URL is not set: background tasks run eagerly inside the web process.")


def project_templates() -> list[str]:
    """The names of the project's own templates (settings.TEMPLATES' DIRS)."""
    return sorted(
        path.relative_to(folder).as_posix()
        for folder in map(Path, settings.TEMPLATES[0]["DIRS"])
        for path in folder.rglob("*")
        if path.is_file()
    )


def warm_up() -> None:
    """What a web process's first request paid otherwise (the district dashboard's, measured
    by bench/page_latency as dashboard_first_in_process_ms: ~1 s more than the same request
    once the process is warm): the URL configuration, which imports every app's views (~300
    modules); the project's templates, compiled into the cached template loader the first
    request would fill; then a full garbage collection, and the objects made so far (modules,
    templates, settings) frozen out of later collections, whose first full pass over them
    took 230–400 ms inside the first request. Touches no database: run by wsgi.py and asgi.py
    as each worker starts, before it takes a request."""
    get_resolver().url_patterns  # noqa: B018 — the attribute's evaluation imports the views
    for engine in engines.all():
        for name in project_templates():
            engine.get_template(name)
    gc.collect()
    gc.freeze()
