"""The tiered list reads its support columns in one statement written out in SQL
(support.list_columns.support_rows), whose tenant filters restate SupportQuerySet.for_user's.
For every role, inside the tenant context a request of theirs enters, the statement reads the
records the ORM reads: CaringConversation, AttendancePlan and StudentIntervention
`.objects.for_user(user)`.

On tests/tiered.py's district: Di Dunn (S4) had her support recorded at Adams, then moved to
Banneker (her records go with her); Ed Egan (S5) is at Adams, Ivy Ives (S9) at Banneker; Cy
Cole (S3) has only a completed intervention (nothing a column shows); and Lakeview has a
student with records of its own. Every student of both districts is on the list asked about.
"""

from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.db import DatabaseError, transaction
from django.db.models import Max

from support.list_columns import support_rows
from support.models import (
    AttendancePlan,
    CaringConversation,
    InterventionStatus,
    StudentIntervention,
)
from tests.factories import StudentFactory
from tests.reading import reading
from tests.requesters import PERSONAS, as_persona, every_role
from tiering.models import Student

from . import factories as support
from .conftest import transfer_to_banneker

# A student's support as the list's columns read it: last contact, next check-in and the
# tiers of the active interventions.
Support = tuple[date | None, date | None, list[str]]


@pytest.fixture
def listed(
    tiered,
    district,
    school_team_member,
    other_school_principal,
    other_district,
    other_school,
    outsider,
    tmp_path,
) -> dict[int, str]:
    """Every student of both districts: their ids, each with the student's SIS id."""
    today = district.today()
    dunn, egan, cole, ives = (support.student(district, s) for s in ("S4", "S5", "S3", "S9"))
    support.conversation(dunn, staff=school_team_member, held_on=today - timedelta(days=10))
    support.plan(dunn, updated_by=school_team_member, next_check_in=today - timedelta(days=1))
    support.intervention(dunn, owner=school_team_member, tier="II")
    support.intervention(
        dunn, owner=school_team_member, tier="III", status=InterventionStatus.PLANNED
    )
    # Two conversations (the later one is the last contact), and a completed intervention
    # beside the active ones.
    for days in (20, 3):
        support.conversation(egan, staff=school_team_member, held_on=today - timedelta(days=days))
    support.plan(egan, updated_by=school_team_member, next_check_in=today + timedelta(days=4))
    active, completed = InterventionStatus.ACTIVE, InterventionStatus.COMPLETED
    for tier, status in (("III", active), ("I", active), ("II", completed)):
        support.intervention(egan, owner=school_team_member, tier=tier, status=status)
    support.intervention(
        cole, owner=school_team_member, tier="II", status=InterventionStatus.COMPLETED
    )
    support.conversation(ives, staff=other_school_principal, held_on=today - timedelta(days=5))
    support.intervention(ives, owner=other_school_principal, tier="I")
    transfer_to_banneker(district, tmp_path)
    lakeview = StudentFactory(district=other_district, school=other_school, sis_id="L1")
    support.conversation(lakeview, staff=outsider, held_on=today)
    support.intervention(lakeview, owner=outsider, tier="III")
    students = {}
    for each in (district, other_district):
        with reading(each):
            students.update(Student.objects.values_list("pk", "sis_id"))
    return students


def _read_by_the_statement(user, student_ids) -> dict[int, Support]:
    """What the written statement reads of each student's support; students it reads none of
    are left out."""
    try:
        with transaction.atomic():
            rows = support_rows(user, student_ids)
    except DatabaseError as refused:
        # Partner staff's database persona holds no privilege on the support tables
        # (support/migrations/0002_support_walls.py): the database refuses the statement, which
        # so reads nothing (the ORM asks nothing of the database for a role it does not let
        # read the table).
        assert "permission denied" in str(refused)
        return {}
    return {
        student: (last_contact, next_check_in, list(tiers))
        for student, _school, last_contact, next_check_in, tiers in rows
        if last_contact or next_check_in or tiers
    }


def _read_by_the_orm(user, student_ids) -> dict[int, Support]:
    conversations = CaringConversation.objects.for_user(user).filter(student_id__in=student_ids)
    last_contacts = dict(
        conversations.order_by()
        .values("student_id")
        .annotate(last=Max("held_on"))
        .values_list("student_id", "last")
    )
    check_ins = dict(
        AttendancePlan.objects.for_user(user)
        .filter(student_id__in=student_ids, next_check_in__isnull=False)
        .values_list("student_id", "next_check_in")
    )
    tiers = defaultdict(set)
    active = StudentIntervention.objects.for_user(user).filter(
        student_id__in=student_ids, status=InterventionStatus.ACTIVE
    )
    for student, tier in active.values_list("student_id", "tier"):
        tiers[student].add(tier)
    return {
        student: (last_contacts.get(student), check_ins.get(student), sorted(tiers[student]))
        for student in {*last_contacts, *check_ins, *tiers}
    }


@pytest.mark.parametrize(("role", "persona"), every_role())
def test_the_statement_reads_the_support_the_orm_reads(request, role, persona, listed):
    with as_persona(request, role, persona) as user:
        assert _read_by_the_statement(user, list(listed)) == _read_by_the_orm(user, list(listed))


# Whose support each persona reads: the records follow Di Dunn (S4) to Banneker.
READERS_OF = {
    "district_admin": {"S4", "S5", "S9"},
    "cabinet_member": {"S4", "S5", "S9"},
    "outsider": {"L1"},
    "principal": {"S5"},
    "school_team_member": {"S5"},
    "other_school_principal": {"S4", "S9"},
    "two_school_team_member": {"S4", "S5", "S9"},
    "partner_staff": set(),
}


def test_the_roles_read_different_students_support(request, listed):
    """The comparison above is no agreement on nothing: the data give the personas different
    answers, school roles less than the district's administrator."""
    read = {}
    for role, personas in PERSONAS.items():
        for persona in personas:
            with as_persona(request, role, persona) as user:
                read[persona] = {
                    listed[student] for student in _read_by_the_orm(user, list(listed))
                }
    assert read == READERS_OF
