"""The database's own walls on the PDSA tables (pdsa/migrations/0002_pdsa_walls.py), read with
unscoped querysets and raw SQL as each persona, so the app's scoping cannot hide a gap."""

import pytest
from django.db import DatabaseError, connection, transaction

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
