"""The Study's recomputation, in a worker: after every import and recompute of a district (the
tiering.bands_changed hook, registered in apps.py), and for one cycle when its participants
change or it moves to Study (services queue it once their change commits)."""

from celery import shared_task
from django.db import transaction

from districts.models import District
from districts.tenancy import TenantTask

from . import services
from .models import Cycle


@shared_task(base=TenantTask, acks_late=True)
def refresh_studies(*, district_id: int) -> int:
    """Every cycle of the district that has participants and has started. Idempotent: each
    Study is computed afresh from the attendance on record."""
    district = District.objects.get(pk=district_id)
    cycles = Cycle.objects.filter(reached__gt=0, first_day__lte=district.today()).select_related(
        "district"
    )
    for cycle in cycles:
        services.cycle_study_refresh(cycle=cycle)
    return len(cycles)


@shared_task(base=TenantTask, acks_late=True)
def refresh_study(*, district_id: int, cycle_id: int) -> bool:
    cycle = Cycle.objects.select_related("district").filter(pk=cycle_id).first()
    if cycle is None:  # removed before the worker reached it
        return False
    services.cycle_study_refresh(cycle=cycle)
    return True


def bands_changed(*, district_id: int) -> None:
    """tiering.bands_changed's hook: queue the district's Studies once the change commits."""
    transaction.on_commit(lambda: refresh_studies.delay(district_id=district_id))
