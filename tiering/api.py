"""Tiering's REST operations (design.md §2): rule sets, snapshots, students' standings, a
student's band history and daily attendance, and the dashboard's counts by school, grade and
subgroup, read through the same selectors as the pages, recorded in the access record as the
pages are; imports of files and of Ed-Fi attendance events, through the same import service as
the upload page."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from districts.api_access import DistrictApi
from districts.audit import audit_record
from districts.models import AuditAction, Grade, School
from districts.roles import (
    IMPORT_ATTENDANCE,
    READ_ATTENDANCE_RULES,
    READ_DISTRICT_ATTENDANCE,
    READ_STUDENT_ATTENDANCE,
)

from . import edfi, progress, readers, selectors, services, tasks
from .bands import Band
from .headers import KIND_CHOICES, Kind
from .models import (
    AttendanceCategory,
    AttendanceDay,
    AttendanceImport,
    Coverage,
    DailyMode,
    ImportSource,
    ImportStatus,
    RuleSet,
    Snapshot,
    Standing,
    Student,
)
from .readers import ProblemCode


class RuleSetListApi(DistrictApi):
    """How absence is counted and when a student is rated: the district's own rule set first
    (as it will be created, id empty, before the first import or save), then any other."""

    policy = READ_ATTENDANCE_RULES

    class OutputSerializer(serializers.ModelSerializer):
        id = serializers.IntegerField(allow_null=True, read_only=True)

        class Meta:
            model = RuleSet
            fields = [
                "id",
                "name",
                "is_primary",
                "minimum_days_enrolled",
                "count_in_school_suspension",
                "partial_day_fraction",
            ]
            ref_name = "RuleSet"

    @extend_schema(operation_id="rule_sets_list", responses=OutputSerializer(many=True))
    def get(self, request: Request, district_slug: str) -> Response:
        rule_sets = selectors.rule_sets(user=request.user, district=self.district)
        return Response(self.OutputSerializer(rule_sets, many=True).data)


class _SnapshotSerializer(serializers.ModelSerializer):
    school_year = serializers.CharField(source="school_year.label")
    rule_set = serializers.CharField(source="rule_set.name")
    primary_rule_set = serializers.BooleanField(source="rule_set.is_primary")

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "as_of",
            "school_year",
            "rule_set",
            "primary_rule_set",
            "source_kind",
            "created_at",
        ]
        ref_name = "Snapshot"


class SnapshotListApi(DistrictApi):
    """Every classification run of the district, newest first."""

    policy = READ_STUDENT_ATTENDANCE

    @extend_schema(operation_id="snapshots_list", responses=_SnapshotSerializer(many=True))
    def get(self, request: Request, district_slug: str) -> Response:
        snapshots = selectors.newest_first(Snapshot.objects.for_user(request.user))
        return Response(_SnapshotSerializer(snapshots, many=True).data)


def _snapshot(
    request: Request, params: dict, snapshots: QuerySet[Snapshot] | None = None
) -> Snapshot:
    """The snapshot a query names, else the current one (among `snapshots`, when given)."""
    if snapshots is None:
        snapshots = Snapshot.objects.for_user(request.user)
    if "snapshot" in params:
        return get_object_or_404(selectors.newest_first(snapshots), pk=params["snapshot"])
    snapshot = selectors.current_snapshot(snapshots=snapshots)
    if snapshot is None:
        raise Http404("The district has no snapshot yet: import attendance first.")
    return snapshot


BAND_FILTERS = [(selectors.CHRONIC_FILTER, "Chronically absent (any)"), *Band.choices]


class _StudentSerializer(serializers.ModelSerializer):
    grade = serializers.ChoiceField(choices=Grade.choices, allow_null=True)

    class Meta:
        model = Student
        fields = ["id", "sis_id", "first_name", "last_name", "grade"]
        ref_name = "StudentSummary"


# A standing's days, all absences and those of each category (tardies are not absences).
FIGURES = ["days_enrolled", "days_absent", "excused", "unexcused", "suspension", "tardy"]


class _StandingSerializer(serializers.ModelSerializer):
    """A student's attendance and band in one snapshot, at one school (school empty: across
    the district, for a student who attended more than one)."""

    student = _StudentSerializer()
    school = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    grade = serializers.ChoiceField(choices=Grade.choices, allow_null=True)
    percent_missed = serializers.DecimalField(
        source="percent", max_digits=6, decimal_places=1, allow_null=True
    )
    band = serializers.ChoiceField(choices=Band.choices)
    previous_band = serializers.ChoiceField(choices=Band.choices, allow_null=True)

    class Meta:
        model = Standing
        fields = [
            "id",
            "student",
            "school",
            "grade",
            *FIGURES,
            "percent_missed",
            "band",
            "previous_band",
        ]
        ref_name = "Standing"


class StandingCursor(CursorPagination):
    """Stable pages over any number of students: each page continues after the last row of
    the one before, so a 500,000-student district is walked at the same cost per page."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


