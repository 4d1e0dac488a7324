from datetime import date

from celery import shared_task

from districts.models import District
from districts.tenancy import TenantTask

from . import services


@shared_task(base=TenantTask, acks_late=True)
def recount_referral_tallies(*, district_id: int, keys: list[list]) -> int:
    """`keys`: [organisation id, school id, "YYYY-MM-01"] of the counts a committed change of
    referrals touched. Idempotent: each count is taken afresh from the referrals."""
    district = District.objects.get(pk=district_id)
    services.referral_tallies_recount(
        district=district,
        keys=[(org, school, date.fromisoformat(month)) for org, school, month in keys],
    )
    return len(keys)
