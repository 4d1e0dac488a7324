"""What a school team does for one student after the tiered list names them: Caring
Conversations with the family, the reasons for absence they find, the attendance and learning
plan with the family's Help Bank, and the interventions tried, with referrals to partners.

Wording comes from "Partnering to Make a Difference" (Attendance Works): the five steps of the
"Caring Conversations for Attendance" process, "My Family's Help Bank", Step 5 "Arrive at a
Plan". Reasons for absence and interventions are the partners app's seeded taxonomy.

Every table here is student data: district walls, and school roles read the records of the
students they can read (so the history follows a student who transfers within the district).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.timezone import now

from districts.models import School, TenantModel
from districts.querysets import TenantManager
from partners.models import (
    AbsenceReason,
    Intervention,
    PartnerEntry,
    PartnerOrganization,
    Tier,
)
from tiering.models import Student

from .querysets import ReferralTallyQuerySet, SupportQuerySet


class ConversationWith(models.TextChoices):
    STUDENT = "student", "Student"
    FAMILY = "family", "Parent/guardian"
    BOTH = "both", "Student and parent/guardian"


class CaringConversationStep(models.TextChoices):
    """The five steps of the process, each with the prompt staff see beside its field."""

    LEARN = "learn", "1. Learn"
    SHARE = "share", "2. Share"
    INFORM = "inform", "3. Inform"
    DISCUSS = "discuss", "4. Discuss"
    PLAN = "plan", "5. Arrive at a Plan"


class CaringConversation(TenantModel):
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("date")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="staff member",
    )
    with_whom = models.CharField("with whom", max_length=10, choices=ConversationWith.choices)
    # The five steps; each is optional, as a conversation may not reach every one.
    learn = models.TextField("1. Learn", blank=True)
    share = models.TextField("2. Share", blank=True)
    inform = models.TextField("3. Inform", blank=True)
    discuss = models.TextField("4. Discuss", blank=True)
    plan_agreed = models.TextField("5. Arrive at a Plan", blank=True)
    reasons = models.ManyToManyField(
        AbsenceReason, through="ConversationReason", related_name="+", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(SupportQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["district", "student", "-held_on"])]

    def __str__(self) -> str:
        return f"Caring Conversation on {self.held_on:%b %-d, %Y}"


class ConversationReason(TenantModel):
    """A reason for absence identified in a conversation (several per conversation)."""

    conversation = models.ForeignKey(CaringConversation, on_delete=models.CASCADE)
    reason = models.ForeignKey(AbsenceReason, on_delete=models.PROTECT, related_name="+")
    # The conversation's student, repeated so that the walls and the "reason: …" filter of the
    # tiered list read one table.
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")

    objects = TenantManager.from_queryset(SupportQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "conversation", "reason"],
                name="conversation_reason_once",
                violation_error_message="This reason is already recorded for the conversation.",
            )
        ]
        indexes = [models.Index(fields=["district", "reason", "student"])]


class AttendancePlan(TenantModel):
    """The attendance and learning plan agreed with the family (Step 5), with the family's
    Help Bank and the next check-in. One per student, revised as conversations go on; the
    history keeps each revision."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    conversation = models.ForeignKey(
        CaringConversation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="agreed in the conversation of",
    )
    steps = models.TextField(
        "specific steps that will help to prevent absenteeism in the future", blank=True
    )
    school_support = models.TextField("support that the school will offer", blank=True)
    # My Family's Help Bank: create backup plans for getting to school.
    my_family = models.TextField("My Family", blank=True)
    everyday_helpers = models.TextField("Everyday Helpers", blank=True)
    occasional_helpers = models.TextField("Occasional Helpers", blank=True)
    potential_helpers = models.TextField("Potential Helpers", blank=True)
    # [{"name": …, "phone": …}, …]: "If I need help getting my child to and from school, I
    # will ask the following people to be our back-up" (three lines on the worksheet).
    backup_contacts = models.JSONField(default=list, blank=True)
    next_check_in = models.DateField("next check-in", null=True, blank=True)
    check_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="who checks in",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(SupportQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "student"],
                name="attendance_plan_one_per_student",
                violation_error_message="This student already has an attendance plan.",
            )
        ]
        indexes = [models.Index(fields=["district", "check_in_by", "next_check_in"])]

    def __str__(self) -> str:
        return "Attendance and learning plan"


class InterventionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"


class StudentIntervention(TenantModel):
    """An intervention tried with one student, from the Playbook's and the alignment table's
    taxonomy, optionally as a referral to a partner entry serving the student's school."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    # The student's school when the intervention was recorded: the referral counts partners
    # see are by this school.
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT, related_name="+")
    # The intervention's own tier where the taxonomy gives one; chosen by the team where the
    # alignment table leaves it open.
    tier = models.CharField(max_length=3, choices=Tier.choices)
    reason = models.ForeignKey(
        AbsenceReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="reason for absence it addresses",
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField("start date")
    ends_on = models.DateField("end date", null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=InterventionStatus.choices, default=InterventionStatus.PLANNED
    )
    note = models.TextField(blank=True)
    partner_entry = models.ForeignKey(
        PartnerEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="referral to a partner",
    )
    # Kept when the registry entry is removed, so the referral still counts for its
    # organisation.
    partner_organization = models.ForeignKey(
        PartnerOrganization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    referred_on = models.DateField("referred on", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(SupportQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="student_intervention_ends_after_it_starts",
                violation_error_message="The end date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=models.Q(partner_organization__isnull=True)
                | models.Q(referred_on__isnull=False),
                name="student_intervention_referral_has_a_date",
                violation_error_message="A referral to a partner needs the date it was made.",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "student", "status"]),
            models.Index(fields=["district", "owner", "status"]),
        ]

    def __str__(self) -> str:
        return str(self.intervention)


class SupportRecord(models.TextChoices):
    CONVERSATION = "conversation", "Caring Conversation"
    PLAN = "plan", "Attendance and learning plan"
    INTERVENTION = "intervention", "Intervention"


class SupportChangeAction(models.TextChoices):
    CREATED = "created", "Added"
    UPDATED = "updated", "Edited"
    DELETED = "deleted", "Removed"


class SupportChange(TenantModel):
    """Who changed a student's support record, when, and each field's old and new value (as the
    partner registry's history). Kept when the record is removed."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    record = models.CharField(max_length=16, choices=SupportRecord.choices)
    record_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=SupportChangeAction.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=now)
    # [{"field": label, "old": text, "new": text}, …]
    changes = models.JSONField(default=list, blank=True)

    objects = TenantManager.from_queryset(SupportQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["district", "student", "-changed_at"])]


class ReferralTally(TenantModel):
    """How many students a school referred to a partner organisation in a month: the only view
    of referrals partner staff have (no names; their persona has no privilege on student
    tables). Recounted by the services whenever a referral is recorded, changed or removed."""

    organization = models.ForeignKey(
        PartnerOrganization, on_delete=models.CASCADE, related_name="+"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    referrals = models.PositiveIntegerField()

    objects = TenantManager.from_queryset(ReferralTallyQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["-month", "school__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "organization", "school", "month"],
                name="referral_tally_one_per_month",
            )
        ]
