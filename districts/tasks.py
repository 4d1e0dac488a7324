from celery import shared_task

from .audit import prune


@shared_task
def prune_audit_log() -> int:
    # Runs across districts on purpose: retention is one rule for the whole service, and the
    # task touches only the access record, never tenant data it would need a context for.
    return prune()