# The standings' filters by grade and subgroup, named as the dashboard's breakdowns are.
SUBGROUPS = [dimension.key for dimension in selectors.DIMENSIONS]


class StandingListApi(DistrictApi):
    """Each student's days enrolled and absent (by category), percent missed, band and band
    at the previous snapshot, for a snapshot (the current one unless named); filtered by
    school, band, grade and the dashboard's subgroups."""

    policy = READ_STUDENT_ATTENDANCE

    class InputSerializer(serializers.Serializer):
        snapshot = serializers.IntegerField(required=False, help_text="Default: the current one.")
        school = serializers.IntegerField(required=False)
        band = serializers.MultipleChoiceField(
            choices=BAND_FILTERS, required=False, help_text="Repeat for several bands."
        )
        grade = serializers.ChoiceField(choices=Grade.choices, required=False)
        gender = serializers.CharField(required=False, max_length=32)
        race_ethnicity = serializers.CharField(required=False, max_length=64)
        zip_code = serializers.CharField(required=False, max_length=10)
        disability = serializers.BooleanField(required=False, default=None, allow_null=True)
        english_learner = serializers.BooleanField(required=False, default=None, allow_null=True)
        low_income = serializers.BooleanField(required=False, default=None, allow_null=True)
        cursor = serializers.CharField(required=False, help_text="From a page's next or previous.")
        page_size = serializers.IntegerField(
            required=False, min_value=1, max_value=StandingCursor.max_page_size
        )

    class OutputSerializer(serializers.Serializer):
        snapshot = _SnapshotSerializer()
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = _StandingSerializer(many=True)

        class Meta:
            ref_name = "StandingPage"

    @extend_schema(
        operation_id="standings_list", parameters=[InputSerializer], responses=OutputSerializer
    )
    def get(self, request: Request, district_slug: str) -> Response:
        query = self.InputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        standings = Standing.objects.for_user(request.user)
        snapshots = selectors.with_previous_id(Snapshot.objects.for_user(request.user))
        snapshot = _snapshot(request, params, snapshots)
        school = None
        if "school" in params:
            school = get_object_or_404(School.objects.for_user(request.user), pk=params["school"])
        rows = selectors.snapshot_standings(
            standings=standings,
            snapshot=snapshot,
            previous=snapshot.previous_id,
            school=school,
            bands=sorted(params.get("band", ())),
            groups=selectors.ListFilters(
                **{name: params[name] for name in SUBGROUPS if params.get(name) is not None}
            ),
        )
        paginator = StandingCursor()
        page = paginator.paginate_queryset(
            rows.values(*_PAGE_COLUMNS, **_FIGURES_AS_TEXT), request, view=self
        )
        audit_record(
            request,
            action=AuditAction.VIEW,
            model=Student,
            ids=[row["student_id"] for row in page],
            purpose=f"API: standings{f' of {school.name}' if school else ''}",
        )
        # As OutputSerializer documents it, built from plain rows: its nested serializers
        # took 0.5 s of a 0.6 s page of 1,000 standings, model instances much of the rest.
        return Response(
            {
                "snapshot": _SnapshotSerializer(snapshot).data,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": [_standing_row(row) for row in page],
            }
        )


_STUDENT_COLUMNS = ("sis_id", "first_name", "last_name", "grade")
_PAGE_COLUMNS = (
    "id",
    "student_id",
    *(f"student__{name}" for name in _STUDENT_COLUMNS),
    "school_id",
    "grade",
    "percent",
    "band",
    "previous_band",
)
# The figures as PostgreSQL writes them: numeric(6, 2) as text has its two decimals already,
# as the serializer's DecimalFields would write them, with no Decimal made and formatted
# again in Python for each of a page's 6,000 figures.
_FIGURES_AS_TEXT = {f"{name}_text": Cast(name, output_field=TextField()) for name in FIGURES}


