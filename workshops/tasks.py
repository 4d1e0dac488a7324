"""The packets' background work: ids in, the district's own context (TenantTask), a service
call; queued once the transaction that asks for it commits."""

from celery import shared_task
from django.db import transaction

from districts.tenancy import TenantTask

from . import packets
from .models import Invitation, InvitationStatus


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
