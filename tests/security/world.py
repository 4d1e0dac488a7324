"""Two districts holding one of every kind of object a route can name, for the isolation
matrix: Riverside (the personas' district) and Lakeview, whose ids every Riverside persona
must be refused. Lakeview mirrors Riverside so that its ids are real: Oscar, Lakeview's
administrator, reaches them, which proves a Riverside persona's 404 is the wall and not a
bad id."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files import File
from django.utils import timezone

from districts.models import Membership
from districts.roles import Role
from districts.services import api_token_create, membership_grant, person_invite, school_year_create
from districts.tenancy import operator_context, system_context
from partners.models import PartnerType
from partners.services import partner_organization_create, partner_staff_link_create
from pdsa import services as pdsa_services
from selfassessment import services as assessment_services
from selfassessment.models import Item, ItemResponse, Reflection
from tiering import services as tiering_services
from tiering.models import (
    AttendanceCategory,
    AttendanceImport,
    ImportProfile,
    ImportStatus,
    Student,
)

from ..factories import UserFactory
from ..partners.fixtures import make_entry
from ..sis import import_file

SUMMARY = "student_id,school_code,grade,days_enrolled,days_absent\n"
# A file whose headers match no SIS: the import stops at "Match the columns".
UNMATCHED = "learner,campus,present\nS1,101,yes\n"
# Daily records with a code the district has not defined: the import stops on codes.
UNKNOWN_CODE = "student_id,school_code,date,attendance_code\nS1,101,2026-10-19,ZZ\n"


# A file whose import something other than the file stopped: it can be imported again.
STOPPED = SUMMARY + "S7,101,3,40,2\n"
# A file checked and previewed, waiting for someone to confirm it.
PREVIEWED = SUMMARY + "S8,101,3,40,1\n"


@dataclass
class World:
    ids: dict[str, dict[str, int]] = field(default_factory=dict)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _stopped_import(district, path) -> AttendanceImport:
    """Queued, then ended the way a lost database connection ends it (test_import_faults.py
    stops an import for real)."""
    with system_context(district, reason="test fixture"), path.open("rb") as upload:
        record = tiering_services.attendance_import_create(
            district=district, uploaded_by=None, upload=File(upload, name=path.name)
        )
        AttendanceImport.objects.filter(pk=record.pk).update(
            status=ImportStatus.FAILED, message="The import stopped before it finished."
        )
    return record


def _objects(district, school, *, admin, partner_user, organization, tmp_path) -> dict[str, int]:
    """The ids of one district's objects every route can name, `school` holding its students."""
    with system_context(district, reason="test fixture"):
        assessment = assessment_services.assessment_create(
            district=district, created_by=admin, school_year="2026-27", title="Self-assessment"
        )
        priority = assessment_services.priority_add(assessment=assessment)
        invitation = person_invite(
            district=district,
            email=f"ivy@{district.slug}.org",
            full_name="Ivy Invited",
            role=Role.PRINCIPAL,
            schools=[school],
            invited_by=admin,
        )
        link = partner_staff_link_create(
            membership=Membership.unscoped.get(district=district, user=partner_user),
            organization=organization,
        )
        ImportProfile.unscoped.get_or_create(
            district=district, kind="summary", defaults={"column_mapping": {}}
        )
    mapping = import_file(district, _write(tmp_path, f"{district.slug}-unmatched.csv", UNMATCHED))
    stopped = _stopped_import(district, _write(tmp_path, f"{district.slug}-stopped.csv", STOPPED))
    codes = import_file(district, _write(tmp_path, f"{district.slug}-codes.csv", UNKNOWN_CODE))
    previewed = import_file(
        district,
        _write(tmp_path, f"{district.slug}-previewed.csv", PREVIEWED),
        as_of=date(2026, 11, 20),
        coverage=None,
    )
    assert previewed.status == ImportStatus.PREVIEWED, previewed.errors
    assert mapping.status == ImportStatus.NEEDS_MAPPING, mapping.errors
    assert codes.status == ImportStatus.FAILED, codes.errors
    with system_context(district, reason="test fixture"):
        rule_set = tiering_services.rule_set_primary(district=district)
        (own_code,) = tiering_services.attendance_codes_define(
            district=district, codes={"HD": (AttendanceCategory.PARTIAL, None)}
        )
    entry = make_entry(
        district,
        organization,
        provided="Mentoring",
        schools=[school],
        reasons=["disengaged"],
        contact_email=f"mentor@{district.slug}.org",
    )
    with system_context(district, reason="test fixture"):
        cycle = pdsa_services.cycle_create(
            district=district, created_by=admin, schools=[school], title="2x10 Strategy"
        )
        pdsa_services.cycle_links_set(cycle=cycle, schools=[school], partner_entries=[entry])
        question = pdsa_services.question_add(cycle=cycle, text="Will they come?", prediction="5")
        step = pdsa_services.step_add(cycle=cycle, text="Invite one student")
        (participant,) = pdsa_services.participants_add(
            cycle=cycle, students=[Student.objects.get(sis_id="S1")], added_by=admin
        )
        integration, _secret = api_token_create(
            district=district,
            created_by=admin,
            name="SIS nightly",
            expires_at=timezone.now() + timedelta(days=30),
        )
        return {
            "api_token": integration.pk,
            "cycle": cycle.pk,
            "idea": cycle.change_idea_id,
            "learning_question": question.pk,
            "plan_step": step.pk,
            "participant": participant.pk,
            "school": school.pk,
            "student": Student.objects.get(sis_id="S1").pk,
            "import": AttendanceImport.objects.filter(status=ImportStatus.SUCCEEDED).first().pk,
            "mapping_import": mapping.pk,
            "codes_import": codes.pk,
            "stopped_import": stopped.pk,
            "previewed_import": previewed.pk,
            "assessment": assessment.pk,
            "item": Item.objects.filter(ingredient__version=assessment.template_id).first().pk,
            "item_response": ItemResponse.objects.filter(assessment=assessment).first().pk,
            "reflection": Reflection.objects.filter(assessment=assessment).first().pk,
            "priority": priority.pk,
            "organization": organization.pk,
            "entry": entry.pk,
            "link": link.pk,
            "invitation": invitation.pk,
            "district_rule_set": rule_set.pk,
            "district_code": own_code.pk,
        }


