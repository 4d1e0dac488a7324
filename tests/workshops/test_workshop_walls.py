"""The workshop tables' walls (migrations/0002_workshop_walls.py), as the app's login role: the
facilitator persona reaches its own workshops' rows across districts and nothing of a student;
a district reaches its own invitation, consent, team and packet; the others are walled off."""

import pytest
from django.db import DatabaseError, connection, transaction

from districts import db_walls
from districts.tenancy import system_context
from workshops import services
from workshops.context import facilitating
from workshops.models import (
    Consent,
    ConsentItem,
    Invitation,
    InvitationStatus,
    PacketTable,
    PlanAction,
    PlanKind,
    Workshop,
    WorkshopSession,
)

from ..test_db_walls import STUDENT_TABLES, _tenant_tables
from .conftest import accept, invite

WORKSHOP_TABLES = {
    "workshops_workshop",
    "workshops_workshopfacilitator",
    "workshops_workshopsession",
    "workshops_invitation",
    "workshops_consent",
    "workshops_teammember",
    "workshops_packettable",
    "workshops_planaction",
    "workshops_cohortpdf",
    "workshops_checkin",
    "workshops_teamcheckin",
    "workshops_actionupdate",
    "workshops_interimgoal",
}

GLOBAL = {
    "workshops_workshop",
    "workshops_workshopfacilitator",
    "workshops_workshopsession",
    "workshops_cohortpdf",
    "workshops_checkin",
}


def _tables_granted_to(role: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT table_name FROM information_schema.role_table_grants"
            " WHERE grantee = %s AND privilege_type <> 'SELECT'"
            " UNION SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
            " AND c.relkind IN ('r', 'p') AND has_table_privilege(%s, c.oid, 'SELECT')",
            [role, role],
        )
        return {row[0] for row in cursor.fetchall()}


def test_the_facilitator_persona_reaches_workshop_tables_and_no_student_table(db):
    granted = _tables_granted_to(db_walls.FACILITATOR)
    assert granted & set(STUDENT_TABLES) == set()
    assert granted >= WORKSHOP_TABLES
    # Of every district's tables, only the workshop's: beyond them, the persona reads what every
    # persona reads (districts, users, global vocabularies and templates).
    assert set(_tenant_tables()) & granted == WORKSHOP_TABLES - GLOBAL


def test_a_facilitator_sees_only_their_own_workshops_rows(
    workshop, felix_workshop, facilitator, felix, riverside_invitation, district, district_admin
):
    accept(riverside_invitation, district, district_admin, [ConsentItem.BANDS])
    with facilitating(felix):
        # The database alone, without the app's own filters.
        assert list(Workshop.objects.values_list("title", flat=True)) == ["Felix's workshop"]
        assert not WorkshopSession.objects.filter(workshop_id=workshop.pk).exists()
        assert Invitation.unscoped.count() == 0
        assert Consent.unscoped.count() == 0
        assert PacketTable.unscoped.count() == 0
    with facilitating(facilitator):
        assert Invitation.unscoped.count() == 1
        assert Consent.unscoped.count() == 1
        assert PacketTable.unscoped.count() == 1


def test_a_facilitator_cannot_invite_into_anothers_workshop_nor_write_a_districts_consent(
    workshop, felix, facilitator, riverside_invitation, other_district, district_admin
):
    with facilitating(felix), transaction.atomic():
        rejected = pytest.raises(DatabaseError, match="row-level security")
        with rejected, transaction.atomic():
            Invitation.unscoped.create(
                district=other_district, workshop=workshop, alias="District Z", invited_by=felix
            )
    with facilitating(facilitator):
        denied = pytest.raises(DatabaseError, match="permission denied")
        with denied, transaction.atomic():
            Consent.unscoped.create(
                district_id=riverside_invitation.district_id,
                invitation=riverside_invitation,
                workshop=workshop,
                item=ConsentItem.BANDS,
                given_by=facilitator,
            )
        # Nor accept on the district's behalf.
        denied = pytest.raises(DatabaseError, match="permission denied")
        with denied, transaction.atomic():
            Invitation.unscoped.filter(pk=riverside_invitation.pk).update(
                status=InvitationStatus.ACCEPTED
            )


def test_a_district_sees_its_own_invitation_and_the_workshop_only(
    workshop, felix_workshop, riverside_invitation, lakeview_invitation, district, other_district
):
    with system_context(district, reason="test"):
        assert list(Invitation.unscoped.values_list("pk", flat=True)) == [riverside_invitation.pk]
        assert list(Workshop.objects.values_list("pk", flat=True)) == [workshop.pk]
        assert WorkshopSession.objects.count() == 3
    with system_context(other_district, reason="test"):
        assert list(Invitation.unscoped.values_list("pk", flat=True)) == [lakeview_invitation.pk]


def test_a_district_not_invited_sees_no_workshop(workshop, other_district):
    with system_context(other_district, reason="test"):
        assert Workshop.objects.count() == 0


def test_a_new_workshop_starts_with_the_flyers_three_objectives(workshop, facilitator):
    with facilitating(facilitator):
        agenda = list(
            WorkshopSession.objects.filter(workshop=workshop).values_list("agenda", "day")
        )
    assert [text for text, _ in agenda] == [
        "Create a shared model/vision for student health and attendance and learn from each "
        "other about best practices for improving health and attendance.",
        "Identify strategic actions across health and attendance initiatives.",
        "Develop a plan to operationalize alignment between health and attendance teams, goals, "
        "and initiatives.",
    ]
    assert [day for _, day in agenda] == [workshop.first_day, workshop.first_day, workshop.last_day]


def test_aliases_follow_the_order_of_invitation(
    workshop, facilitator, riverside_invitation, lakeview_invitation
):
    assert (riverside_invitation.alias, lakeview_invitation.alias) == ("District A", "District B")
    assert services._alias(26) == "District AA"


def test_inviting_a_district_twice_is_refused(
    workshop, facilitator, riverside_invitation, district
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="already invited"):
        invite(workshop, district, facilitator)


def test_no_district_persona_reaches_the_cohort_pdfs(db):
    for persona in (db_walls.STAFF, db_walls.SCHOOL, db_walls.SYSTEM, db_walls.PARTNER):
        assert "workshops_cohortpdf" not in _tables_granted_to(persona), persona


def test_a_facilitator_reads_plans_and_writes_none(
    workshop, facilitator, riverside_invitation, district, district_admin
):
    accept(riverside_invitation, district, district_admin, [ConsentItem.BANDS])
    with system_context(district, reason="test"):
        action = services.plan_action_add(
            invitation=riverside_invitation, kind=PlanKind.ALIGNMENT, by=district_admin
        )
    with facilitating(facilitator):
        assert list(PlanAction.across_districts.values_list("pk", flat=True)) == [action.pk]
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            PlanAction.across_districts.filter(pk=action.pk).update(action="Rewritten")
