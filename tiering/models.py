from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.timezone import now

from districts.models import Grade, School, SchoolYear, TenantModel
from districts.querysets import TenantManager

from .bands import Band
from .headers import KIND_CHOICES, Kind
from .querysets import (
    AttendanceImportQuerySet,
    BandTallyQuerySet,
    SchoolScopedQuerySet,
    StaffOnlyQuerySet,
    StandingQuerySet,
    StudentQuerySet,
)

# A part of one school day, from none of it to all of it.
SHARE_OF_DAY = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class AttendanceCategory(models.IntegerChoices):
    # Small integers: the daily fact table holds one per student per school day.
    PRESENT = 1, "Present"
    TARDY = 2, "Tardy"
    EXCUSED = 3, "Excused absence"
    UNEXCUSED = 4, "Unexcused absence"
    SUSPENSION_OUT = 5, "Out-of-school suspension"
    SUSPENSION_IN = 6, "In-school suspension"
    PARTIAL = 7, "Partial-day absence"
    NOT_ENROLLED = 8, "Not enrolled"


# What common codes mean unless the district says otherwise. Every absence counts — excused,
# unexcused and suspension alike; tardies do not (the source documents call both out).
DEFAULT_ATTENDANCE_CODES: tuple[tuple[str, AttendanceCategory], ...] = (
    ("P", AttendanceCategory.PRESENT),
    ("T", AttendanceCategory.TARDY),
    ("E", AttendanceCategory.EXCUSED),
    ("U", AttendanceCategory.UNEXCUSED),
    ("A", AttendanceCategory.UNEXCUSED),
    ("S", AttendanceCategory.SUSPENSION_OUT),
    ("OSS", AttendanceCategory.SUSPENSION_OUT),
    ("ISS", AttendanceCategory.SUSPENSION_IN),
    ("H", AttendanceCategory.PARTIAL),
    ("NE", AttendanceCategory.NOT_ENROLLED),
    # Ed-Fi AttendanceEventCategoryDescriptor values.
    ("In Attendance", AttendanceCategory.PRESENT),
    ("Excused Absence", AttendanceCategory.EXCUSED),
    ("Unexcused Absence", AttendanceCategory.UNEXCUSED),
    ("Tardy", AttendanceCategory.TARDY),
    ("Partial", AttendanceCategory.PARTIAL),
    # Leaving early is not missing the day, as arriving late is not.
    ("Early departure", AttendanceCategory.TARDY),
)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    # Checked and previewed; nothing is written until someone says to go ahead.
    PREVIEWED = "previewed", "Checked: waiting for your go-ahead"
    NEEDS_MAPPING = "needs_mapping", "Needs its columns matched"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Not imported: the file has problems"
    DUPLICATE = "duplicate", "Already imported earlier"


class ImportSource(models.TextChoices):
    UPLOAD = "upload", "Uploaded in the browser"
    COMMAND = "command", "Command line (scheduled SIS drop)"
    DEMO = "demo", "Demo data"
    API = "api", "Sent through the API"
    # A batch of Ed-Fi studentSchoolAttendanceEvents: each event replaces its student's day,
    # and the bands follow in a recompute rather than in the batch's own request.
    EVENTS = "events", "Ed-Fi attendance events (API)"


class Coverage(models.TextChoices):
    """What a file that leaves out students the district already has at its schools means."""

    PARTIAL = "partial", "Update only the students in this file"
    COMPLETE = (
        "complete",
        ("This file is complete for these schools: the others are no longer enrolled there"),
    )


class DailyMode(models.TextChoices):
    REPLACE = "replace", "Year-to-date: replaces the days it covers"
    APPEND = "append", "New days only: adds to what is there"


def bulk_reference(to, **options) -> models.ForeignKey:
    """A reference in a table written millions of rows at a time, only by tiering.ingest, whose
    statements join the referenced rows as they write: no foreign-key trigger (checking each
    row again at commit cost as much as the insert itself, 8.8 s of 20 s measured) and no index
    of its own (each table's key or unique constraint leads with the columns it is read by)."""
    return models.ForeignKey(to, db_constraint=False, db_index=False, **options)


