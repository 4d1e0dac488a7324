"""Tiering's REST operations (design.md §2): rule sets, snapshots, students' standings, a
student's band history and daily attendance, and the dashboard's counts by school, grade and
subgroup, read through the same selectors as the pages, recorded in the access record as the
pages are."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from districts.api_access import DistrictApi
from districts.audit import audit_record
from districts.models import AuditAction, Grade, School
from districts.roles import (
    READ_ATTENDANCE_RULES,
    READ_DISTRICT_ATTENDANCE,
    READ_STUDENT_ATTENDANCE,
)

from . import selectors
from .bands import Band
from .models import AttendanceCategory, AttendanceDay, RuleSet, Snapshot, Standing, Student


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


def _snapshot(request: Request, params: dict) -> Snapshot:
    """The snapshot a query names, else the current one."""
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
        snapshots = Snapshot.objects.for_user(request.user)
        standings = Standing.objects.for_user(request.user)
        snapshot = _snapshot(request, params)
        school = None
        if "school" in params:
            school = get_object_or_404(School.objects.for_user(request.user), pk=params["school"])
        rows = selectors.snapshot_standings(
            standings=standings,
            snapshot=snapshot,
            previous=selectors.previous_snapshot(snapshots=snapshots, snapshot=snapshot),
            school=school,
            bands=sorted(params.get("band", ())),
            groups=selectors.ListFilters(
                **{name: params[name] for name in SUBGROUPS if params.get(name) is not None}
            ),
        )
        paginator = StandingCursor()
        page = paginator.paginate_queryset(rows, request, view=self)
        audit_record(
            request,
            action=AuditAction.VIEW,
            model=Student,
            ids=[row.student_id for row in page],
            purpose=f"API: standings{f' of {school.name}' if school else ''}",
        )
        return Response(
            self.OutputSerializer(
                {
                    "snapshot": snapshot,
                    "next": paginator.get_next_link(),
                    "previous": paginator.get_previous_link(),
                    "results": page,
                }
            ).data
        )


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
