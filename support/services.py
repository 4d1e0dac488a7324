"""Everything that changes a student's support records. Each change is recorded (who, when,
each field's old and new value) in the same transaction as the change itself, as the partner
registry's history is; a referral's change recounts the partner's referral counts once it is
committed (`referral_tallies_recount`, in a task of its own)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.timezone import now

from districts.models import District, School, User
from districts.services import require_working_for
from districts.tenancy import current_tenant
from partners.models import AbsenceReason, Intervention, PartnerEntry, Tier
from tiering.models import Student

from . import records_changed, selectors
from .models import (
    AttendancePlan,
    CaringConversation,
    ConversationReason,
    ConversationWith,
    InterventionStatus,
    ReferralTally,
    StudentIntervention,
    SupportChange,
    SupportChangeAction,
    SupportRecord,
)

# (organisation id, school id, first day of the month): one count partners see.
TallyKey = tuple[int, int, date]


def _require_writable(student: Student) -> None:
    """The student's district, and for a school role a student now at one of its schools
    (the database refuses the others too; this says why)."""
    require_working_for(student.district)
    school_ids = current_tenant().school_ids
    if school_ids is not None and student.school_id not in school_ids:
        raise PermissionDenied("This student is not at one of your schools.")


def _require_team_member(student: Student, user: User | None, label: str) -> None:
    if user is None:
        return
    if not selectors.team_members(school=student.school).filter(pk=user.pk).exists():
        raise ValidationError(
            f"The {label} must be a principal or attendance-team member of the student's "
            "school, or a district administrator."
        )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, User):
        return value.get_full_name() or value.email
    return str(value)


def _difference(before: dict[str, str], after: dict[str, str]) -> list[dict[str, str]]:
    labels = list(dict.fromkeys([*before, *after]))
    return [
        {"field": label, "old": before.get(label, ""), "new": after.get(label, "")}
        for label in labels
        if before.get(label, "") != after.get(label, "")
    ]


def _record(
    obj: CaringConversation | AttendancePlan | StudentIntervention,
    action: SupportChangeAction,
    changed_by: User,
    before: dict[str, str] | None = None,
) -> SupportChange | None:
    """The history row of one change to `obj`: for a removal, written before the record goes
    (the history keeps no link to it, only its id)."""
    record, snapshot = _HISTORY[type(obj)]
    after = {} if action == SupportChangeAction.DELETED else snapshot(obj)
    changes = _difference(before or {}, after)
    if action == SupportChangeAction.UPDATED and not changes:
        return None
    change = SupportChange(
        district_id=obj.district_id,
        student_id=obj.student_id,
        record=record,
        record_id=obj.pk,
        action=action,
        changed_by=changed_by,
        changes=changes,
    )
    change.full_clean()
    change.save()
    return change


# --- Caring Conversations ------------------------------------------------------------------


@dataclass
class ConversationFields:
    held_on: date
    staff: User
    with_whom: ConversationWith | str
    learn: str = ""
    share: str = ""
    inform: str = ""
    discuss: str = ""
    plan_agreed: str = ""
    reasons: list[AbsenceReason] = field(default_factory=list)


_CONVERSATION_TEXTS = ("learn", "share", "inform", "discuss", "plan_agreed")


def _conversation_snapshot(conversation: CaringConversation) -> dict[str, str]:
    meta = CaringConversation._meta
    values = {
        "Date": _text(conversation.held_on),
        "Staff member": _text(conversation.staff),
        "With whom": conversation.get_with_whom_display(),
    }
    for name in _CONVERSATION_TEXTS:
        values[str(meta.get_field(name).verbose_name)] = getattr(conversation, name)
    # Read through the link table, never a cache that may predate the change.
    reasons = ConversationReason.objects.filter(conversation=conversation).order_by(
        "reason__position"
    )
    values["Reasons for absence"] = "; ".join(reasons.values_list("reason__name", flat=True))
    return values


def _conversation_apply(conversation: CaringConversation, fields: ConversationFields) -> None:
    student = conversation.student
    _require_team_member(student, fields.staff, "staff member")
    conversation.held_on = fields.held_on
    conversation.staff = fields.staff
    conversation.with_whom = fields.with_whom
    for name in _CONVERSATION_TEXTS:
        setattr(conversation, name, getattr(fields, name).strip())
    conversation.updated_at = now()
    conversation.full_clean()
    conversation.save()
    ConversationReason.objects.filter(conversation=conversation).delete()
    ConversationReason.objects.bulk_create(
        ConversationReason(
            district_id=student.district_id, conversation=conversation, reason=r, student=student
        )
        for r in dict.fromkeys(fields.reasons)
    )
    records_changed.hooks.notify_after_commit(district_id=student.district_id)


@transaction.atomic
def caring_conversation_create(
    *, student: Student, fields: ConversationFields, recorded_by: User
) -> CaringConversation:
    _require_writable(student)
    conversation = CaringConversation(
        district_id=student.district_id, student=student, recorded_by=recorded_by
    )
    _conversation_apply(conversation, fields)
    _record(conversation, SupportChangeAction.CREATED, recorded_by)
    return conversation


@transaction.atomic
def caring_conversation_update(
    *, conversation: CaringConversation, fields: ConversationFields, changed_by: User
) -> CaringConversation:
    _require_writable(conversation.student)
    before = _conversation_snapshot(conversation)
    _conversation_apply(conversation, fields)
    _record(conversation, SupportChangeAction.UPDATED, changed_by, before)
    return conversation


@transaction.atomic
def caring_conversation_delete(*, conversation: CaringConversation, changed_by: User) -> None:
    """Removes the conversation and its reasons; the plan agreed in it stays, no longer tied
    to it, and the history keeps what the conversation said."""
    _require_writable(conversation.student)
    _record(
        conversation, SupportChangeAction.DELETED, changed_by, _conversation_snapshot(conversation)
    )
    AttendancePlan.objects.filter(conversation=conversation).update(conversation=None)
    ConversationReason.objects.filter(conversation=conversation).delete()
    conversation.delete()
    records_changed.hooks.notify_after_commit(district_id=conversation.district_id)


# --- The attendance and learning plan ------------------------------------------------------


@dataclass
class BackupContact:
    name: str
    phone: str


@dataclass
class PlanFields:
    steps: str = ""
    school_support: str = ""
    my_family: str = ""
    everyday_helpers: str = ""
    occasional_helpers: str = ""
    potential_helpers: str = ""
    backup_contacts: list[BackupContact] = field(default_factory=list)
    next_check_in: date | None = None
    check_in_by: User | None = None
    conversation: CaringConversation | None = None


PLAN_TEXTS = (
    "steps",
    "school_support",
    "my_family",
    "everyday_helpers",
    "occasional_helpers",
    "potential_helpers",
)
MAX_BACKUP_CONTACTS = 3


def _plan_snapshot(plan: AttendancePlan) -> dict[str, str]:
    meta = AttendancePlan._meta
    values = {}
    for name in PLAN_TEXTS:
        values[str(meta.get_field(name).verbose_name)] = getattr(plan, name)
    values["Back-up contacts"] = "; ".join(
        f"{c['name']} ({c['phone']})" if c["phone"] else c["name"] for c in plan.backup_contacts
    )
    values["Next check-in"] = _text(plan.next_check_in)
    values["Who checks in"] = _text(plan.check_in_by)
    values["Agreed in the conversation of"] = _text(
        plan.conversation.held_on if plan.conversation else None
    )
    return {label[0].upper() + label[1:]: value for label, value in values.items()}


@transaction.atomic
def attendance_plan_save(
    *, student: Student, fields: PlanFields, changed_by: User
) -> AttendancePlan:
    """The student's plan, created on its first save and revised afterwards."""
    _require_writable(student)
    _require_team_member(student, fields.check_in_by, "person who checks in")
    if fields.conversation is not None and fields.conversation.student_id != student.pk:
        raise ValidationError("The conversation is another student's.")
    contacts = [
        {"name": c.name.strip(), "phone": c.phone.strip()}
        for c in fields.backup_contacts
        if c.name.strip() or c.phone.strip()
    ]
    if len(contacts) > MAX_BACKUP_CONTACTS:
        raise ValidationError(f"The plan has room for {MAX_BACKUP_CONTACTS} back-up contacts.")
    if any(not c["name"] for c in contacts):
        raise ValidationError("Each back-up contact needs a name.")
    plan = AttendancePlan.objects.filter(student=student).select_for_update().first()
    action = SupportChangeAction.UPDATED
    before: dict[str, str] = {}
    if plan is None:
        plan = AttendancePlan(district_id=student.district_id, student=student)
        action = SupportChangeAction.CREATED
    else:
        before = _plan_snapshot(plan)
    for name in PLAN_TEXTS:
        setattr(plan, name, getattr(fields, name).strip())
    plan.backup_contacts = contacts
    plan.next_check_in = fields.next_check_in
    plan.check_in_by = fields.check_in_by
    plan.conversation = fields.conversation
    plan.updated_by = changed_by
    plan.updated_at = now()
    plan.full_clean()
    plan.save()
    _record(plan, action, changed_by, before)
    return plan


