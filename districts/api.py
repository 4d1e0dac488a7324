"""The districts' REST operations (design.md §2): one DistrictApi per operation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from .api_access import DistrictApi
from .models import Grade, School, SchoolYear
from .roles import READ_SCHOOL_DIRECTORY


class SchoolListApi(DistrictApi):
    """The district's schools; a principal's or school team's own schools only."""

    policy = READ_SCHOOL_DIRECTORY

    class OutputSerializer(serializers.ModelSerializer):
        low_grade = serializers.ChoiceField(choices=Grade.choices)
        high_grade = serializers.ChoiceField(choices=Grade.choices)

        class Meta:
            model = School
            fields = ["id", "sis_code", "name", "low_grade", "high_grade"]
            ref_name = "School"

    @extend_schema(operation_id="schools_list", responses=OutputSerializer(many=True))
    def get(self, request: Request, district_slug: str) -> Response:
        schools = School.objects.for_user(request.user).order_by("name", "pk")
        return Response(self.OutputSerializer(schools, many=True).data)


class SchoolYearListApi(DistrictApi):
    policy = READ_SCHOOL_DIRECTORY

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = SchoolYear
            fields = ["id", "label", "first_day", "last_day", "instructional_days"]
            ref_name = "SchoolYear"

    @extend_schema(operation_id="school_years_list", responses=OutputSerializer(many=True))
    def get(self, request: Request, district_slug: str) -> Response:
        years = SchoolYear.objects.for_user(request.user)
        return Response(self.OutputSerializer(years, many=True).data)
