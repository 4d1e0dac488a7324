"""What a web server process says as it starts."""

import logging

from django.conf import settings

logger = logging.getLogger("attendance_platform")


def announce_task_mode() -> None:
    # Only the web process says it: commands run their tasks in-process anyway, and the demo
    # runs its set-up commands before its Redis and worker start, where the warning was untrue
    # of the server that followed.
    if settings.CELERY_TASK_ALWAYS_EAGER:
        logger.warning("REDIS_URL is not set: background tasks run eagerly inside the web process.")
