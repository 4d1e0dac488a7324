"""The Study's recomputation, in a worker: after every import and recompute of a district (the
tiering.bands_changed hook, registered in apps.py), and for one cycle when its participants
change or it moves to Study (services queue it once their change commits). The chain's
counts likewise: after every import and recompute, and after every change of a Caring
Conversation or an intervention (the support.records_changed hook)."""

import logging

from celery import shared_task
from django.db import transaction
from django.utils.timezone import now

from districts.models import District
from districts.tenancy import TenantTask

from . import services
from .models import Cycle

logger = logging.getLogger(__name__)


@shared_task(base=TenantTask, acks_late=True)
def refresh_studies(*, district_id: int) -> int:
    """Every cycle of the district that has participants and has started; returns how many
    were refreshed. Idempotent: each Study is computed afresh from the attendance on record.
    Each cycle in a savepoint of its own: one whose Study fails keeps its last figures, with
    the failure logged and recorded on it, and the district's other cycles are refreshed."""
    district = District.objects.get(pk=district_id)
    cycles = (
        Cycle.objects.filter(reached__gt=0, first_day__lte=district.today())
        .select_related("district")
        .order_by("pk")
    )
    refreshed = 0
    for cycle in cycles:
        try:
            with transaction.atomic():
                services.cycle_study_refresh(cycle=cycle)
        except Exception as error:
            logger.exception("The Study of PDSA cycle %s could not be recomputed", cycle.pk)
            services.cycle_study_failed(cycle=cycle, error=error, at=now())
        else:
            refreshed += 1
    return refreshed


@shared_task(base=TenantTask, acks_late=True)
def refresh_study(*, district_id: int, cycle_id: int) -> bool:
    cycle = Cycle.objects.select_related("district").filter(pk=cycle_id).first()
    if cycle is None:  # removed before the worker reached it
        return False
    services.cycle_study_refresh(cycle=cycle)
    return True


@shared_task(base=TenantTask, acks_late=True)
def refresh_reason_tallies(*, district_id: int) -> int:
    """The chain's counts for the district's current snapshot. Idempotent: counted afresh."""
    return services.reason_tallies_refresh(district=District.objects.get(pk=district_id))


def bands_changed(*, district_id: int) -> None:
    """tiering.bands_changed's hook: queue the district's Studies and the chain's counts once
    the change commits."""
    transaction.on_commit(lambda: refresh_studies.delay(district_id=district_id))
    transaction.on_commit(lambda: refresh_reason_tallies.delay(district_id=district_id))


def support_records_changed(*, district_id: int) -> None:
    """support.records_changed's hook (called once a change of reasons or interventions has
    committed): queue the chain's counts."""
    refresh_reason_tallies.delay(district_id=district_id)