@pytest.fixture
def world(
    tiered,
    district,
    other_district,
    other_school,
    district_admin,
    cabinet_member,
    principal,
    other_school_principal,
    school_team_member,
    pia,
    youth_club,
    food_entry,
    facilitator,
    felix,
    outsider,
    tmp_path,
) -> World:
    riverside = _objects(
        district,
        tiered,
        admin=cabinet_member,
        partner_user=pia,
        organization=youth_club,
        tmp_path=tmp_path,
    )
    riverside.update(_support_ids(district, riverside, team_member=district_admin))
    riverside["food_entry"] = food_entry.pk
    riverside["food_bank"] = food_entry.organization_id

    lena = UserFactory(email="lena@lakeviewmentors.org", full_name="Lena Lakeview")
    with system_context(other_district, reason="test fixture"):
        membership_grant(district=other_district, user=lena, role=Role.PARTNER_STAFF)
        school_year_create(
            district=other_district,
            label="2026–27",
            first_day=date(2026, 8, 17),
            last_day=date(2027, 6, 4),
            instructional_days=180,
        )
        mentors = partner_organization_create(
            district=other_district,
            name="Lakeview Mentors",
            partner_type=PartnerType.NATIONAL_SERVICE,
        )
    summary = _write(tmp_path, "lakeview.csv", SUMMARY + "S1,101,3,40,9\nS2,101,3,40,1\n")
    assert import_file(other_district, summary, as_of=date(2026, 11, 20)).status == "succeeded"
    lakeview = _objects(
        other_district,
        other_school,
        admin=outsider,
        partner_user=lena,
        organization=mentors,
        tmp_path=tmp_path,
    )
    lakeview.update(_support_ids(other_district, lakeview, team_member=outsider))
    _workshop_ids(
        facilitator, felix, district_admin, outsider, riverside, lakeview, school_team_member
    )
    with operator_context(reason="test fixture"):  # groups are the operators' to create
        operators = Group.objects.create(name="Operators")
    riverside.update(_admin_ids(district, operators))
    return World(ids={"riverside": riverside, "lakeview": lakeview})