def _standing_row(row: dict) -> dict:
    """A standing as _StandingSerializer gives it, decimals as its DecimalFields write them.
    Spelled out key by key: a page builds 1,000 of them."""
    return {
        "id": row["id"],
        "student": {
            "id": row["student_id"],
            "sis_id": row["student__sis_id"],
            "first_name": row["student__first_name"],
            "last_name": row["student__last_name"],
            "grade": row["student__grade"],
        },
        "school": row["school_id"],
        "grade": row["grade"],
        "days_enrolled": row["days_enrolled_text"],
        "days_absent": row["days_absent_text"],
        "excused": row["excused_text"],
        "unexcused": row["unexcused_text"],
        "suspension": row["suspension_text"],
        "tardy": row["tardy_text"],
        "percent_missed": _tenths(row["percent"]),
        "band": row["band"],
        "previous_band": row["previous_band"],
    }


_TENTHS = Decimal("0.1")


def _tenths(value: Decimal | None) -> str | None:
    """As percent_missed's DecimalField writes it (rounding half to even, as the pages do)."""
    return None if value is None else f"{value.quantize(_TENTHS):f}"


class _HistorySerializer(serializers.ModelSerializer):
    snapshot = _SnapshotSerializer()
    school = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    band = serializers.ChoiceField(choices=Band.choices)

    class Meta:
        model = Standing
        fields = [
            "snapshot",
            "school",
            "grade",
            *FIGURES,
            "band",
        ]
        ref_name = "BandHistoryEntry"


class StudentDetailApi(DistrictApi):
    """One student and their band at every snapshot, newest first (for a school role, at its
    own schools)."""

    policy = READ_STUDENT_ATTENDANCE

    class OutputSerializer(_StudentSerializer):
        school = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
        band_history = serializers.SerializerMethodField()

        class Meta(_StudentSerializer.Meta):
            fields = [*_StudentSerializer.Meta.fields, "school", "band_history"]
            ref_name = "Student"

        @extend_schema_field(_HistorySerializer(many=True))
        def get_band_history(self, student):
            return _HistorySerializer(self.context["history"], many=True).data

    @extend_schema(operation_id="student_retrieve", responses=OutputSerializer)
    def get(self, request: Request, district_slug: str, student_id: int) -> Response:
        standings = Standing.objects.for_user(request.user)
        student = _visible_student(request, student_id)
        history = selectors.band_history(standings=standings, student_id=student.pk)
        audit_record(
            request,
            action=AuditAction.VIEW,
            model=Student,
            ids=[student.pk],
            purpose="API: student's band history",
        )
        return Response(self.OutputSerializer(student, context={"history": history}).data)


# --- Imports ----------------------------------------------------------------------------------


class _ProblemSerializer(serializers.Serializer):
    """One problem of an import, as the import page lists it: the file's row (as a spreadsheet
    numbers it; 0 for the whole file) and column, the value quoted, and why."""

    row = serializers.IntegerField()
    column = serializers.CharField(allow_blank=True)
    index = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="At an import's URL: for a batch of attendance events, the event's position "
        "in the batch (from 0), its field being the column; null for a file, or for the whole "
        "batch.",
    )
    value = serializers.CharField(allow_blank=True)
    reason = serializers.CharField()
    code = serializers.ChoiceField(choices=[code.value for code in ProblemCode])

    class Meta:
        ref_name = "ImportProblem"


class _ProgressSerializer(serializers.Serializer):
    percent = serializers.IntegerField()
    message = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "ImportProgress"


