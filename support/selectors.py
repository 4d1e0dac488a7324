"""Reads the student's page, the forms and the family's plan share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from districts.models import District, Membership, School, User
from districts.roles import RECORD_STUDENT_SUPPORT, SCHOOL_ROLES
from partners.models import FAMILY_TAGLINES, AbsenceReason, PartnerEntry, ReasonFamily
from tiering.models import Student

from .models import (
    AttendancePlan,
    CaringConversation,
    ConversationReason,
    InterventionStatus,
    StudentIntervention,
    SupportChange,
)

OPEN_STATUSES = (InterventionStatus.PLANNED, InterventionStatus.ACTIVE)


def team_members(*, school: School | None) -> QuerySet[User]:
    """Who may hold a student's conversation, intervention or check-in: the district's
    administrators and the principals and attendance-team members of the student's school
    (the people who may write the student's support records). Read directly rather than
    through `for_user`, which shows a school role only their own membership: a principal
    assigns work to their team."""
    writers = Membership.objects.filter(role__in=RECORD_STUDENT_SUPPORT)
    district_wide = Q(role__in=RECORD_STUDENT_SUPPORT - SCHOOL_ROLES)
    at_school = Q(role__in=SCHOOL_ROLES, schools=school) if school is not None else Q(pk=None)
    user_ids = writers.filter(district_wide | at_school).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True).order_by("full_name", "email")


def referral_entries(*, school: School | None) -> QuerySet[PartnerEntry]:
    """The registry's entries serving the school (an entry naming no school serves all)."""
    entries = PartnerEntry.objects.select_related("organization")
    if school is None:
        return entries.filter(schools__isnull=True)
    return entries.filter(Q(schools=school) | Q(schools__isnull=True)).distinct()


def reasons_by_family() -> list[tuple[str, str, list[AbsenceReason]]]:
    """(family, tagline, reasons) in the root-cause document's order."""
    reasons = list(AbsenceReason.objects.order_by("position"))
    return [
        (family.label, FAMILY_TAGLINES[family], [r for r in reasons if r.family == family])
        for family in ReasonFamily
    ]


def conversations(*, user: User, student: Student) -> QuerySet[CaringConversation]:
    return (
        CaringConversation.objects.for_user(user)
        .filter(student=student)
        .select_related("staff")
        .order_by("-held_on", "-pk")
    )


def plan_of(*, user: User, student: Student) -> AttendancePlan | None:
    return (
        AttendancePlan.objects.for_user(user)
        .filter(student=student)
        .select_related("check_in_by", "conversation")
        .first()
    )


def interventions(*, user: User, student: Student) -> QuerySet[StudentIntervention]:
    return (
        StudentIntervention.objects.for_user(user)
        .filter(student=student)
        .select_related("intervention", "reason", "owner", "partner_entry", "partner_organization")
        .order_by("-starts_on", "-pk")
    )


def history(*, user: User, student: Student) -> QuerySet[SupportChange]:
    return SupportChange.objects.for_user(user).filter(student=student).select_related("changed_by")


@dataclass
class ConversationView:
    conversation: CaringConversation
    # (family label, reasons) in the root-cause document's order; families with no reason out.
    families: list[tuple[str, list[AbsenceReason]]] = field(default_factory=list)


@dataclass
class SupportRecords:
    student: Student
    today: date
    conversations: list[ConversationView]
    plan: AttendancePlan | None
    interventions: list[StudentIntervention]
    history: list[SupportChange]

    @property
    def check_in_overdue(self) -> bool:
        return bool(self.plan and self.plan.next_check_in and self.plan.next_check_in < self.today)

    @property
    def open_interventions(self) -> list[StudentIntervention]:
        return [i for i in self.interventions if i.status in OPEN_STATUSES]


def support_records(*, user: User, student: Student, district: District) -> SupportRecords:
    found = list(conversations(user=user, student=student))
    reasons: dict[int, list[AbsenceReason]] = {}
    links = (
        ConversationReason.objects.for_user(user)
        .filter(conversation__in=[c.pk for c in found])
        .select_related("reason")
        .order_by("reason__position")
    )
    for link in links:
        reasons.setdefault(link.conversation_id, []).append(link.reason)
    views = []
    for conversation in found:
        mine = reasons.get(conversation.pk, [])
        families = [
            (family.label, [r for r in mine if r.family == family]) for family in ReasonFamily
        ]
        views.append(ConversationView(conversation, [f for f in families if f[1]]))
    return SupportRecords(
        student=student,
        today=district.today(),
        conversations=views,
        plan=plan_of(user=user, student=student),
        interventions=list(interventions(user=user, student=student)),
        history=list(history(user=user, student=student)),
    )