# --- Interventions and referrals -----------------------------------------------------------


@dataclass
class InterventionFields:
    intervention: Intervention
    owner: User
    starts_on: date
    # Empty: the taxonomy intervention's own tier (required where it has none).
    tier: Tier | str = ""
    # None: the reason the taxonomy ties the intervention to, if any.
    reason: AbsenceReason | None = None
    ends_on: date | None = None
    status: InterventionStatus | str = InterventionStatus.PLANNED
    note: str = ""
    partner_entry: PartnerEntry | None = None
    # None with a partner entry: the day the referral is recorded.
    referred_on: date | None = None


def _intervention_snapshot(item: StudentIntervention) -> dict[str, str]:
    referral = ""
    if item.partner_entry_id:
        referral = str(item.partner_entry)
    elif item.partner_organization_id:
        referral = str(item.partner_organization)
    return {
        "Intervention": str(item.intervention),
        "Tier": item.get_tier_display(),
        "Reason for absence it addresses": _text(item.reason),
        "Owner": _text(item.owner),
        "Start date": _text(item.starts_on),
        "End date": _text(item.ends_on),
        "Status": item.get_status_display(),
        "Note": item.note,
        "Referral to a partner": referral,
        "Referred on": _text(item.referred_on),
    }


def _tally_key(item: StudentIntervention) -> TallyKey | None:
    if item.partner_organization_id is None or item.referred_on is None:
        return None
    return (item.partner_organization_id, item.school_id, item.referred_on.replace(day=1))