class _ImportSerializer(serializers.ModelSerializer):
    """An import's status, how far it has got, what its preview found and its problems."""

    url = serializers.SerializerMethodField()
    outcome = serializers.CharField()
    kind = serializers.ChoiceField(choices=KIND_CHOICES, allow_blank=True)
    progress = serializers.SerializerMethodField()
    awaits_confirmation = serializers.SerializerMethodField(
        help_text="Checked with no problems and waiting for POST …/confirm/ (nothing written)."
    )
    asks_coverage = serializers.SerializerMethodField(
        help_text="The file leaves out students the district has at its schools: the "
        "confirmation must say what that means (coverage)."
    )
    problems = serializers.SerializerMethodField()

    class Meta:
        model = AttendanceImport
        fields = [
            "id",
            "url",
            "status",
            "outcome",
            "kind",
            "source",
            "filename",
            "created_at",
            "started_at",
            "finished_at",
            "progress",
            "rows_read",
            "rows_imported",
            "message",
            "awaits_confirmation",
            "asks_coverage",
            "coverage",
            "preview",
            "error_count",
            "problems",
        ]
        ref_name = "AttendanceImport"

    def get_url(self, record: AttendanceImport) -> str:
        return _import_url(self.context["request"], record)

    @extend_schema_field(_ProgressSerializer)
    def get_progress(self, record: AttendanceImport) -> dict:
        if record.is_finished:
            return {"percent": 100, "message": record.outcome}
        return progress.read(record.pk) or {"percent": 0, "message": record.outcome}

    def get_awaits_confirmation(self, record: AttendanceImport) -> bool:
        return record.status == ImportStatus.PREVIEWED

    def get_asks_coverage(self, record: AttendanceImport) -> bool:
        return record.status == ImportStatus.PREVIEWED and bool(record.preview.get("asks"))

    @extend_schema_field(_ProblemSerializer(many=True))
    def get_problems(self, record: AttendanceImport) -> list[dict]:
        events = record.source == ImportSource.EVENTS
        return [
            {**error, "index": edfi.event_index(error["row"]) if events else None}
            for error in record.errors
        ]


def _import_url(request: Request, record: AttendanceImport) -> str:
    slug = request.parser_context["kwargs"]["district_slug"]
    return request.build_absolute_uri(
        reverse("api:import", kwargs={"district_slug": slug, "import_id": record.pk})
    )


class _RefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    problems = _ProblemSerializer(many=True)

    class Meta:
        ref_name = "ImportRefusal"


class _DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()

    class Meta:
        ref_name = "ErrorDetail"


class _NotPreviewed(exceptions.APIException):
    status_code = 409


class _ImportApi(DistrictApi):
    """Imports: who may import attendance (the page's policy), and an integration token,
    which sees the imports it sent and no others."""

    policy = IMPORT_ATTENDANCE
    accepts_integration_tokens = True

    def imports(self):
        if self.membership is None:
            return AttendanceImport.objects.for_district(self.district).filter(api_token=self.token)
        return AttendanceImport.objects.for_user(self.request.user)

    def accepted(self, record: AttendanceImport) -> Response:
        body = _ImportSerializer(record, context={"request": self.request}).data
        return Response(body, status=202, headers={"Location": body["url"]})

    def refused(self, refusal: readers.ImportValidationError) -> Response:
        problems = [error.as_json() for error in refusal.errors]
        return Response({"detail": str(refusal), "problems": problems}, status=400)

    def refused_request(self, errors: dict) -> Response:
        """The request's own mistakes (no file, an unknown kind) as an import's problems, in
        the one shape every refused import answers with."""
        problems = [
            readers.RowError(
                row=0,
                column=field,
                value="",
                reason=str(message),
                code=ProblemCode.FILE if field == "file" else ProblemCode.VALUE,
            ).as_json()
            for field, messages in errors.items()
            for message in messages
        ]
        detail = "Nothing was imported: " + " ".join(p["reason"] for p in problems)
        return Response({"detail": detail, "problems": problems}, status=400)


