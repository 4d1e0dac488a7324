"""Adams (tests/tiered.py) with Di Dunn (S4, Severe chronic) and Ed Egan (S5, Extreme
chronic); the youth club's STEM club serves Adams, the food bank every school."""

from datetime import date

import pytest

from districts.models import Membership
from districts.tenancy import context_for_membership, system_context, tenant_context
from partners.models import AbsenceReason, Intervention
from support import services
from tests.sis import import_file
from tests.tiered import ROSTER, write
from tiering.models import Student

DAY = date(2026, 11, 16)


@pytest.fixture
def di(tiered, district):
    with system_context(district, reason="test fixture"):
        return Student.objects.select_related("school", "district").get(sis_id="S4")


@pytest.fixture
def ed(tiered, district):
    with system_context(district, reason="test fixture"):
        return Student.objects.select_related("school", "district").get(sis_id="S5")


def reasons(*codes):
    return [AbsenceReason.objects.get(code=c) for c in codes]


def intervention(code):
    return Intervention.objects.get(code=code)


def transfer_to_banneker(district, tmp_path, sis_id="S4"):
    """A new roster from the SIS names the student at Banneker (102)."""
    line = next(row for row in ROSTER.splitlines() if row.startswith(f"{sis_id},"))
    moved = ROSTER.replace(line, line.replace(",101,", ",102,"))
    record = import_file(district, write(tmp_path, "roster-moved.csv", moved))
    assert record.status == "succeeded", record.errors
    with system_context(district, reason="test"):
        student = Student.objects.select_related("school", "district").get(sis_id=sis_id)
    assert student.school.sis_code == "102"
    return student


def referral(student, *, entry, by, starts_on=DAY, code="playbook-mentors", **more):
    return services.student_intervention_create(
        student=student,
        fields=services.InterventionFields(
            intervention=intervention(code),
            owner=by,
            starts_on=starts_on,
            partner_entry=entry,
            referred_on=more.pop("referred_on", starts_on),
            **more,
        ),
        created_by=by,
    )


def as_member(user, district):
    """The user's own tenant context, as a request to one of their pages enters it."""
    with system_context(district, reason="test"):
        membership = Membership.unscoped.get(user=user, district=district)
    return tenant_context(context_for_membership(membership))
