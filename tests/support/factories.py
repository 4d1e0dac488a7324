"""Support records made directly, inside the district's context, for the pages that show them
(the services that record them from the student's page are tested on their own)."""

from __future__ import annotations

from datetime import date

from districts.tenancy import system_context
from partners.models import AbsenceReason, Intervention
from support.models import (
    AttendancePlan,
    CaringConversation,
    ConversationReason,
    InterventionStatus,
    ReferralTally,
    StudentIntervention,
)
from tiering.models import Student


def student(district, sis_id: str) -> Student:
    with system_context(district, reason="test fixture"):
        return Student.objects.get(sis_id=sis_id)


def conversation(student, *, staff, held_on: date, reasons=(), with_whom="family"):
    """A Caring Conversation with the reasons (codes of the seeded taxonomy) it found."""
    with system_context(student.district, reason="test fixture"):
        record = CaringConversation.objects.create(
            district=student.district,
            student=student,
            held_on=held_on,
            staff=staff,
            with_whom=with_whom,
            recorded_by=staff,
        )
        for code in reasons:
            ConversationReason.objects.create(
                district=student.district,
                conversation=record,
                student=student,
                reason=AbsenceReason.objects.get(code=code),
            )
        return record


def plan(student, *, updated_by, next_check_in: date | None, check_in_by=None):
    with system_context(student.district, reason="test fixture"):
        return AttendancePlan.objects.create(
            district=student.district,
            student=student,
            next_check_in=next_check_in,
            check_in_by=check_in_by,
            updated_by=updated_by,
        )


def intervention(
    student,
    *,
    owner,
    tier: str = "II",
    status: str = InterventionStatus.ACTIVE,
    starts_on: date = date(2026, 11, 2),
    reason: str | None = None,
    entry=None,
    referred_on: date | None = None,
):
    """An intervention of the Playbook's `tier`; with `entry`, a referral to that partner."""
    with system_context(student.district, reason="test fixture"):
        return StudentIntervention.objects.create(
            district=student.district,
            student=student,
            school=student.school,
            intervention=Intervention.objects.filter(tier=tier).first(),
            tier=tier,
            reason=AbsenceReason.objects.get(code=reason) if reason else None,
            owner=owner,
            starts_on=starts_on,
            status=status,
            partner_entry=entry,
            partner_organization=entry.organization if entry else None,
            referred_on=referred_on or (starts_on if entry else None),
            created_by=owner,
        )


def tally(organization, school, *, month: date, referrals: int) -> ReferralTally:
    with system_context(school.district, reason="test fixture"):
        return ReferralTally.objects.create(
            district=school.district,
            organization=organization,
            school=school,
            month=month,
            referrals=referrals,
        )
