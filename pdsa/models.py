"""Plan-Do-Study-Act cycles: the Attendance Works PDSA worksheet as tables, the ramp of cycles
that test one change idea, the students taking part and the participation log (the 2x10 grid).

Labels are the worksheet's words ("PDSA Example: 2x10 Relationship Strategy Bank", Attendance
Works); the Act decisions are its four choices. Reasons for absence, interventions and partner
entries are the partners app's. The Study's computation lives in study.py and windows.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now

from districts.models import School, TenantModel
from districts.querysets import TenantManager
from partners.models import AbsenceReason, Intervention, PartnerEntry
from tiering.bands import Band
from tiering.models import Snapshot, Student

from .querysets import (
    ChangeIdeaQuerySet,
    CyclePartQuerySet,
    CycleQuerySet,
    ParticipantQuerySet,
    ParticipantSessionQuerySet,
    ReasonTallyQuerySet,
)

# The 2x10 strategy's ten consecutive school days; a longer test is a choice, not a default.
DEFAULT_PLANNED_DAYS = 10
MAX_PLANNED_DAYS = 60


class CycleStatus(models.TextChoices):
    PLAN = "plan", "Plan"
    DO = "do", "Do"
    STUDY = "study", "Study"
    ACT = "act", "Act"


# The order a cycle moves in.
STATUS_ORDER = (CycleStatus.PLAN, CycleStatus.DO, CycleStatus.STUDY, CycleStatus.ACT)


class ActDecision(models.TextChoices):
    """The worksheet's four choices, in its words."""

    ADAPT = "adapt", "Adapt (tweak the process and try again)"
    ADOPT = "adopt", "Adopt (make this my standard process)"
    EXPAND = "expand", "Expand (try this for a longer period of time)"
    ABANDON = "abandon", "Abandon (go to a new change idea)"