class Student(TenantModel):
    # Written by the hundred thousand in one statement (ingest._upsert_students), whose school
    # comes from a join: the two deferred foreign-key checks took 4.5 s of a 15 s import of
    # 100,000 students at commit.
    district = bulk_reference("districts.District", on_delete=models.PROTECT, related_name="+")
    sis_id = models.CharField("student ID", max_length=64)
    # Database defaults: the import inserts students in SQL, often knowing only their ID.
    first_name = models.CharField(max_length=100, blank=True, db_default="")
    last_name = models.CharField(max_length=100, blank=True, db_default="")
    birth_date = models.DateField(null=True, blank=True)
    grade = models.SmallIntegerField(choices=Grade.choices, null=True, blank=True)
    # The school of the student's latest enrollment; standings keep every school they attended.
    school = bulk_reference(School, on_delete=models.PROTECT, null=True, related_name="+")
    gender = models.CharField(max_length=32, blank=True, db_default="")
    race_ethnicity = models.CharField(max_length=64, blank=True, db_default="")
    disability = models.BooleanField(null=True)
    english_learner = models.BooleanField(null=True)
    low_income = models.BooleanField(null=True)
    zip_code = models.CharField(max_length=10, blank=True, db_default="")

    objects = TenantManager.from_queryset(StudentQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["last_name", "first_name", "sis_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "sis_id"],
                name="student_unique_sis_id_per_district",
                violation_error_message="This district already has a student with this ID.",
            )
        ]
        # A school's students now: what a school role's walls on support records read once per
        # statement (support migration 0003); without it every such statement scanned the
        # district's students, once for each support table it touched.
        indexes = [models.Index(fields=["district", "school"], name="student_by_school")]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} ({self.sis_id})" if name else self.sis_id


