import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_platform.settings")

app = Celery("attendance_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
