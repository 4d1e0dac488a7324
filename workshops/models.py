"""Strategy workshops (the Thriving Schools flyer): a facilitator's workshop across districts,
its sessions, the districts invited to it, what each district consented to share, its
cross-departmental team, and the figures materialised for it.

A workshop, its facilitators and sessions belong to no district (a workshop spans districts);
the invitation, consent, team, packet and plan rows each belong to the invited district and carry
the workshop's id too, which is what the facilitator's row-level policy reads
(migrations/0002_workshop_walls.py).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now

from districts.models import TenantModel
from districts.querysets import TenantManager
from selfassessment.models import Ingredient, Priority, RevisedFields

from .querysets import (
    AcrossDistricts,
    InCohort,
    PlanActionQuerySet,
    TenantWorkshopQuerySet,
    WorkshopQuerySet,
)
from .suppression import DEFAULT_MINIMUM_N

# The flyer's "Objectives": "In the workshops, district teams will:" — the default agenda, one
# session each.
OBJECTIVES = (
    "Create a shared model/vision for student health and attendance and learn from each other "
    "about best practices for improving health and attendance.",
    "Identify strategic actions across health and attendance initiatives.",
    "Develop a plan to operationalize alignment between health and attendance teams, goals, "
    "and initiatives.",
)
DEFAULT_SESSION_TITLES = ("Shared vision", "Strategic actions", "Alignment plan")
# States' minimum cell sizes range from 5 to 30 (NCES SLDS Technical Brief 3).
MINIMUM_N_RANGE = (5, 30)


class Workshop(models.Model):
    """A "2-day in-person event … facilitated by experts" bringing together teams from several
    districts."""

    title = models.CharField(max_length=200)
    first_day = models.DateField("First day")
    last_day = models.DateField("Last day")
    place = models.CharField("Place", max_length=300)
    minimum_n = models.PositiveSmallIntegerField(
        "Smallest group shown",
        default=DEFAULT_MINIMUM_N,
        validators=[MinValueValidator(MINIMUM_N_RANGE[0]), MaxValueValidator(MINIMUM_N_RANGE[1])],
        help_text="Counts below this are shown as “< n” in every packet and cohort view "
        "(10 is the most common state rule).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="WorkshopFacilitator", related_name="+"
    )

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        ordering = ["-first_day", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")),
                name="workshop_ends_after_it_starts",
                violation_error_message="The last day cannot be before the first day.",
            )
        ]

    def __str__(self) -> str:
        return self.title


class WorkshopFacilitator(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "user"],
                name="one_facilitator_row_per_person",
                violation_error_message="This person already facilitates the workshop.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.workshop}"


class WorkshopSession(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="sessions")
    day = models.DateField("Day")
    title = models.CharField("Session", max_length=200)
    agenda = models.TextField("Agenda", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["day", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class ConsentItem(models.TextChoices):
    """What a district may share with a workshop, item by item (each revocable)."""

    BANDS = "bands", "Band mix and chronic absence rate, with the trend against last year"
    BREAKDOWNS = "breakdowns", "The same by grade, school and student group"
    SELF_ASSESSMENT = "self_assessment", "Our self-assessment profile"
    ACTION_PLAN = "action_plan", "Our action plan"
    PARTNER_COVERAGE = "partner_coverage", "Partner coverage by reason for absence"
    PDSA_RESULTS = "pdsa_results", "The results of our PDSA cycles (group figures only)"
    NAME = "name", "Our district's name (without it, the other districts see “District A”)"
    COHORT = (
        "cohort",
        "Show what we share to the other districts’ teams (without it, only the facilitators "
        "see it)",
    )


class Invitation(TenantModel):
    """A district invited to a workshop; accepting it is consent, given item by item."""

    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="invitations")
    status = models.CharField(
        max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    # How the district is shown to the others unless it consents to its name: "District A", …
    alias = models.CharField(max_length=40)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField(default=now)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager.from_queryset(TenantWorkshopQuerySet)()
    across_districts = AcrossDistricts()

    class Meta:
        default_manager_name = "objects"
        ordering = ["workshop", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "workshop"],
                name="one_invitation_per_district_and_workshop",
                violation_error_message="This district is already invited to the workshop.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.workshop} — invitation"


class Consent(TenantModel):
    """One item a district shares with one workshop, while the row exists: withdrawing it
    deletes the row (the access record keeps the history)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="consents")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    item = models.CharField(max_length=32, choices=ConsentItem.choices)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(TenantWorkshopQuerySet)()
    across_districts = AcrossDistricts()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "invitation", "item"],
                name="one_consent_per_item",
                violation_error_message="This item is already shared.",
            )
        ]

    def __str__(self) -> str:
        return self.get_item_display()