class AttendanceCode(TenantModel):
    """What a code in the district's SIS export means. Matched ignoring case."""

    code = models.CharField(max_length=64)
    category = models.SmallIntegerField(choices=AttendanceCategory.choices)
    absent_fraction = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=SHARE_OF_DAY,
        help_text="For partial-day codes: the share of the day missed (else the rule set's).",
    )

    objects = TenantManager.from_queryset(StaffOnlyQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["category", "code"]
        constraints = [
            models.UniqueConstraint(
                "district",
                Lower("code"),
                name="attendance_code_unique_per_district",
                violation_error_message="This district already defines this attendance code.",
            ),
            models.CheckConstraint(
                condition=Q(absent_fraction__isnull=True)
                | Q(absent_fraction__gte=0, absent_fraction__lte=1),
                name="attendance_code_fraction_between_0_and_1",
                violation_error_message="The share of the day missed must be between 0 and 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.get_category_display()}"


PRIMARY_RULE_SET_NAME = "District definition"


class RuleSet(TenantModel):
    """How absence is counted and when a student is rated. The primary rule set is the
    district's own; a second one (a state accountability definition) is kept beside it."""

    name = models.CharField(max_length=100)
    is_primary = models.BooleanField(default=False)
    minimum_days_enrolled = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(180)]
    )
    count_in_school_suspension = models.BooleanField(
        default=False, help_text="Count a day of in-school suspension as a day absent."
    )
    partial_day_fraction = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=SHARE_OF_DAY,
        help_text="Share of a day a partial-day absence counts for, unless its code says.",
    )

    objects = TenantManager.from_queryset(StaffOnlyQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"],
                name="rule_set_unique_name_per_district",
                violation_error_message="This district already has a rule set with this name.",
            ),
            models.UniqueConstraint(
                fields=["district"],
                condition=Q(is_primary=True),
                name="rule_set_one_primary_per_district",
                violation_error_message="A district has exactly one primary rule set.",
            ),
            models.CheckConstraint(
                condition=Q(minimum_days_enrolled__gte=1),
                name="rule_set_minimum_days_positive",
                violation_error_message="The minimum days enrolled must be at least 1.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ImportProfile(TenantModel):
    """The column matching a district chose once for files of one kind, reused next time."""

    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    column_mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager.from_queryset(StaffOnlyQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["district", "kind"], name="import_profile_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} columns"


class AttendanceImport(TenantModel):
    kind = models.CharField(max_length=16, choices=KIND_CHOICES, blank=True)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    # Counted here, before each attempt's own transaction, not by the broker, which cannot tell
    # a task redelivered after its worker died from a new one.
    attempts = models.PositiveSmallIntegerField(default=0)
    daily_mode = models.CharField(
        max_length=16, choices=DailyMode.choices, default=DailyMode.REPLACE
    )
    create_schools = models.BooleanField(default=False)
    # Empty until someone chooses (or the file leaves no one out); an import runs only once it
    # is confirmed, after its preview (or straight away for a caller that chose beforehand).
    coverage = models.CharField(max_length=16, choices=Coverage.choices, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # What the file changes, per school: see services.ImportPreview.
    preview = models.JSONField(default=dict, blank=True)
    filename = models.CharField(max_length=255)
    # A generated name under the media folder, never the uploader's.
    stored_file = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField()
    # Empty for files that arrive through the command (scheduled SIS drops).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(
        max_length=16, choices=ImportSource.choices, default=ImportSource.UPLOAD
    )
    # The token an import sent through the API came with: an integration token sees the
    # imports it sent, and no others.
    api_token = models.ForeignKey(
        "districts.ApiToken", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    as_of = models.DateField(null=True, blank=True)
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.BigIntegerField(default=0)
    rows_imported = models.BigIntegerField(default=0)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    objects = TenantManager.from_queryset(AttendanceImportQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["district", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "sha256"],
                condition=Q(status="succeeded"),
                name="attendance_import_content_once_per_district",
                violation_error_message="This file was already imported.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.outcome})"

    @property
    def is_finished(self) -> bool:
        return self.status not in {ImportStatus.QUEUED, ImportStatus.RUNNING}

    @property
    def known_kind(self) -> Kind | None:
        """What the file holds, once the uploader said it or its columns told it."""
        return Kind(self.kind) if self.kind else None

    @property
    def stopped_short(self) -> bool:
        """Failed with no problem found in its file: something else stopped it (the database
        connection lost, an error in the service), and the same file can simply run again."""
        return self.status == ImportStatus.FAILED and not self.error_count

    @property
    def outcome(self) -> str:
        if self.stopped_short:
            return "Not imported: stopped before it finished"
        return self.get_status_display()

    @property
    def stored_path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.stored_file


class AttendanceDay(TenantModel):
    """One student's attendance on one school day at one school: the daily fact table, up to
    tens of millions of rows. Its key leads with district_id, ready to distribute by it."""

    pk = models.CompositePrimaryKey("district", "student", "date")
    district = bulk_reference("districts.District", on_delete=models.PROTECT, related_name="+")
    student = bulk_reference(Student, on_delete=models.CASCADE)
    school = bulk_reference(School, on_delete=models.PROTECT)
    date = models.DateField()
    category = models.SmallIntegerField(choices=AttendanceCategory.choices)
    absent_fraction = models.DecimalField(max_digits=3, decimal_places=2, null=True)

    objects = TenantManager.from_queryset(SchoolScopedQuerySet)()

    class Meta:
        default_manager_name = "objects"


class AttendanceSummary(TenantModel):
    """Year-to-date totals for one student at one school, as the SIS summarised them."""

    # The partition key last: each reporting year's totals are a partition of their own
    # (migration 0018), and a key must hold the partition key.
    pk = models.CompositePrimaryKey(
        "district", "school_year", "student", "school", "reporting_year"
    )
    district = bulk_reference("districts.District", on_delete=models.PROTECT, related_name="+")
    school_year = bulk_reference(SchoolYear, on_delete=models.PROTECT, related_name="+")
    # The school year's (SchoolYear.reporting_year), written with it by ingest.
    reporting_year = models.SmallIntegerField()
    student = bulk_reference(Student, on_delete=models.CASCADE, related_name="+")
    school = bulk_reference(School, on_delete=models.PROTECT, related_name="+")
    days_enrolled = models.DecimalField(max_digits=6, decimal_places=2)
    days_absent = models.DecimalField(max_digits=6, decimal_places=2)
    excused = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    unexcused = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    suspension = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    tardy = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    as_of = models.DateField()

    objects = TenantManager.from_queryset(SchoolScopedQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.CheckConstraint(
                condition=Q(days_absent__gte=0) & Q(days_absent__lte=models.F("days_enrolled")),
                name="attendance_summary_absent_within_enrolled",
                violation_error_message="Days absent must be between 0 and days enrolled.",
            ),
        ]


class Snapshot(TenantModel):
    """One classification run: every student's band under one rule set, as of a date."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    # The school year's, copied so that every read of this snapshot's standings names their
    # partition without a join (Standing.snapshot).
    reporting_year = models.SmallIntegerField()
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="snapshots")
    as_of = models.DateField()
    source_kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    source_import = models.ForeignKey(
        AttendanceImport, on_delete=models.PROTECT, null=True, related_name="snapshots"
    )
    created_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(StaffOnlyQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["-created_at"]
        get_latest_by = "created_at"
        indexes = [models.Index(fields=["district", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.rule_set} as of {self.as_of:%b %-d, %Y}"


class Standing(TenantModel):
    """A student's attendance and band in one snapshot: at one school, or (school empty)
    across the whole district, so a student who transferred is rated at each school over the
    days enrolled there and once over all days. A student of one school has only their
    school's row, which is their district standing too: read district standings through
    ``across_district``. Written only by ingest.classify."""

    district = bulk_reference("districts.District", on_delete=models.PROTECT, related_name="+")
    # The partition key (migration 0018): the snapshot's reporting year.
    reporting_year = models.SmallIntegerField()
    snapshot_id = models.BigIntegerField()
    # The snapshot by its id and its reporting year together, so that every read of a
    # snapshot's standings (filter(snapshot=…), snapshot__in, joins through it) names the
    # partition as well and the planner reads that one only: by snapshot_id alone it probed
    # every year's partition, and the tiered list was 1.4–2 times slower.
    snapshot = models.ForeignObject(
        Snapshot,
        on_delete=models.CASCADE,
        from_fields=["snapshot_id", "reporting_year"],
        to_fields=["id", "reporting_year"],
        related_name="standings",
    )
    student = bulk_reference(Student, on_delete=models.CASCADE, related_name="standings")
    school = bulk_reference(School, on_delete=models.PROTECT, null=True, related_name="+")
    grade = models.SmallIntegerField(choices=Grade.choices, null=True)
    days_enrolled = models.DecimalField(max_digits=6, decimal_places=2)
    days_absent = models.DecimalField(max_digits=6, decimal_places=2)
    excused = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    unexcused = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    suspension = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    tardy = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    band = models.CharField(max_length=20, choices=Band.choices)

    objects = TenantManager.from_queryset(StandingQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            # Led by the school, so that it also serves every read of one school's standings
            # (lists, counts, the previous band): a second index by school and band cost a
            # fifth of the insert of a snapshot.
            # The partition key last, as a key on a partitioned table must hold it: within
            # one partition it is the same on every row, and reads name it to reach one.
            models.UniqueConstraint(
                fields=["district", "snapshot_id", "school", "student", "reporting_year"],
                nulls_distinct=False,
                name="standing_one_per_school_and_student",
            )
        ]
        indexes = [
            # A student's rows in one snapshot whatever their school: the previous band beside
            # each row of a page of district standings (the API's). Without it each lookup
            # scanned the snapshot's whole share of the index above: 3 s per page of 1,000 at
            # 20,000 students.
            models.Index(fields=["district", "snapshot_id", "student"], name="standing_by_student")
        ]


DEFAULT_RECOMPUTE_INTERVAL_DAYS = 14


class RecomputeSchedule(TenantModel):
    """When the district's bands are recomputed: every ``interval_days`` counted from
    ``anchor``. The cycle is arithmetic on these two values and the recorded runs, so no
    scheduler state (a lost beat file, a restart) can move it."""

    anchor = models.DateField(help_text="The first day of a recompute cycle.")
    interval_days = models.PositiveSmallIntegerField(
        default=DEFAULT_RECOMPUTE_INTERVAL_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Days between recomputes (14 = every other week).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager.from_queryset(StaffOnlyQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district"],
                name="recompute_schedule_one_per_district",
                violation_error_message="This district already has a recompute schedule.",
            ),
            models.CheckConstraint(
                condition=Q(interval_days__range=(1, 90)),
                name="recompute_schedule_interval_valid",
                violation_error_message="Recompute every 1 to 90 days.",
            ),
        ]

    def __str__(self) -> str:
        return f"Every {self.interval_days} days from {self.anchor:%b %-d, %Y}"


class RecomputeTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Scheduled"
    IMPORT = "import", "After an import"
    MANUAL = "manual", "Started by an administrator"
    # No recompute: the principals' digest of the current bands, out of its schedule.
    DIGEST = "digest", "Digest sent now by an administrator"


class RecomputeStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Done"
    SKIPPED = "skipped", "Nothing to recompute"
    FAILED = "failed", "Failed"


class RecomputeRun(TenantModel):
    """One recompute of a district's bands. A scheduled run is recorded once per cycle
    (``period_start``) and a post-import run once per import, so a redelivered or repeated
    task finds its run done and changes nothing. ``attempts`` is counted here, not by the
    broker, which cannot tell a redelivery from a new message."""

    trigger = models.CharField(max_length=16, choices=RecomputeTrigger.choices)
    period_start = models.DateField(null=True, blank=True)
    source_import = models.ForeignKey(
        AttendanceImport, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=RecomputeStatus.choices, default=RecomputeStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(default=now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateField(null=True, blank=True)
    source_kind = models.CharField(max_length=16, choices=KIND_CHOICES, blank=True)
    students = models.PositiveIntegerField(default=0)
    snapshots = models.PositiveSmallIntegerField(default=0)
    digests = models.PositiveIntegerField(default=0)
    # The snapshot its digest described: the next digest compares with it.
    digest_snapshot = models.ForeignKey(
        Snapshot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.TextField(blank=True)

    objects = TenantManager.from_queryset(StaffOnlyQuerySet)()

    class Meta:
        default_manager_name = "objects"
        ordering = ["-queued_at", "-pk"]
        indexes = [models.Index(fields=["district", "-queued_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "period_start"],
                condition=Q(trigger="schedule"),
                name="recompute_run_once_per_period",
                violation_error_message="This cycle's recompute is already recorded.",
            ),
            models.UniqueConstraint(
                fields=["district", "source_import"],
                condition=Q(trigger="import"),
                name="recompute_run_once_per_import",
                violation_error_message="This import's recompute is already recorded.",
            ),
            models.CheckConstraint(
                condition=Q(trigger="schedule", period_start__isnull=False)
                | Q(trigger="import", source_import__isnull=False)
                | Q(trigger__in=["manual", "digest"]),
                name="recompute_run_trigger_has_its_key",
                violation_error_message=(
                    "A scheduled run names its cycle and a post-import run its import."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} recompute ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_RECOMPUTE

    @property
    def duration(self):
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at


# A cycle is over once its run succeeded or found nothing to recompute; a failed one is tried
# again by the next daily poke until its attempts run out.
FINISHED_RECOMPUTE = frozenset({RecomputeStatus.SUCCEEDED, RecomputeStatus.SKIPPED})


class BandTally(TenantModel):
    """A snapshot's students per band, counted once when the snapshot is taken (in its
    transaction, snapshots.take_all) rather than from every standing as each page opens: at one
    school, or (school empty) across the whole district, where it also holds the dashboard's
    breakdowns by grade and subgroup, counted by the demographics on record then and counted
    again after a later import (snapshots.tallies_refresh). A snapshot with no tallies (taken
    before they were stored), or whose breakdowns predate the latest import, is counted from
    its standings as it is read (selectors). Counts of students only, but computed from
    students' records.

    `counts` {band: students}; `groups` {dimension key: [[value, {band: students}], …]}; on the
    district's row, `last_dates` (selectors.data_freshness), read by the same single statement
    as its counts would be when the dashboard's cache is cold."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    counts = models.JSONField(default=dict, blank=True)
    groups = models.JSONField(default=dict, blank=True)
    # The latest import when `groups` were counted (selectors.figures_version's): an import
    # can change students' demographics, so they are read only while it is still the latest.
    groups_as_of_import = models.CharField(max_length=64, blank=True)
    # On the district's row: each school's last date with attendance data, over every year
    # (the dashboard's data freshness), {school id: ISO date}, read only while
    # `last_dates_as_of_import` is still the latest import (selectors.figures_version's).
    last_dates = models.JSONField(default=dict, blank=True)
    last_dates_as_of_import = models.CharField(max_length=64, blank=True)

    objects = TenantManager.from_queryset(BandTallyQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "snapshot", "school"],
                nulls_distinct=False,
                name="band_tally_one_per_snapshot_and_school",
            )
        ]

    def __str__(self) -> str:
        return f"Students per band of {self.school or 'the district'} in {self.snapshot}"
