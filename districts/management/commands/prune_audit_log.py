from django.conf import settings
from django.core.management.base import BaseCommand

from districts.audit import prune


class Command(BaseCommand):
    help = (
        "Deletes access-record entries older than AUDIT_RETENTION_DAYS (Celery beat runs it daily)."
    )

    def handle(self, *args, **options):
        removed = prune()
        self.stdout.write(
            f"Removed {removed} access-record entries older than "
            f"{settings.AUDIT_RETENTION_DAYS} days."
        )