class ImportCreateApi(_ImportApi):
    """Sends a file to import, as the upload page does: it is checked, then waits for the
    go-ahead (POST its confirm) with nothing written, unless `coverage` is given now, as the
    command takes it; either way the answer is 202 with the import's URL to follow."""

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="CSV or Excel .xlsx, as the upload page takes.")
        kind = serializers.ChoiceField(
            choices=KIND_CHOICES, required=False, help_text="Default: told from its columns."
        )
        daily_mode = serializers.ChoiceField(choices=DailyMode.choices, default=DailyMode.REPLACE)
        as_of = serializers.DateField(
            required=False, help_text="The last school day a summary file counts; default today."
        )
        create_schools = serializers.BooleanField(default=False)
        coverage = serializers.ChoiceField(
            choices=Coverage.choices,
            required=False,
            help_text="What the file means for students it leaves out. Given, the file is "
            "imported once checked; left out, it waits for POST …/confirm/ after its preview.",
        )

        class Meta:
            ref_name = "ImportUpload"

    @extend_schema(
        operation_id="imports_create",
        request={"multipart/form-data": InputSerializer},
        responses={202: _ImportSerializer, 400: _RefusalSerializer},
    )
    def post(self, request: Request, district_slug: str) -> Response:
        form = self.InputSerializer(data=request.data)
        if not form.is_valid():
            return self.refused_request(form.errors)
        data = form.validated_data
        try:
            record = services.attendance_import_create(
                district=self.district,
                uploaded_by=request.user if request.user.is_authenticated else None,
                upload=data["file"],
                kind=Kind(data["kind"]) if "kind" in data else None,
                daily_mode=data["daily_mode"],
                as_of=data.get("as_of"),
                create_schools=data["create_schools"],
                source=ImportSource.API,
                coverage=Coverage(data["coverage"]) if "coverage" in data else None,
                api_token=self.token,
            )
        except readers.ImportValidationError as refusal:
            audit_record(
                request,
                action=AuditAction.CHANGE,
                model=AttendanceImport,
                count=0,
                purpose=f"Upload refused, nothing imported: {refusal}",
            )
            return self.refused(refusal)
        tasks.attendance_import_queue(attendance_import=record)
        audit_record(
            request,
            action=AuditAction.CHANGE,
            model=AttendanceImport,
            ids=[record.pk],
            purpose=f"Uploaded {record.filename} for import (API)",
        )
        return self.accepted(record)


class ImportDetailApi(_ImportApi):
    """An import's status, progress, preview and problems: poll it until it has finished."""

    @extend_schema(operation_id="import_retrieve", responses=_ImportSerializer)
    def get(self, request: Request, district_slug: str, import_id: int) -> Response:
        record = get_object_or_404(self.imports(), pk=import_id)
        return Response(_ImportSerializer(record, context={"request": request}).data)


class ImportConfirmApi(_ImportApi):
    """The go-ahead for a checked file (the import page's "Import it"), with what it means for
    the students it leaves out when it leaves any out."""

    class InputSerializer(serializers.Serializer):
        coverage = serializers.ChoiceField(
            choices=Coverage.choices,
            required=False,
            help_text="Needed when the import asks_coverage; otherwise “partial” is recorded.",
        )

        class Meta:
            ref_name = "ImportConfirmation"

    @extend_schema(
        operation_id="import_confirm",
        request=InputSerializer,
        responses={202: _ImportSerializer, 409: _DetailSerializer},
    )
    def post(self, request: Request, district_slug: str, import_id: int) -> Response:
        record = get_object_or_404(self.imports(), pk=import_id)
        if record.status != ImportStatus.PREVIEWED:
            raise _NotPreviewed(f"This import is “{record.outcome}”: it has no preview to confirm.")
        form = self.InputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if record.preview.get("asks") and "coverage" not in form.validated_data:
            raise exceptions.ValidationError(
                {
                    "coverage": [
                        record.message or "Say what the file means for the students it leaves out."
                    ]
                }
            )
        coverage = Coverage(form.validated_data.get("coverage") or Coverage.PARTIAL)
        confirmed = services.attendance_import_confirm(attendance_import=record, coverage=coverage)
        tasks.attendance_import_queue(attendance_import=confirmed)
        audit_record(
            request,
            action=AuditAction.CHANGE,
            model=AttendanceImport,
            ids=[record.pk],
            purpose=f"Confirmed the import of {record.filename}: {coverage.label} (API)",
        )
        return self.accepted(confirmed)


class _EventProblemSerializer(serializers.Serializer):
    """A problem of a batch of events: which event (its position in the list, from 0; null
    for the whole batch), which of its fields, the value sent, and why."""

    index = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(allow_blank=True)
    value = serializers.CharField(allow_blank=True)
    reason = serializers.CharField()
    code = serializers.ChoiceField(choices=[code.value for code in ProblemCode])

    class Meta:
        ref_name = "AttendanceEventProblem"