class CycleTemplate(models.Model):
    """A worksheet to start a cycle from (global, written only by data migrations): the
    source's example, word for word. `questions` is [{"text", "prediction", "data"}, …] and
    `steps` [{"text", "owner"}, …], in the worksheet's order."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    goal_line = models.CharField(max_length=200, blank=True)
    testers = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=200)
    idea = models.TextField()
    test_notes = models.TextField(blank=True)
    goal = models.TextField(blank=True)
    driver = models.TextField(blank=True)
    planned_days = models.PositiveSmallIntegerField(default=DEFAULT_PLANNED_DAYS)
    questions = models.JSONField(default=list)
    steps = models.JSONField(default=list)
    source = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ChangeIdea(TenantModel):
    """The ramp: the cycles that test one change idea, numbered in order (IHI's linked tests
    of change; Life QI's "new cycle" from the last one)."""

    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(ChangeIdeaQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["district", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class Cycle(TenantModel):
    change_idea = models.ForeignKey(ChangeIdea, on_delete=models.PROTECT, related_name="cycles")
    number = models.PositiveSmallIntegerField("Cycle #", validators=[MinValueValidator(1)])
    testers = models.CharField("Testers", max_length=300, blank=True)
    title = models.CharField("Test Title", max_length=200)
    idea = models.TextField("What change idea is being tested?", blank=True)
    first_day = models.DateField("Date of test: first day", null=True, blank=True)
    last_day = models.DateField("Date of test: last day", null=True, blank=True)
    planned_days = models.PositiveSmallIntegerField(
        "Planned school days",
        default=DEFAULT_PLANNED_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PLANNED_DAYS)],
        help_text="How many school days the test runs; the 2x10 strategy plans 10.",
    )
    # The example's note under the date ("After the ten days, reflect on the following: …").
    test_notes = models.TextField("Notes on the test", blank=True)
    goal = models.TextField("What is the overall goal of this test?", blank=True)
    driver = models.TextField("Driver", blank=True)
    do_text = models.TextField(
        "Briefly describe: what happened during the test, surprises, difficulty getting data, "
        "obstacles, successes, etc.",
        blank=True,
    )
    act_decision = models.CharField("Act", max_length=10, choices=ActDecision.choices, blank=True)
    act_text = models.TextField(
        "Describe modifications and/or decisions for the next PDSA cycle. What will you do next?",
        blank=True,
    )
    status = models.CharField(max_length=8, choices=CycleStatus.choices, default=CycleStatus.PLAN)
    template = models.ForeignKey(
        CycleTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="started from",
    )
    schools = models.ManyToManyField(School, through="CycleSchool", related_name="+")
    reasons = models.ManyToManyField(AbsenceReason, through="CycleReason", related_name="+")
    interventions = models.ManyToManyField(
        Intervention, through="CycleIntervention", related_name="+"
    )
    partner_entries = models.ManyToManyField(
        PartnerEntry, through="CyclePartnerEntry", related_name="+"
    )
    # "How much did we do?", counted from the participation log by the services after every
    # change of it and stored, so that readers without access to students (partner staff) and
    # the ramp read them without a student row.
    reached = models.PositiveIntegerField("students reached", default=0)
    sessions_planned = models.PositiveIntegerField(default=0)
    sessions_held = models.PositiveIntegerField(default=0)
    completed_all = models.PositiveIntegerField("students completing all sessions", default=0)
    # The worker's last failed recomputation of the Study (tasks.refresh_studies), kept until one
    # succeeds, so that the page says its figures are older than the attendance on record.
    study_failed_at = models.DateTimeField(null=True, blank=True)
    study_failure = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(CycleQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["change_idea_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "change_idea", "number"],
                name="pdsa_cycle_number_once_per_change_idea",
                violation_error_message="This change idea already has a cycle with this number.",
            ),
            models.CheckConstraint(
                condition=Q(first_day__isnull=True)
                | Q(last_day__isnull=True)
                | Q(last_day__gte=F("first_day")),
                name="pdsa_cycle_ends_after_it_starts",
                violation_error_message="The test's last day cannot be before its first day.",
            ),
        ]
        indexes = [models.Index(fields=["district", "status"])]

    def __str__(self) -> str:
        return f"{self.title}, cycle {self.number}"


class LearningQuestion(TenantModel):
    """Q1…Qn: what the team hopes to learn, its prediction ("Not optional"), the data it will
    collect, and (Study) what it found."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.TextField("What do you hope to learn from this test?")
    prediction = models.TextField("Prediction", blank=True)
    data_to_collect = models.TextField("Data you will collect", blank=True)
    result = models.TextField("Result", blank=True)

    objects = TenantManager.from_queryset(CyclePartQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "cycle", "position"], name="pdsa_question_position_once"
            )
        ]

    def __str__(self) -> str:
        return f"Q{self.position}"

    @property
    def label(self) -> str:
        return f"Q{self.position}"


class PlanStep(TenantModel):
    """ "What are the steps in the test? Who will implement it?" """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    text = models.TextField("What are the steps in the test?")
    owner = models.CharField("Who will implement it?", max_length=200, blank=True)

    objects = TenantManager.from_queryset(CyclePartQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "cycle", "position"], name="pdsa_step_position_once"
            )
        ]

    def __str__(self) -> str:
        return f"Step {self.position}"


class CyclePart(TenantModel):
    """What a cycle involves, one row per thing named: its schools, reasons for absence,
    interventions and partner entries."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE)

    objects = TenantManager.from_queryset(CyclePartQuerySet)()

    class Meta:
        abstract = True
        default_manager_name = "objects"


class CycleSchool(CyclePart):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")

    class Meta(CyclePart.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["district", "cycle", "school"], name="pdsa_cycle_school_once"
            )
        ]
        indexes = [models.Index(fields=["district", "school"])]


class CycleReason(CyclePart):
    reason = models.ForeignKey(AbsenceReason, on_delete=models.PROTECT, related_name="+")

    class Meta(CyclePart.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["district", "cycle", "reason"], name="pdsa_cycle_reason_once"
            )
        ]


class CycleIntervention(CyclePart):
    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT, related_name="+")

    class Meta(CyclePart.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["district", "cycle", "intervention"], name="pdsa_cycle_intervention_once"
            )
        ]


class CyclePartnerEntry(CyclePart):
    """A registry entry involved in the cycle. An entry removed from the registry leaves the
    cycles naming it (the registry's own history keeps what it was)."""

    entry = models.ForeignKey(PartnerEntry, on_delete=models.CASCADE, related_name="+")

    class Meta(CyclePart.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["district", "cycle", "entry"], name="pdsa_cycle_partner_entry_once"
            )
        ]
        indexes = [models.Index(fields=["district", "entry"])]


