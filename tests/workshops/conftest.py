"""A workshop of Fran's to which Riverside (the `tiered` district, ten students) and Lakeview
are invited, and Felix's workshop of his own."""

from datetime import date

import pytest

from districts.tenancy import system_context
from workshops import services, tasks
from workshops.context import facilitating
from workshops.models import Invitation

FIELDS = services.WorkshopFields(
    title="Thriving Schools Strategy Workshop",
    first_day=date(2027, 2, 3),
    last_day=date(2027, 2, 4),
    place="Sacramento",
)


@pytest.fixture(autouse=True)
def _pdfs_in_a_temporary_folder(settings, tmp_path):
    # Cohort PDFs are kept under the media folder: the checkout's own stays untouched.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def workshop(facilitator):
    with facilitating(facilitator):
        return services.workshop_create(created_by=facilitator, fields=FIELDS)


@pytest.fixture
def felix_workshop(felix):
    with facilitating(felix):
        return services.workshop_create(
            created_by=felix,
            fields=services.WorkshopFields(
                title="Felix's workshop",
                first_day=date(2027, 3, 1),
                last_day=date(2027, 3, 2),
                place="Fresno",
            ),
        )


def invite(workshop, district, facilitator) -> Invitation:
    with facilitating(facilitator):
        return services.invitation_create(
            workshop=workshop, district=district, invited_by=facilitator
        )


def accept(invitation, district, admin, items) -> services.ConsentChange:
    """What the administrator's answer does, then the packet task its commit would queue."""
    with system_context(district, reason="test"):
        change = services.invitation_respond(
            invitation=invitation, accept=True, items=items, by=admin
        )
    materialise(district, invitation)
    return change


def materialise(district, invitation=None) -> int:
    return tasks.refresh_packets.apply(
        kwargs={"district_id": district.pk, "invitation_id": getattr(invitation, "pk", None)}
    ).get()


@pytest.fixture
def riverside_invitation(workshop, tiered, district, facilitator):
    return invite(workshop, district, facilitator)


@pytest.fixture
def lakeview_invitation(workshop, other_district, facilitator, riverside_invitation):
    return invite(workshop, other_district, facilitator)