def _event_problems(errors: list[dict]) -> list[dict]:
    return [
        {
            "index": edfi.event_index(error["row"]),
            "field": error["column"],
            "value": error["value"],
            "reason": error["reason"],
            "code": error["code"],
        }
        for error in errors
    ]


# The batch's documentation, in Ed-Fi's own field names.
class _StudentReference(serializers.Serializer):
    studentUniqueId = serializers.CharField()

    class Meta:
        ref_name = "EdFiStudentReference"


class _SchoolReference(serializers.Serializer):
    schoolId = serializers.IntegerField()

    class Meta:
        ref_name = "EdFiSchoolReference"


class _AttendanceEvent(serializers.Serializer):
    studentReference = _StudentReference()
    schoolReference = _SchoolReference()
    eventDate = serializers.DateField()
    attendanceEventCategoryDescriptor = serializers.CharField(
        help_text="uri://ed-fi.org/AttendanceEventCategoryDescriptor#Excused Absence, or "
        "any code the district defines."
    )

    class Meta:
        ref_name = "EdFiStudentSchoolAttendanceEvent"


class AttendanceEventsApi(_ImportApi):
    """A batch of Ed-Fi studentSchoolAttendanceEvents, imported as a daily file is: each event
    replaces its student's day. What needs no database is checked in the request (the batch's
    shape, each event's fields, its date and descriptor): a batch with any problem there is
    refused whole (400) with each problem's event, field and reason. A batch that passes is kept
    and answers 202 with its import's URL (also in Location); a worker checks it against the
    district's data (its students, schools, codes and school year) and merges it whole, or
    marks it failed with every problem's event named at that URL and nothing saved. The
    district's bands follow in a recompute."""

    class InputSerializer(serializers.Serializer):
        studentSchoolAttendanceEvents = _AttendanceEvent(many=True, max_length=edfi.MAX_EVENTS)

        class Meta:
            ref_name = "AttendanceEventBatch"

    class RefusalSerializer(serializers.Serializer):
        detail = serializers.CharField()
        problems = _EventProblemSerializer(many=True)

        class Meta:
            ref_name = "AttendanceEventRefusal"

    @extend_schema(
        operation_id="attendance_events_create",
        request=InputSerializer,
        responses={202: _ImportSerializer, 400: RefusalSerializer},
    )
    def post(self, request: Request, district_slug: str) -> Response:
        # Checked by edfi and the import's readers, not by the input serializer (which
        # documents the batch): a serializer's Python per field took longer than the import.
        try:
            record = services.attendance_events_record(
                district=self.district,
                events_file=edfi.events_file(request.data),
                uploaded_by=request.user if request.user.is_authenticated else None,
                api_token=self.token,
            )
        except readers.ImportValidationError as refusal:
            audit_record(
                request,
                action=AuditAction.CHANGE,
                model=AttendanceImport,
                count=0,
                purpose=f"Attendance events refused, nothing imported: {refusal}",
            )
            problems = _event_problems([error.as_json() for error in refusal.errors])
            return Response({"detail": str(refusal), "problems": problems}, status=400)
        tasks.attendance_import_queue(attendance_import=record)
        audit_record(
            request,
            action=AuditAction.CHANGE,
            model=AttendanceImport,
            ids=[record.pk],
            purpose=f"Sent attendance events for import (API): {record.outcome}",
        )
        return self.accepted(record)


def _visible_student(request: Request, student_id: int) -> Student:
    """As the student's page: a school role reaches a student through a standing at one of
    its schools, which also covers a student who has since moved elsewhere."""
    visible = Student.objects.for_user(request.user).filter(pk=student_id).exists()
    standings = Standing.objects.for_user(request.user)
    if not visible and not standings.filter(student_id=student_id).exists():
        raise Http404("No such student.")
    return get_object_or_404(Student.objects.all(), pk=student_id)


class AttendanceDayCursor(CursorPagination):
    ordering = "date"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 366


