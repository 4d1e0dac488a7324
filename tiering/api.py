"""Tiering's REST operations (design.md §2): snapshots, students' standings and a student's
band history, read through the same selectors as the pages, recorded in the access record as
the pages are."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from districts.api_access import DistrictApi
from districts.audit import audit_record
from districts.models import AuditAction, Grade, School
from districts.roles import READ_STUDENT_ATTENDANCE

from . import selectors
from .bands import Band
from .models import Snapshot, Standing, Student


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


class StandingListApi(DistrictApi):
    """Each student's days enrolled and absent (by category), percent missed, band and band
    at the previous snapshot, for a snapshot (the current one unless named)."""

    policy = READ_STUDENT_ATTENDANCE

    class InputSerializer(serializers.Serializer):
        snapshot = serializers.IntegerField(required=False, help_text="Default: the current one.")
        school = serializers.IntegerField(required=False)
        band = serializers.MultipleChoiceField(
            choices=BAND_FILTERS, required=False, help_text="Repeat for several bands."
        )
        grade = serializers.ChoiceField(choices=Grade.choices, required=False)
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
        if "snapshot" in params:
            snapshot = get_object_or_404(selectors.newest_first(snapshots), pk=params["snapshot"])
        else:
            snapshot = selectors.current_snapshot(snapshots=snapshots)
            if snapshot is None:
                raise Http404("The district has no snapshot yet: import attendance first.")
        school = None
        if "school" in params:
            school = get_object_or_404(School.objects.for_user(request.user), pk=params["school"])
        rows = selectors.snapshot_standings(
            standings=standings,
            snapshot=snapshot,
            previous=selectors.previous_snapshot(snapshots=snapshots, snapshot=snapshot),
            school=school,
            bands=sorted(params.get("band", ())),
            grade=params.get("grade"),
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
        # As the student's page: a school role reaches a student through a standing at one
        # of its schools, which also covers a student who has since moved elsewhere.
        visible = Student.objects.for_user(request.user).filter(pk=student_id).exists()
        if not visible and not standings.filter(student_id=student_id).exists():
            raise Http404("No such student.")
        student = get_object_or_404(Student.objects.all(), pk=student_id)
        history = selectors.band_history(standings=standings, student_id=student.pk)
        audit_record(
            request,
            action=AuditAction.VIEW,
            model=Student,
            ids=[student.pk],
            purpose="API: student's band history",
        )
        return Response(self.OutputSerializer(student, context={"history": history}).data)
