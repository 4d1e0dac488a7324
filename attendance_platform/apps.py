import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger(__name__)


class AttendancePlatformConfig(AppConfig):
    name = "attendance_platform"
    verbose_name = "Attendance Platform"

    def ready(self) -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.warning(
                "REDIS_URL is not set: background tasks run eagerly inside the web process."
            )
