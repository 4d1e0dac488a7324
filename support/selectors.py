"""Reads of the support records that pages, downloads and PDFs share: the student's page, its
forms and the family's plan; a staff member's caseload ("My students"); the school and district
support summaries; and the referral counts partner staff see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from districts.models import District, Membership, School, User
from districts.roles import RECORD_STUDENT_SUPPORT, SCHOOL_ROLES
from partners.models import (
    FAMILY_TAGLINES,
    AbsenceReason,
    PartnerEntry,
    PartnerOrganization,
    ReasonFamily,
    Tier,
)
from tiering.bands import Band
from tiering.models import Snapshot, Standing, Student
from tiering.selectors import GroupRow

from .list_columns import WEEK, day_text
from .models import (
    AttendancePlan,
    CaringConversation,
    ConversationReason,
    InterventionStatus,
    ReferralTally,
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


# --- My students -------------------------------------------------------------------------------


class Due:
    """When a student on a caseload is next due, in the order the page lists them."""

    OVERDUE = "overdue"
    THIS_WEEK = "this_week"
    LATER = "later"
    LABELS = {
        OVERDUE: "Check-in overdue",
        THIS_WEEK: "Due this week",
        LATER: "Later, or no check-in set",
    }


@dataclass
class CaseloadRow:
    student: Student
    band: Band | None
    next_check_in: date | None
    checks_in: bool  # the check-in is this staff member's
    due: str
    # Each planned or active intervention in words, as intervention_text says it.
    interventions: list[str] = field(default_factory=list)

    @property
    def check_in_text(self) -> str:
        return day_text(self.next_check_in) if self.next_check_in else "none set"

    @property
    def overdue(self) -> bool:
        return self.due == Due.OVERDUE


def _due(day: date | None, today: date) -> str:
    if day is not None and day < today:
        return Due.OVERDUE
    if day is not None and day <= today + WEEK:
        return Due.THIS_WEEK
    return Due.LATER


def current_bands(
    *, standings: QuerySet[Standing], snapshot: Snapshot | None, student_ids
) -> dict[int, Band]:
    """Each student's band in the snapshot: across the district where the reader has their
    district row, else at the school they are enrolled at now."""
    if snapshot is None:
        return {}
    best: dict[int, tuple[int, Band]] = {}
    rows = standings.filter(snapshot=snapshot, student_id__in=list(student_ids)).values_list(
        "student_id", "school_id", "student__school_id", "band"
    )
    for student_id, school_id, now_at, band in rows:
        rank = 0 if school_id is None else 1 if school_id == now_at else 2
        if student_id not in best or rank < best[student_id][0]:
            best[student_id] = (rank, Band(band))
    return {student_id: band for student_id, (_, band) in best.items()}


def caseload(
    *, user: User, today: date, standings: QuerySet[Standing], snapshot: Snapshot | None
) -> list[CaseloadRow]:
    """The students whose planned or active interventions `user` owns, or whose next check-in
    is theirs: overdue first, then due this week, then later; soonest first within each."""
    interventions = StudentIntervention.objects.for_user(user).filter(status__in=OPEN_STATUSES)
    plans = AttendancePlan.objects.for_user(user)
    students = (
        Student.objects.for_user(user)
        .filter(
            Q(pk__in=interventions.filter(owner=user).values("student_id"))
            | Q(pk__in=plans.filter(check_in_by=user).values("student_id"))
        )
        .select_related("school")
    )
    students = {s.pk: s for s in students}
    by_student = defaultdict(list)
    for item in (
        interventions.filter(student_id__in=list(students))
        .select_related("intervention", "owner", "partner_organization")
        .order_by("starts_on", "pk")
    ):
        by_student[item.student_id].append(item)
    check_ins = {
        student_id: (day, by)
        for student_id, day, by in plans.filter(student_id__in=list(students)).values_list(
            "student_id", "next_check_in", "check_in_by_id"
        )
    }
    bands = current_bands(standings=standings, snapshot=snapshot, student_ids=students)
    rows = []
    for student_id, student in students.items():
        day, by = check_ins.get(student_id, (None, None))
        rows.append(
            CaseloadRow(
                student=student,
                band=bands.get(student_id),
                next_check_in=day,
                checks_in=by == user.pk,
                due=_due(day, today),
                interventions=[intervention_text(i, user) for i in by_student[student_id]],
            )
        )
    order = list(Due.LABELS)
    rows.sort(
        key=lambda r: (
            order.index(r.due),
            r.next_check_in or date.max,
            r.student.last_name.casefold(),
            r.student.first_name.casefold(),
        )
    )
    return rows


def intervention_text(item: StudentIntervention, user: User) -> str:
    """ "Tier II: Mentoring (active, yours; referral to Riverside Youth Club)"."""
    notes = [item.get_status_display().lower()]
    if item.owner_id == user.pk:
        notes.append("yours")
    else:
        notes.append(f"owner {item.owner.full_name or item.owner.email}")
    text = f"{item.get_tier_display()}: {item.intervention.name} ({', '.join(notes)}"
    if item.partner_organization_id:
        text += f"; referral to {item.partner_organization.name}"
    return text + ")"


# --- School and district summaries ---------------------------------------------------------

NO_CONTACT_DAYS = 30
NEEDING_CONTACT = (Band.SEVERE_CHRONIC, Band.EXTREME_CHRONIC)


def scope_standings(
    *, standings: QuerySet[Standing], snapshot: Snapshot, school: School | None
) -> QuerySet[Standing]:
    """One standing a student: at `school`, or across the district (district roles)."""
    if school is not None:
        return standings.filter(snapshot=snapshot, school=school)
    return standings.across_district(snapshot=snapshot)


def _band_of(scoped: QuerySet[Standing]) -> Subquery:
    return Subquery(scoped.filter(student_id=OuterRef("student_id")).values("band")[:1])


def _group_rows(counts, labels: dict) -> dict[object, GroupRow]:
    """{key: its students per band}, in the order of `labels`."""
    rows: dict[object, GroupRow] = {}
    for key, band, n in counts:
        rows.setdefault(key, GroupRow(school=None, label=labels[key])).counts[Band(band)] = n
    return {key: rows[key] for key in labels if key in rows}


def reasons_by_band(*, user: User, scoped: QuerySet[Standing]) -> list[tuple[str, list[GroupRow]]]:
    """Students with each recorded reason for absence, per band, grouped by root cause."""
    counts = (
        ConversationReason.objects.for_user(user)
        .filter(student_id__in=scoped.values("student_id"))
        .annotate(band=_band_of(scoped))
        .values("reason_id", "band")
        .annotate(n=Count("student_id", distinct=True))
        .values_list("reason_id", "band", "n")
    )
    counts = list(counts)
    reasons = list(AbsenceReason.objects.filter(pk__in={c[0] for c in counts}).order_by("position"))
    rows = _group_rows(counts, {r.pk: r.name for r in reasons})
    by_family = [
        (family.label, [rows[r.pk] for r in reasons if r.family == family])
        for family in ReasonFamily
    ]
    return [(family, rows) for family, rows in by_family if rows]


def tiers_by_band(*, user: User, scoped: QuerySet[Standing]) -> list[GroupRow]:
    """Students with an active intervention of each tier, per band."""
    counts = (
        StudentIntervention.objects.for_user(user)
        .filter(status=InterventionStatus.ACTIVE, student_id__in=scoped.values("student_id"))
        .annotate(band=_band_of(scoped))
        .values("tier", "band")
        .annotate(n=Count("student_id", distinct=True))
        .values_list("tier", "band", "n")
    )
    return list(_group_rows(list(counts), {tier.value: tier.label for tier in Tier}).values())


@dataclass(frozen=True)
class NoContactRow:
    student: Student
    band: Band
    school: School | None
    last_contact: date | None

    @property
    def last_contact_text(self) -> str:
        return day_text(self.last_contact) if self.last_contact else "no contact yet"


def without_recent_contact(
    *, user: User, scoped: QuerySet[Standing], today: date
) -> list[NoContactRow]:
    """Severe and Extreme chronic students with no Caring Conversation in the last 30 days,
    those never contacted first, then the longest since contact."""
    conversations = CaringConversation.objects.for_user(user)
    recent = conversations.filter(held_on__gte=today - timedelta(days=NO_CONTACT_DAYS))
    standings = (
        scoped.filter(band__in=NEEDING_CONTACT)
        .exclude(student_id__in=recent.values("student_id"))
        .select_related("student", "student__school")
        .annotate(
            last_contact=Subquery(
                conversations.filter(student_id=OuterRef("student_id"))
                .order_by("-held_on")
                .values("held_on")[:1]
            )
        )
    )
    rows = [
        NoContactRow(
            student=s.student,
            band=Band(s.band),
            school=s.student.school,
            last_contact=s.last_contact,
        )
        for s in standings
    ]
    rows.sort(
        key=lambda r: (
            r.last_contact or date.min,
            r.student.last_name.casefold(),
            r.student.first_name.casefold(),
        )
    )
    return rows


# --- Partners' referral counts -------------------------------------------------------------


@dataclass
class ReferralCounts:
    schools: list[School]
    # (first day of the month, referrals per school in the order of `schools`, total)
    months: list[tuple[date, list[int], int]]

    @property
    def total(self) -> int:
        return sum(total for _, _, total in self.months)

    @property
    def busiest(self) -> int:
        return max((total for _, _, total in self.months), default=0)


def referral_counts(
    *, tallies: QuerySet[ReferralTally], organization: PartnerOrganization
) -> ReferralCounts:
    """Referrals to the organisation by month (newest first) and school: counts only."""
    rows = list(
        tallies.filter(organization=organization, referrals__gt=0)
        .select_related("school")
        .order_by("-month", "school__name")
    )
    schools = sorted({row.school for row in rows}, key=lambda s: s.name)
    column = {school.pk: n for n, school in enumerate(schools)}
    months: dict[date, list[int]] = {}
    for row in rows:
        months.setdefault(row.month, [0] * len(schools))[column[row.school_id]] += row.referrals
    return ReferralCounts(
        schools=schools, months=[(month, cells, sum(cells)) for month, cells in months.items()]
    )