def _workshop_ids(facilitator, felix, admin, outsider, riverside, lakeview, tess) -> None:
    """Fran's workshop, to which Riverside (accepted, sharing its band mix, with a team that
    names Tess, and a plan) and Lakeview (no answer yet, a team and a draft plan) are invited,
    with one cohort PDF built; Felix runs a workshop of his own."""
    from districts.models import District
    from workshops import checkins
    from workshops import services as workshop_services
    from workshops import tasks as workshop_tasks
    from workshops.context import facilitating
    from workshops.models import CheckIn, CohortPdf, ConsentItem, Department, PlanKind

    fields = workshop_services.WorkshopFields(
        title="Strategy workshop",
        first_day=date(2027, 2, 3),
        last_day=date(2027, 2, 4),
        place="Sacramento",
    )
    with facilitating(felix):
        workshop_services.workshop_create(created_by=felix, fields=fields)
    with facilitating(facilitator):
        workshop = workshop_services.workshop_create(created_by=facilitator, fields=fields)
    # A new context, as the next request opens: it names the new workshop among Fran's.
    with facilitating(facilitator):
        invitations = {
            slug: workshop_services.invitation_create(
                workshop=workshop, district=District.objects.get(slug=slug), invited_by=facilitator
            )
            for slug in ("riverside", "lakeview")
        }
    for slug, ids, person in (("riverside", riverside, admin), ("lakeview", lakeview, outsider)):
        invitation = invitations[slug]
        with system_context(invitation.district, reason="test fixture"):
            if slug == "riverside":
                workshop_services.invitation_respond(
                    invitation=invitation, accept=True, items=[ConsentItem.BANDS], by=person
                )
                workshop_services.team_member_add(
                    invitation=invitation, department=Department.ATTENDANCE, user=tess
                )
            member = workshop_services.team_member_add(
                invitation=invitation, department=Department.HEALTH, name="Nurse Nadia"
            )
            action = workshop_services.plan_action_add(
                invitation=invitation, kind=PlanKind.STRATEGIC_ACTION, by=person
            )
        ids.update(
            {
                "workshop": workshop.pk,
                "workshop_invitation": invitation.pk,
                "team_member": member.pk,
                "plan_action": action.pk,
            }
        )
    with facilitating(facilitator):
        pdf = CohortPdf.objects.create(workshop=workshop, requested_by=facilitator)
        # The workshop's first check-in date: a date of the workshop, named under each district.
        check_in = CheckIn.objects.filter(workshop=workshop).first()
    riverside_invitation = invitations["riverside"]
    with system_context(riverside_invitation.district, reason="test fixture"):
        # Riverside reported at it and set its interim goal.
        checkins.check_in_record(
            invitation=riverside_invitation, check_in=check_in, reports={}, note="", by=admin
        )
        checkins.interim_goal_set(
            invitation=riverside_invitation,
            target_rate=Decimal("15.0"),
            target_date=date(2027, 6, 1),
            by=admin,
        )
    workshop_tasks.build_cohort_pdf.apply(kwargs={"pdf_id": pdf.pk, "user_id": facilitator.pk})
    riverside["cohort_pdf"] = lakeview["cohort_pdf"] = pdf.pk
    riverside["check_in"] = lakeview["check_in"] = check_in.pk


def _support_ids(district, ids: dict[str, int], *, team_member) -> dict[str, int]:
    """A Caring Conversation, a plan and an intervention with a referral, for S1."""
    from partners.models import AbsenceReason, Intervention, PartnerEntry
    from support import services as support_services

    with system_context(district, reason="test fixture"):
        student = Student.objects.select_related("school", "district").get(pk=ids["student"])
        conversation = support_services.caring_conversation_create(
            student=student,
            fields=support_services.ConversationFields(
                held_on=date(2026, 11, 16),
                staff=team_member,
                with_whom="family",
                reasons=[AbsenceReason.objects.get(code="disengaged")],
            ),
            recorded_by=team_member,
        )
        support_services.attendance_plan_save(
            student=student,
            fields=support_services.PlanFields(next_check_in=date(2026, 12, 4)),
            changed_by=team_member,
        )
        item = support_services.student_intervention_create(
            student=student,
            fields=support_services.InterventionFields(
                intervention=Intervention.objects.get(code="playbook-mentors"),
                owner=team_member,
                starts_on=date(2026, 11, 16),
                partner_entry=PartnerEntry.objects.get(pk=ids["entry"]),
            ),
            created_by=team_member,
        )
        # What the task enqueued after commit would do (the fixture's transaction never ends).
        support_services.referral_tallies_recount(
            district=district,
            keys=[(item.partner_organization_id, item.school_id, item.referred_on)],
        )
    return {"conversation": conversation.pk, "intervention": item.pk}


def _admin_ids(district, group) -> dict[str, int]:
    """Ids of the rows the operators' admin pages open (every admin model has one)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from districts.models import SchoolYear
    from selfassessment.models import ReflectionQuestion, TemplateVersion
    from tiering.models import AttendanceCode, RuleSet

    attempt = {"ip_address": "203.0.113.7", "username": "alice@riverside.org", "user_agent": ""}
    with system_context(district, reason="test fixture"):
        return {
            "access_attempt": AccessAttempt.objects.create(
                **attempt, get_data="", post_data="", failures_since_start=1
            ).pk,
            "access_log": AccessLog.objects.create(**attempt).pk,
            "access_failure_log": AccessFailureLog.objects.create(**attempt).pk,
            "group": group.pk,
            "district": district.pk,
            "school_year": SchoolYear.objects.first().pk,
            "membership": Membership.objects.first().pk,
            "rule_set": RuleSet.objects.first().pk,
            "attendance_code": AttendanceCode.objects.first().pk,
            "import_profile": ImportProfile.objects.first().pk,
            "template": TemplateVersion.objects.first().pk,
            "question": ReflectionQuestion.objects.first().pk,
        }