class Participant(TenantModel):
    """A student in a cycle, with the sessions planned for them (the 2x10's ten check-ins)
    and their band when they were added, for the Study's comparison group."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="participants")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    planned_sessions = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PLANNED_DAYS)]
    )
    band_at_start = models.CharField(max_length=20, choices=Band.choices, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(ParticipantQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "cycle", "student"],
                name="pdsa_participant_once_per_cycle",
                violation_error_message="This student is already in the cycle.",
            )
        ]
        indexes = [models.Index(fields=["district", "student"])]


class ParticipantSession(TenantModel):
    """One tick of the 2x10 grid: a session held with a participant on a day."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="sessions")
    # The participant's student, repeated so that the student walls read one table.
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("held on")
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ticked_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(ParticipantSessionQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["held_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "participant", "held_on"],
                name="pdsa_session_once_per_day",
                violation_error_message="A session is already ticked for this day.",
            )
        ]


class StudySource(models.TextChoices):
    DAILY = "daily", "Daily attendance"
    SNAPSHOTS = (
        "snapshots",
        "Snapshot-to-snapshot changes (this school sends only year-to-date summaries)",
    )


class StudyResult(TenantModel):
    """A cycle's Study, computed from the attendance on record (services.cycle_study_refresh)
    and stored as aggregates only: counts, sums, means and the weekly rates of groups, never a
    student's row, so that partner staff read it for the cycles naming their organisation.

    The nested parts are JSON, each written in one place (services) and read by the page:
    `windows` [{name, first, last, days, expected, progress}], `groups` {"participants": […],
    "comparison": […]} with one figure set per window, `bands` {"participants"/"comparison":
    {"start"/"now": {band: n}}}, `comparisons` [{window, participants, comparison,
    difference_in_differences, tests, descriptive_only, summary, …}], `weeks` (the run chart's
    points) and `progress`, the four progress questions' answers as they stood when computed
    (the school as a whole from the start snapshot to now among them)."""

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="study")
    computed_at = models.DateTimeField(default=now)
    source = models.CharField(max_length=10, choices=StudySource.choices)
    # Why nothing could be measured yet, in words; empty when the figures below are there.
    note = models.TextField(blank=True)
    start_as_of = models.DateField("band at the start as of", null=True, blank=True)
    participants_n = models.PositiveIntegerField(default=0)
    comparison_n = models.PositiveIntegerField(default=0)
    baseline_g = models.FloatField("baseline Hedges' g", null=True, blank=True)
    baseline_reading = models.CharField(max_length=100, blank=True)
    baseline_cox = models.FloatField("baseline Cox index", null=True, blank=True)
    regression_to_the_mean = models.BooleanField(default=False)
    windows = models.JSONField(default=list, blank=True)
    groups = models.JSONField(default=dict, blank=True)
    bands = models.JSONField(default=dict, blank=True)
    comparisons = models.JSONField(default=list, blank=True)
    weeks = models.JSONField(default=list, blank=True)
    progress = models.JSONField(default=dict, blank=True)

    objects = TenantManager.from_queryset(CyclePartQuerySet)()

    class Meta:
        default_manager_name = "objects"

    def __str__(self) -> str:
        return f"Study of {self.cycle_id} computed {self.computed_at:%Y-%m-%d %H:%M}"


class ReasonTally(TenantModel):
    """The chain's counts for one school (or, school empty, the whole district) in one
    snapshot: the students with each recorded reason for absence per band, how many have any
    reason, and the interventions tried for each reason with their students. Counting them as
    the page opens reads every standing of a district (half a second at 500,000 students),
    so the worker stores them (services.reason_tallies_refresh) after every import and
    recompute and after every change of Caring Conversations or interventions, and the page
    says when they were counted. Counts of students only, but computed from students' records.

    `bands` {reason id: {band: students}}; `tried` [[reason id, intervention id, tier,
    students]]."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    computed_at = models.DateTimeField(default=now)
    students = models.PositiveIntegerField("students with a recorded reason", default=0)
    bands = models.JSONField(default=dict, blank=True)
    tried = models.JSONField(default=list, blank=True)

    objects = TenantManager.from_queryset(ReasonTallyQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "snapshot", "school"],
                nulls_distinct=False,
                name="reason_tally_one_per_snapshot_and_school",
            )
        ]

    def __str__(self) -> str:
        return f"Reasons tally of {self.school or 'the district'} counted {self.computed_at}"