def _intervention_apply(item: StudentIntervention, fields: InterventionFields) -> None:
    student = item.student
    _require_team_member(student, fields.owner, "owner")
    tier = fields.tier or fields.intervention.tier
    if not tier:
        raise ValidationError(
            {"tier": "This intervention has no tier of its own: choose Tier I, II or III."}
        )
    entry = fields.partner_entry
    if entry is not None:
        if entry.district_id != student.district_id:
            raise ValidationError("The partner entry belongs to another district.")
        if not selectors.referral_entries(school=item.school).filter(pk=entry.pk).exists():
            raise ValidationError(
                {"partner_entry": f"{entry} does not serve {item.school}, the student's school."}
            )
        item.partner_entry = entry
        item.partner_organization_id = entry.organization_id
        item.referred_on = fields.referred_on or item.referred_on or student.district.today()
    elif item.partner_entry_id is None and item.partner_organization_id is not None:
        # The registry entry was removed since (SET_NULL): the referral to its organisation
        # stands, and still counts for it.
        pass
    else:
        item.partner_entry = None
        item.partner_organization = None
        item.referred_on = None
    item.intervention = fields.intervention
    item.tier = tier
    item.reason = fields.reason or fields.intervention.reason
    item.owner = fields.owner
    item.starts_on = fields.starts_on
    item.ends_on = fields.ends_on
    item.status = fields.status
    item.note = fields.note.strip()
    item.updated_at = now()
    item.full_clean()
    item.save()
    records_changed.hooks.notify_after_commit(district_id=item.district_id)


