import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_platform.settings")

app = Celery("attendance_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _fresh_enough_connections(task, **kwargs) -> None:
    """What Django does before each request, before each task in a worker: a connection whose
    last use failed, that fails its health check, or older than DATABASE_CONN_MAX_AGE is
    closed, and the task opens a new one. Celery reuses the rest (CELERY_DB_REUSE_MAX) without
    checking them. A task run eagerly runs inside its caller's request and transaction."""
    if task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()


app.conf.beat_schedule = {
    # Partner registry: remind the contacts of entries not updated for 12 months.
    "partners-remind-stale": {
        "task": "partners.tasks.remind_stale_partners",
        "schedule": crontab(hour=15, minute=0),
    },
    # The access record: remove entries older than AUDIT_RETENTION_DAYS.
    "districts-prune-audit-log": {
        "task": "districts.tasks.prune_audit_log",
        "schedule": crontab(hour=3, minute=30),
    },
    # Tiering: a daily poke; which districts' biweekly recomputes are due is decided from the
    # database (tiering/recompute.py). 10:00 UTC is the same calendar day, before school, in
    # every US time zone from Hawaii to Eastern, and a day without a poke is made up by the next.
    "tiering-enqueue-due-recomputes": {
        "task": "tiering.tasks.enqueue_due_recomputes",
        "schedule": crontab(hour=10, minute=0),
    },
    # Workshops: remind teams of follow-up check-ins coming up or overdue. Which reminders are
    # due, and which were sent, is decided from the database (workshops/reminders.py): a
    # repeated run sends nothing twice, a missed day is made up by the next.
    "workshops-remind-check-ins": {
        "task": "workshops.tasks.remind_check_ins",
        "schedule": crontab(hour=14, minute=0),
    },
}