class Department(models.TextChoices):
    """The flyer's cross-departmental team: health and attendance side by side."""

    ATTENDANCE = "attendance", "Attendance"
    HEALTH = "health", "Health and nursing"
    FAMILY_ENGAGEMENT = "family_engagement", "Family engagement"
    STUDENT_SERVICES = "student_services", "Student services"
    CABINET = "cabinet", "Cabinet"


class TeamMember(TenantModel):
    """Someone on the district's workshop team: a user of the district, or a name with a
    department for someone without a login."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="team")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    name = models.CharField("Name", max_length=200, blank=True)
    department = models.CharField("Department", max_length=32, choices=Department.choices)

    objects = TenantManager.from_queryset(TenantWorkshopQuerySet)()
    across_districts = AcrossDistricts()

    class Meta:
        default_manager_name = "objects"
        ordering = ["department", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(name=""),
                name="team_member_is_a_user_or_a_name",
                violation_error_message="Choose a person or write a name.",
            ),
            models.UniqueConstraint(
                fields=["district", "invitation", "user"],
                name="one_team_row_per_user",
                violation_error_message="This person is already on the team.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.full_name or self.user.email if self.user_id else self.name


class PacketTable(TenantModel):
    """One table of a district's data packet for one workshop, as published: every figure
    already passed suppression.py with the workshop's minimum n, so no row here holds a count
    smaller than it. Written by the system persona for consented items only."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="packet")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    item = models.CharField(max_length=32, choices=ConsentItem.choices)
    key = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    as_of = models.DateField(null=True, blank=True)
    last_year_as_of = models.DateField(null=True, blank=True)
    # {"columns": [...], "rows": [{"label", "cells": [{"text", "value", "hidden"}]}]}
    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(TenantWorkshopQuerySet)()
    across_districts = AcrossDistricts()

    class Meta:
        default_manager_name = "objects"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "invitation", "key"],
                name="one_packet_table_per_key",
                violation_error_message="This packet already has this table.",
            )
        ]

    def __str__(self) -> str:
        return self.title


# --- Worktime: the team's plan ----------------------------------------------------------------


class PlanKind(models.TextChoices):
    """The flyer's second and third objectives, one part of the plan each."""

    STRATEGIC_ACTION = "strategic_action", "Strategic actions across health and attendance"
    ALIGNMENT = "alignment", "Aligning health and attendance teams, goals and initiatives"


class ActionStatus(models.TextChoices):
    """Where an action stands, for the check-ins after the workshop."""

    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class PlanAction(TenantModel, RevisedFields):
    """One row of a district team's workshop plan, with the planning tool's four action-plan
    columns, tied to one of the tool's six ingredients or one of the district's priorities.
    Several people edit it at once, field by field (RevisedFields). No student data: the
    facilitator reads it (migrations/0003_worktime.py)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="plan")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=PlanKind.choices)
    action = models.TextField("Action", blank=True)
    next_steps = models.TextField("What are Key Next Steps?", blank=True)
    responsible = models.TextField("Individuals or Groups Responsible", blank=True)
    target_date = models.DateField("Target Date", null=True, blank=True)
    resources = models.TextField("Resources to Leverage", blank=True)
    ingredient = models.ForeignKey(
        Ingredient, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    priority = models.ForeignKey(
        Priority, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The priority's words when the row was tied to it: the facilitator reads the plan but no
    # self-assessment table, and a priority removed later leaves the row's meaning readable.
    priority_title = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        "Status", max_length=16, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(PlanActionQuerySet)()
    across_districts = AcrossDistricts()

    class Meta:
        default_manager_name = "objects"
        ordering = ["kind", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ingredient__isnull=True) | Q(priority__isnull=True),
                name="plan_action_tied_to_one_thing",
                violation_error_message="Tie the action to an ingredient or a priority, not both.",
            )
        ]

    def __str__(self) -> str:
        return self.action or "(action not named yet)"

    @property
    def tied_to(self) -> str:
        """What the action serves, in words anyone reading the plan understands."""
        if self.ingredient_id:
            return self.ingredient.name
        if self.priority_title:
            return f"Priority: {self.priority_title}"
        return ""


class PdfStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Being built"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class CohortPdf(models.Model):
    """One build of a workshop's cohort PDF (cover, agenda, cohort data, every accepted team's
    plan), made by a background task and kept for download. A workshop's rows belong to no
    district: only its facilitators reach them."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=now)
    status = models.CharField(max_length=16, choices=PdfStatus.choices, default=PdfStatus.QUEUED)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)
    # A generated name under the media folder.
    stored_file = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.workshop} — cohort PDF"

    @property
    def is_finished(self) -> bool:
        return self.status in (PdfStatus.DONE, PdfStatus.FAILED)

    @property
    def stored_path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.stored_file