def _recount_after_commit(district_id: int, keys: Iterable[TallyKey | None]) -> None:
    from .tasks import recount_referral_tallies

    wanted = sorted({k for k in keys if k is not None})
    if not wanted:
        return
    payload = [[org, school, month.isoformat()] for org, school, month in wanted]
    transaction.on_commit(
        lambda: recount_referral_tallies.delay(district_id=district_id, keys=payload)
    )


@transaction.atomic
def student_intervention_create(
    *, student: Student, fields: InterventionFields, created_by: User
) -> StudentIntervention:
    _require_writable(student)
    if student.school_id is None:
        raise ValidationError("The student has no school on record to carry out the intervention.")
    item = StudentIntervention(
        district_id=student.district_id,
        student=student,
        school_id=student.school_id,
        created_by=created_by,
    )
    _intervention_apply(item, fields)
    _record(item, SupportChangeAction.CREATED, created_by)
    _recount_after_commit(student.district_id, [_tally_key(item)])
    return item


@transaction.atomic
def student_intervention_update(
    *, item: StudentIntervention, fields: InterventionFields, changed_by: User
) -> StudentIntervention:
    _require_writable(item.student)
    before, old_key = _intervention_snapshot(item), _tally_key(item)
    _intervention_apply(item, fields)
    _record(item, SupportChangeAction.UPDATED, changed_by, before)
    _recount_after_commit(item.district_id, [old_key, _tally_key(item)])
    return item


@transaction.atomic
def student_intervention_status_set(
    *, item: StudentIntervention, status: InterventionStatus | str, changed_by: User
) -> StudentIntervention:
    _require_writable(item.student)
    before = _intervention_snapshot(item)
    item.status = status
    item.updated_at = now()
    item.full_clean()
    item.save(update_fields=["status", "updated_at"])
    _record(item, SupportChangeAction.UPDATED, changed_by, before)
    records_changed.hooks.notify_after_commit(district_id=item.district_id)
    return item


@transaction.atomic
def student_intervention_delete(*, item: StudentIntervention, changed_by: User) -> None:
    _require_writable(item.student)
    _record(item, SupportChangeAction.DELETED, changed_by, _intervention_snapshot(item))
    key = _tally_key(item)
    item.delete()
    _recount_after_commit(item.district_id, [key])
    records_changed.hooks.notify_after_commit(district_id=item.district_id)


# What the history calls each kind of record, and how it shows one.
_HISTORY = {
    CaringConversation: (SupportRecord.CONVERSATION, _conversation_snapshot),
    AttendancePlan: (SupportRecord.PLAN, _plan_snapshot),
    StudentIntervention: (SupportRecord.INTERVENTION, _intervention_snapshot),
}


# --- Referral counts -----------------------------------------------------------------------


@transaction.atomic
def referral_tallies_recount(*, district: District, keys: Iterable[TallyKey]) -> None:
    """Counts again, for each (organisation, school, month), the students the school referred
    to the organisation that month, from every referral of the district: system work (a
    school role's walls hide the students who have moved to other schools since)."""
    require_working_for(district)
    if not current_tenant().is_system:
        raise PermissionDenied("Referral counts are recounted for the whole district only.")
    for organization_id, school_id, month in set(keys):
        month = month.replace(day=1)
        next_month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        referrals = StudentIntervention.objects.filter(
            partner_organization_id=organization_id,
            school_id=school_id,
            referred_on__gte=month,
            referred_on__lt=next_month,
        ).aggregate(n=Count("student", distinct=True))["n"]
        tally = ReferralTally.objects.filter(
            organization_id=organization_id, school_id=school_id, month=month
        )
        if not referrals:
            tally.delete()
        elif not tally.update(referrals=referrals):
            ReferralTally.objects.create(
                district=district,
                organization_id=organization_id,
                school=School.objects.get(pk=school_id),
                month=month,
                referrals=referrals,
            )
