"""The workshops' background work: ids in, a context of the narrowest persona that can do it
(the district's own for its packets, TenantTask; the requesting facilitator's for a cohort
PDF), a service call; queued once the transaction that asks for it commits."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from districts.models import District, User
from districts.tenancy import TenantTask

from . import exports, packets, progress, reminders
from .context import facilitating
from .models import CohortPdf, Invitation, InvitationStatus, PdfStatus


@shared_task(base=TenantTask)
def refresh_packets(*, district_id: int, invitation_id: int | None = None) -> int:
    """Rewrites the district's packets (one invitation's, or every accepted one's)."""
    invitations = Invitation.objects.filter(status=InvitationStatus.ACCEPTED).select_related(
        "workshop", "district"
    )
    if invitation_id is not None:
        invitations = invitations.filter(pk=invitation_id)
    return sum(packets.packet_refresh(invitation=i) for i in invitations)


def packets_queue(*, district_id: int, invitation_id: int | None = None) -> None:
    transaction.on_commit(
        lambda: refresh_packets.delay(district_id=district_id, invitation_id=invitation_id)
    )


def on_bands_changed(*, district_id: int) -> None:
    """tiering.bands_changed's hook: after an import or a recompute, the district's packets
    follow its new bands."""
    refresh_packets.delay(district_id=district_id)


@shared_task
def build_cohort_pdf(*, pdf_id: int, user_id: int) -> str:
    """Builds one cohort PDF as the facilitator who asked for it: the task reaches no more than
    their pages do. A failed build says so on the page rather than waiting for ever."""
    user = User.objects.get(pk=user_id)
    try:
        with facilitating(user):
            pdf = CohortPdf.objects.select_related("workshop", "requested_by").get(pk=pdf_id)
            return exports.cohort_pdf_build(pdf=pdf).status
    except Exception:
        with facilitating(user):
            CohortPdf.objects.filter(pk=pdf_id).update(
                status=PdfStatus.FAILED,
                finished_at=timezone.now(),
                message="The PDF could not be built. Try again; if it fails again, tell us.",
            )
        progress.report(pdf_id, 100, "Failed")
        raise


def cohort_pdf_queue(*, pdf: CohortPdf) -> None:
    pdf_id, user_id = pdf.pk, pdf.requested_by_id
    transaction.on_commit(lambda: build_cohort_pdf.delay(pdf_id=pdf_id, user_id=user_id))


@shared_task
def remind_check_ins() -> int:
    """Run daily by beat: one reminder task per district, each in its own tenant context (a
    district's invitations are behind its walls). Which reminders are due, and which went out
    already, lives in the database (reminders.py), so a missed or repeated day never sends
    twice."""
    district_ids = list(District.objects.values_list("pk", flat=True))
    for district_id in district_ids:
        send_check_in_reminders.delay(district_id=district_id)
    return len(district_ids)


@shared_task(base=TenantTask, acks_late=True)
def send_check_in_reminders(*, district_id: int) -> int:
    district = District.objects.get(pk=district_id)
    return reminders.check_in_reminders_send(district=district, today=district.today())