class StudentAttendanceApi(DistrictApi):
    """The student's attendance day by day, oldest first (for a school role, the days at its
    own schools), as the student's page draws its absence calendar."""

    policy = READ_STUDENT_ATTENDANCE

    class InputSerializer(serializers.Serializer):
        first_day = serializers.DateField(required=False, help_text="From this day on.")
        last_day = serializers.DateField(required=False, help_text="Up to this day.")
        cursor = serializers.CharField(required=False, help_text="From a page's next or previous.")
        page_size = serializers.IntegerField(
            required=False, min_value=1, max_value=AttendanceDayCursor.max_page_size
        )

    class _DaySerializer(serializers.ModelSerializer):
        school = serializers.PrimaryKeyRelatedField(read_only=True)
        category = serializers.ChoiceField(choices=AttendanceCategory.choices)

        class Meta:
            model = AttendanceDay
            fields = ["date", "school", "category", "absent_fraction"]
            ref_name = "AttendanceDay"

    @extend_schema(
        operation_id="student_attendance_list",
        parameters=[InputSerializer],
        responses=inline_serializer(
            "AttendanceDayPage",
            {
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": _DaySerializer(many=True),
            },
        ),
    )
    def get(self, request: Request, district_slug: str, student_id: int) -> Response:
        query = self.InputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        student = _visible_student(request, student_id)
        days = AttendanceDay.objects.for_user(request.user).filter(student_id=student.pk)
        if "first_day" in params:
            days = days.filter(date__gte=params["first_day"])
        if "last_day" in params:
            days = days.filter(date__lte=params["last_day"])
        paginator = AttendanceDayCursor()
        page = paginator.paginate_queryset(days, request, view=self)
        audit_record(
            request,
            action=AuditAction.VIEW,
            model=Student,
            ids=[student.pk],
            purpose="API: student's daily attendance",
        )
        return Response(
            {
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": self._DaySerializer(page, many=True).data,
            }
        )


class _BandCountSerializer(serializers.Serializer):
    band = serializers.ChoiceField(choices=Band.choices)
    students = serializers.IntegerField()

    class Meta:
        ref_name = "BandCount"


class _BandRowSerializer(serializers.Serializer):
    """Students per band in one row of the dashboard, with its chronic absence rate."""

    label = serializers.CharField()
    school = serializers.IntegerField(allow_null=True, source="school.pk", default=None)
    bands = serializers.SerializerMethodField()
    students = serializers.IntegerField(source="total")
    chronic = serializers.IntegerField()
    chronic_percent = serializers.FloatField(allow_null=True)

    class Meta:
        ref_name = "BandRow"

    @extend_schema_field(_BandCountSerializer(many=True))
    def get_bands(self, row):
        return [{"band": band, "students": n} for band, n in row.cells()]


class _BreakdownSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=[(d.key, d.label) for d in selectors.DIMENSIONS])
    label = serializers.CharField()
    groups = _BandRowSerializer(many=True)

    class Meta:
        ref_name = "Breakdown"


class AggregateApi(DistrictApi):
    """The district dashboard's counts for a snapshot (the current one unless named):
    students per band across the district, at each school, and by grade and each subgroup.
    Counts only, no student."""

    policy = READ_DISTRICT_ATTENDANCE

    class InputSerializer(serializers.Serializer):
        snapshot = serializers.IntegerField(required=False, help_text="Default: the current one.")

    class OutputSerializer(serializers.Serializer):
        snapshot = _SnapshotSerializer()
        district = _BandRowSerializer()
        schools = _BandRowSerializer(many=True)
        breakdowns = _BreakdownSerializer(many=True)

        class Meta:
            ref_name = "Aggregates"

    @extend_schema(
        operation_id="aggregates_retrieve", parameters=[InputSerializer], responses=OutputSerializer
    )
    def get(self, request: Request, district_slug: str) -> Response:
        query = self.InputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        snapshot = _snapshot(request, query.validated_data)
        standings = Standing.objects.for_user(request.user)
        table = selectors.band_table(snapshot=snapshot, standings=standings)
        district = table.pop(0) if table and table[0].school is None else selectors.BandRow(None)
        district.label = self.district.name
        for row in table:
            row.label = row.school.name
        groups = selectors.breakdowns(standings=standings, snapshot=snapshot)
        return Response(
            self.OutputSerializer(
                {
                    "snapshot": snapshot,
                    "district": district,
                    "schools": table,
                    "breakdowns": [
                        {"dimension": d.key, "label": d.label, "groups": groups[d.key]}
                        for d in selectors.DIMENSIONS
                    ],
                }
            ).data
        )