# --- Follow-up check-ins ----------------------------------------------------------------------

# The flyer's "regular check-ins on strategy progress", by default 30, 60 and 90 days after the
# workshop's last day.
DEFAULT_CHECK_IN_DAYS = (30, 60, 90)


class CheckIn(models.Model):
    """A date on which every team reports its strategy progress. The facilitator sets the
    dates for the whole workshop, so, like a session, it belongs to no district."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="check_ins")
    due_on = models.DateField("Due on")

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "due_on"],
                name="one_check_in_per_workshop_day",
                violation_error_message="The workshop already has a check-in on this day.",
            )
        ]

    def __str__(self) -> str:
        return f"Check-in of {self.due_on:%B %-d, %Y}"

    @property
    def days_after(self) -> int:
        """Days after the workshop's last day (30, 60, 90 by default)."""
        return (self.due_on - self.workshop.last_day).days


class TeamCheckIn(TenantModel):
    """A team's report at one check-in: each action's status and note then (ActionUpdate),
    kept as the history of the plan's progress. No student data: the facilitator reads it
    while the district's invitation stands accepted (migrations/0006_check_in_walls.py)."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.PROTECT, related_name="+")
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="+")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    note = models.TextField("What the team wants the facilitator to know", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(PlanActionQuerySet)()
    across_districts = AcrossDistricts()

    class Meta:
        default_manager_name = "objects"
        ordering = ["check_in__due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "invitation", "check_in"],
                name="one_report_per_team_and_check_in",
                violation_error_message="The team already reported at this check-in.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.check_in} — report"


class ActionUpdate(TenantModel):
    """One action's status and note as a team reported them at one check-in. The action's
    words are kept with it: a row removed from the plan later leaves its history readable."""

    report = models.ForeignKey(TeamCheckIn, on_delete=models.CASCADE, related_name="updates")
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="+")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    action = models.ForeignKey(
        PlanAction, on_delete=models.SET_NULL, null=True, blank=True, related_name="updates"
    )
    kind = models.CharField(max_length=24, choices=PlanKind.choices)
    action_text = models.TextField("Action", blank=True)
    status = models.CharField("Status", max_length=16, choices=ActionStatus.choices)
    note = models.TextField("Note", blank=True)

    objects = TenantManager.from_queryset(PlanActionQuerySet)()
    across_districts = AcrossDistricts()

    class Meta:
        default_manager_name = "objects"
        ordering = ["kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "report", "action"],
                name="one_update_per_action_and_report",
                violation_error_message="This action already has an update at this check-in.",
            )
        ]

    def __str__(self) -> str:
        return self.action_text or "(action not named)"


class InterimGoal(TenantModel):
    """The chronic absence rate a district aims for by a date (the Attendance Solutions
    Network's interim goals). The district's own choice, not a figure from its students: the
    latest measured rate shown beside it comes from the packet, suppressed, and only while the
    district shares its band mix."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="+")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    target_rate = models.DecimalField(
        "Chronic absence rate we aim for (%)",
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    target_date = models.DateField("By")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(PlanActionQuerySet)()
    across_districts = AcrossDistricts()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "invitation"],
                name="one_interim_goal_per_team",
                violation_error_message="The team already has an interim goal: change it.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.target_rate}% by {self.target_date:%B %-d, %Y}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"


class CheckInReminder(TenantModel):
    """That a team was reminded of a check-in (before it was due, or once it was overdue):
    the row's uniqueness is what makes the daily reminder task send each one once, however
    often it runs."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="+")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=now)

    objects = TenantManager()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "invitation", "check_in", "kind"],
                name="one_reminder_per_team_check_in_and_kind",
                violation_error_message="The team was already reminded of this check-in.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.check_in} — {self.get_kind_display()}"


class CohortTable(TenantModel):
    """One band table of a district's packet as the other districts' teams read it, while the
    district consents to show them (ConsentItem.COHORT): under its name or its alias, its
    schools numbered unless it is named, so that no row here names more than the district
    chose. Written by the system persona with the packet; the teams of the workshop's other
    districts that show theirs read it (migrations/0009_cohort_walls.py)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="+")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=200)
    named = models.BooleanField(default=False)
    item = models.CharField(max_length=32, choices=ConsentItem.choices)
    key = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    as_of = models.DateField(null=True, blank=True)
    last_year_as_of = models.DateField(null=True, blank=True)
    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(TenantWorkshopQuerySet)()
    in_cohort = InCohort()

    class Meta:
        default_manager_name = "objects"
        ordering = ["invitation_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "invitation", "key"],
                name="one_cohort_table_per_key",
                violation_error_message="This district already shows the cohort this table.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.title}"
