"""The database's own walls on the PDSA tables (pdsa/migrations/0002_pdsa_walls.py), read with
unscoped querysets and raw SQL as each persona, so the app's scoping cannot hide a gap; and
what pdsa/migrations/0009's function tells a school role of the rows they hide from it."""

import pytest
from django.db import DatabaseError, connection, transaction

from districts import db_walls
from pdsa import services
from pdsa.models import (
    ChangeIdea,
    Cycle,
    CyclePartnerEntry,
    CycleSchool,
    LearningQuestion,
    Participant,
)
from tiering.models import Student

from .conftest import as_member


def test_partner_staff_read_only_the_cycles_naming_their_organisation(
    with_participants, banneker_cycle, pia, food_entry, principal
):
    with as_member(pia):
        assert list(Cycle.unscoped.values_list("pk", flat=True)) == [with_participants.pk]
        assert set(LearningQuestion.unscoped.values_list("cycle_id", flat=True)) == {
            with_participants.pk
        }
        assert ChangeIdea.unscoped.get().pk == with_participants.change_idea_id
        assert CycleSchool.unscoped.count() == 1
        denied = pytest.raises(DatabaseError, match="permission denied for table pdsa_participant")
        with denied, transaction.atomic():
            Participant.unscoped.count()
        # Their persona reads the worksheet and changes nothing of it.
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            Cycle.unscoped.filter(pk=with_participants.pk).update(title="Changed")
    # Another partner named beside them stays out of their sight.
    with as_member(principal):
        services.cycle_links_set(
            cycle=with_participants,
            schools=with_participants.schools.all(),
            partner_entries=[*with_participants.partner_entries.all(), food_entry],
        )
    with as_member(pia):
        assert CyclePartnerEntry.unscoped.count() == 1


def test_a_school_role_reads_its_schools_cycles_and_students_only(
    with_participants, banneker_cycle, other_school_principal, principal
):
    with as_member(other_school_principal):
        assert list(Cycle.unscoped.values_list("pk", flat=True)) == [banneker_cycle.pk]
        assert not LearningQuestion.unscoped.filter(cycle=with_participants).exists()
        assert list(Participant.unscoped.values_list("student__sis_id", flat=True)) == ["S9"]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pdsa_participant WHERE cycle_id = %s", [with_participants.pk]
            )
            assert cursor.fetchone() == (0,)
    with as_member(principal):
        ada = Student.objects.get(sis_id="S1")
    # Bob cannot write an Adams student into his own cycle, whatever the app lets through.
    with as_member(other_school_principal):
        rejected = pytest.raises(DatabaseError, match="row-level security")
        with rejected, transaction.atomic():
            Participant.unscoped.create(
                district_id=banneker_cycle.district_id,
                cycle=banneker_cycle,
                student_id=ada.pk,
                planned_sessions=10,
                added_by=other_school_principal,
            )


# --- Which cycles name a school beyond a school role's own (pdsa 0009) ------------------------


def _naming_other_schools(*cycles):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pdsa_cycles_naming_other_schools(%s::bigint[])", [[c.pk for c in cycles]]
        )
        return {cycle_id for (cycle_id,) in cursor.fetchall()}


def _schools_named(cycle):
    with connection.cursor() as cursor:
        cursor.execute("SELECT school_id FROM pdsa_cycleschool WHERE cycle_id = %s", [cycle.pk])
        return {school_id for (school_id,) in cursor.fetchall()}


def test_a_school_role_learns_which_of_its_cycles_name_other_schools_and_not_which_schools(
    shared_cycle,
    adams_cycle,
    banneker_cycle,
    principal,
    other_school_principal,
    two_school_team_member,
    school_a,
    school_b,
):
    cycles = (shared_cycle, adams_cycle, banneker_cycle)
    for user, own in ((principal, school_a), (other_school_principal, school_b)):
        with as_member(user):
            # Its walls still show it only its own school among those the shared cycle names.
            assert _schools_named(shared_cycle) == {own.pk}
            # And of the other school's own cycle, which it does not read, it learns nothing.
            assert _naming_other_schools(*cycles) == {shared_cycle.pk}, user
    with as_member(two_school_team_member):
        assert _schools_named(shared_cycle) == {school_a.pk, school_b.pk}
        assert _naming_other_schools(*cycles) == set()


def test_the_answer_keeps_to_the_current_district(shared_cycle, school_a, other_district):
    # Settings naming Adams in Lakeview's context (a forged one) learn nothing of Riverside's
    # cycle at Adams and Banneker: the function reads the current district's rows only.
    forged = db_walls.DbState(
        role=db_walls.SCHOOL, district_id=other_district.pk, school_ids=frozenset({school_a.pk})
    )
    with transaction.atomic(), db_walls.entered(forged):
        assert _naming_other_schools(shared_cycle) == set()


@pytest.mark.parametrize("persona", [db_walls.STAFF, db_walls.SYSTEM, db_walls.PARTNER, None])
def test_only_the_school_persona_may_ask_which_cycles_name_other_schools(
    persona, shared_cycle, district
):
    state = db_walls.DbState(role=persona, district_id=district.pk)
    denied = pytest.raises(
        DatabaseError, match="permission denied for function pdsa_cycles_naming_other_schools"
    )
    with denied, transaction.atomic(), db_walls.entered(state):
        _naming_other_schools(shared_cycle)
