"""The services behind the student's support records: each change is kept in the history
with who, when and each field's old and new value, and the referral counts partners see stay
right whatever the writer's walls hide."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from districts.tenancy import system_context
from support import services
from support.models import (
    AttendancePlan,
    ConversationWith,
    InterventionStatus,
    ReferralTally,
    StudentIntervention,
    SupportChange,
)
from tests.reading import reading

from .conftest import DAY, as_member, intervention, reasons, referral, transfer_to_banneker


def _conversation_fields(staff, **more):
    return services.ConversationFields(
        held_on=more.pop("held_on", DAY),
        staff=staff,
        with_whom=ConversationWith.FAMILY,
        **more,
    )


def test_a_conversation_keeps_its_reasons_and_every_change_in_the_history(
    district, di, school_team_member
):
    with as_member(school_team_member, district):
        conversation = services.caring_conversation_create(
            student=di,
            fields=_conversation_fields(
                school_team_member,
                learn="Di wants to be a vet.",
                reasons=reasons("anxiety", "transportation-barriers"),
            ),
            recorded_by=school_team_member,
        )
        services.caring_conversation_update(
            conversation=conversation,
            fields=_conversation_fields(
                school_team_member,
                learn="Di wants to be a vet.",
                discuss="The bus leaves before her mother's shift ends.",
                reasons=reasons("transportation-barriers"),
            ),
            changed_by=school_team_member,
        )
    with reading(district):
        created, updated = SupportChange.objects.order_by("pk")
        assert (created.action, created.record, created.changed_by) == (
            "created",
            "conversation",
            school_team_member,
        )
        assert {"field": "1. Learn", "old": "", "new": "Di wants to be a vet."} in created.changes
        # In the root-cause document's order, whatever order they were ticked in.
        assert {
            "field": "Reasons for absence",
            "old": "",
            "new": "Transportation Barriers; Anxiety",
        } in created.changes
        # Only what changed: the new Discuss note and the reason no longer named.
        assert [c["field"] for c in updated.changes] == ["4. Discuss", "Reasons for absence"]
        assert updated.changes[1]["new"] == "Transportation Barriers"
        assert list(conversation.reasons.values_list("code", flat=True)) == [
            "transportation-barriers"
        ]

    conversation_id = conversation.pk
    with as_member(school_team_member, district):
        services.caring_conversation_delete(
            conversation=conversation, changed_by=school_team_member
        )
    with reading(district):
        removed = SupportChange.objects.order_by("pk").last()
        assert removed.action == "deleted" and removed.record_id == conversation_id
        assert {"field": "1. Learn", "old": "Di wants to be a vet.", "new": ""} in removed.changes


def test_the_plan_keeps_the_help_bank_backups_and_check_in(district, di, principal):
    fields = services.PlanFields(
        steps="Walk with the neighbours' children on Tuesdays.",
        my_family="Mum, Di, two younger brothers",
        everyday_helpers="Mrs Ortiz next door",
        backup_contacts=[
            services.BackupContact("Aunt May", "(555) 010-7777"),
            services.BackupContact("", ""),
        ],
        next_check_in=date(2026, 11, 30),
        check_in_by=principal,
    )
    with as_member(principal, district):
        plan = services.attendance_plan_save(student=di, fields=fields, changed_by=principal)
        fields.next_check_in = date(2026, 12, 7)
        again = services.attendance_plan_save(student=di, fields=fields, changed_by=principal)
    assert again.pk == plan.pk
    with reading(district):
        assert AttendancePlan.objects.get().backup_contacts == [
            {"name": "Aunt May", "phone": "(555) 010-7777"}
        ]
        created, updated = SupportChange.objects.filter(record="plan").order_by("pk")
        assert {"field": "Back-up contacts", "old": "", "new": "Aunt May ((555) 010-7777)"} in (
            created.changes
        )
        assert updated.changes == [
            {"field": "Next check-in", "old": "2026-11-30", "new": "2026-12-07"}
        ]


def test_the_plan_refuses_a_backup_without_a_name(district, di, principal):
    fields = services.PlanFields(backup_contacts=[services.BackupContact("", "(555) 010-1111")])
    with as_member(principal, district), pytest.raises(ValidationError, match="needs a name"):
        services.attendance_plan_save(student=di, fields=fields, changed_by=principal)


def test_an_intervention_takes_its_tier_from_the_playbook_and_needs_one_otherwise(
    district, di, school_team_member
):
    with as_member(school_team_member, district):
        mentors = services.student_intervention_create(
            student=di,
            fields=services.InterventionFields(
                intervention=intervention("playbook-mentors"),
                owner=school_team_member,
                starts_on=DAY,
            ),
            created_by=school_team_member,
        )
        assert mentors.tier == "II" and mentors.status == InterventionStatus.PLANNED
        carpools = services.InterventionFields(
            intervention=intervention("carpools"), owner=school_team_member, starts_on=DAY
        )
        with pytest.raises(ValidationError, match="no tier of its own"):
            services.student_intervention_create(
                student=di, fields=carpools, created_by=school_team_member
            )
        carpools.tier = "I"
        item = services.student_intervention_create(
            student=di, fields=carpools, created_by=school_team_member
        )
        # The alignment table ties Carpools to transportation barriers.
        assert item.reason.code == "transportation-barriers" and item.tier == "I"
        services.student_intervention_status_set(
            item=item, status=InterventionStatus.ACTIVE, changed_by=school_team_member
        )
    with reading(district):
        last = SupportChange.objects.order_by("pk").last()
        assert last.changes == [{"field": "Status", "old": "Planned", "new": "Active"}]


def test_an_owner_must_be_on_the_students_team(district, di, principal, other_school_principal):
    fields = services.InterventionFields(
        intervention=intervention("playbook-mentors"),
        owner=other_school_principal,
        starts_on=DAY,
    )
    with as_member(principal, district), pytest.raises(ValidationError, match="owner"):
        services.student_intervention_create(student=di, fields=fields, created_by=principal)


def test_a_referral_goes_only_to_a_partner_serving_the_students_school(
    district, di, principal, club_entry, school_b
):
    from tests.partners.fixtures import make_entry

    banneker_only = make_entry(
        district, club_entry.organization, provided="Banneker tutoring", schools=[school_b]
    )
    with as_member(principal, district):
        with pytest.raises(ValidationError, match="does not serve Adams"):
            referral(di, entry=banneker_only, by=principal)
        item = referral(di, entry=club_entry, by=principal, referred_on=None)
    assert item.partner_organization_id == club_entry.organization_id
    assert item.referred_on is not None and item.school == di.school


def test_a_school_role_cannot_write_for_another_schools_student(
    district, di, other_school_principal
):
    with (
        as_member(other_school_principal, district),
        pytest.raises(PermissionDenied),
    ):
        services.attendance_plan_save(
            student=di, fields=services.PlanFields(), changed_by=other_school_principal
        )


def _tallies(district):
    with reading(district):
        return {
            (t.organization.name, t.school.name, t.month): t.referrals
            for t in ReferralTally.objects.select_related("organization", "school")
        }


def test_referral_counts_follow_every_change_once_committed(
    district, di, ed, principal, club_entry, food_entry, django_capture_on_commit_callbacks
):
    club, food = "Riverside Youth Club", "Springfield County Food Bank"
    adams, november = "Adams Elementary School", date(2026, 11, 1)
    with django_capture_on_commit_callbacks(execute=True), as_member(principal, district):
        first = referral(di, entry=club_entry, by=principal)
        referral(ed, entry=club_entry, by=principal)
        # A second referral of the same student that month counts the student once.
        referral(di, entry=club_entry, by=principal, code="playbook-youth-engagement")
    assert _tallies(district) == {(club, adams, november): 2}

    with django_capture_on_commit_callbacks(execute=True), as_member(principal, district):
        fields = services.InterventionFields(
            intervention=first.intervention,
            owner=principal,
            starts_on=DAY,
            partner_entry=food_entry,
            referred_on=date(2026, 12, 2),
        )
        services.student_intervention_update(item=first, fields=fields, changed_by=principal)
    assert _tallies(district) == {
        (club, adams, november): 2,  # Di's other referral still counts
        (food, adams, date(2026, 12, 1)): 1,
    }

    with django_capture_on_commit_callbacks(execute=True), as_member(principal, district):
        services.student_intervention_delete(item=first, changed_by=principal)
    assert _tallies(district) == {(club, adams, november): 2}


def test_a_rolled_back_change_recounts_nothing(
    district, di, principal, club_entry, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        as_member(principal, district),
    ):
        referral(di, entry=club_entry, by=principal)
        raise RuntimeError("the request failed after the service ran")
    assert callbacks == [] and _tallies(district) == {}


def test_referral_counts_stay_right_when_a_referred_student_has_moved_away(
    district,
    di,
    ed,
    principal,
    other_school_principal,
    club_entry,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    """Di and Ed were both referred from Adams in November. Ed moves to Banneker, whose
    principal removes Ed's referral: Banneker's walls hide Di, yet Adams' count must fall to
    one, not to none."""
    with django_capture_on_commit_callbacks(execute=True), as_member(principal, district):
        referral(di, entry=club_entry, by=principal)
        eds = referral(ed, entry=club_entry, by=principal)
    ed = transfer_to_banneker(district, tmp_path, "S5")
    with as_member(other_school_principal, district):
        # What Banneker's principal can see of Adams' referrals: Ed's only.
        visible = StudentIntervention.objects.filter(school=di.school)
        assert list(visible.values_list("student__sis_id", flat=True)) == ["S5"]
    with (
        django_capture_on_commit_callbacks(execute=True),
        as_member(other_school_principal, district),
    ):
        eds.student = ed
        services.student_intervention_delete(item=eds, changed_by=other_school_principal)
    assert _tallies(district) == {
        ("Riverside Youth Club", "Adams Elementary School", DAY.replace(day=1)): 1
    }


def test_only_whole_district_work_recounts(district, principal, club_entry, school_a):
    keys = [(club_entry.organization_id, school_a.pk, date(2026, 11, 1))]
    with as_member(principal, district), pytest.raises(PermissionDenied):
        services.referral_tallies_recount(district=district, keys=keys)
    with system_context(district, reason="test"):
        services.referral_tallies_recount(district=district, keys=keys)
    assert _tallies(district) == {}
