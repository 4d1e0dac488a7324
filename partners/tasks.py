from celery import shared_task

from districts.models import District
from districts.tenancy import TenantTask

from . import services


@shared_task
def remind_stale_partners() -> int:
    """Run daily by beat: one reminder task per district, each in its own tenant context. The
    30-day rule lives in the database (PartnerEntry.reminded_at), so a missed or repeated day
    never sends twice."""
    district_ids = list(District.objects.values_list("pk", flat=True))
    for district_id in district_ids:
        send_stale_partner_reminders.delay(district_id=district_id)
    return len(district_ids)


@shared_task(base=TenantTask, acks_late=True)
def send_stale_partner_reminders(*, district_id: int) -> int:
    district = District.objects.get(pk=district_id)
    return services.stale_entry_reminders_send(district=district, today=district.today())
