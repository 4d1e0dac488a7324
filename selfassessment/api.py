"""The self-assessment's REST operations (design.md §2): the district's assessments, read by
its staff as the pages read them; the team's consensus, not each member's rating."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from districts.api_access import DistrictApi
from districts.roles import READ_SELF_ASSESSMENT

from . import selectors
from .models import Assessment, AssessmentStatus, Priority, PriorityStatus, Rating


class _AssessmentSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=AssessmentStatus.choices)

    class Meta:
        model = Assessment
        fields = ["id", "title", "school_year", "status", "created_at", "finalised_at"]
        ref_name = "SelfAssessment"


class _ItemSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="Ingredient.item, as the tool numbers them.")
    text = serializers.CharField(source="item.text")
    consensus = serializers.ChoiceField(
        choices=Rating.choices, allow_blank=True, source="response.consensus"
    )
    next_steps = serializers.CharField(source="response.next_steps")
    responsible = serializers.CharField(source="response.responsible")
    target_date = serializers.DateField(allow_null=True, source="response.target_date")
    resources = serializers.CharField(source="response.resources")

    class Meta:
        ref_name = "SelfAssessmentItem"


class _IngredientSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="ingredient.position")
    name = serializers.CharField(source="ingredient.name")
    average = serializers.FloatField(
        allow_null=True, help_text="Mean consensus, 4 (Strongly in Place) to 1 (Urgent Gap)."
    )
    items = _ItemSerializer(many=True, source="rows")

    class Meta:
        ref_name = "SelfAssessmentIngredient"


class _AnswerSerializer(serializers.Serializer):
    heading = serializers.CharField(source="reflection.question.heading")
    question = serializers.CharField(source="reflection.question.text")
    answer = serializers.CharField(source="text")
    is_suggestion = serializers.BooleanField(
        help_text="A draft read from the ratings that the team has not edited yet."
    )

    class Meta:
        ref_name = "SelfAssessmentReflection"


class _PrioritySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=PriorityStatus.choices)

    class Meta:
        model = Priority
        fields = ["position", "title", "resources", "key_groups", "lead", "timeline", "status"]
        ref_name = "SelfAssessmentPriority"


class SelfAssessmentListApi(DistrictApi):
    policy = READ_SELF_ASSESSMENT

    @extend_schema(operation_id="self_assessments_list", responses=_AssessmentSerializer(many=True))
    def get(self, request: Request, district_slug: str) -> Response:
        assessments = selectors.assessments_for(user=request.user).order_by("-created_at", "pk")
        return Response(_AssessmentSerializer(assessments, many=True).data)


class SelfAssessmentApi(DistrictApi):
    """One assessment: each ingredient's items with the team's consensus and next steps, the
    reflections' answers and the shared priorities."""

    policy = READ_SELF_ASSESSMENT

    class OutputSerializer(_AssessmentSerializer):
        ingredients = serializers.SerializerMethodField()
        reflections = serializers.SerializerMethodField()
        priorities = serializers.SerializerMethodField()

        class Meta(_AssessmentSerializer.Meta):
            fields = [
                *_AssessmentSerializer.Meta.fields,
                "ingredients",
                "reflections",
                "priorities",
            ]
            ref_name = "SelfAssessmentDetail"

        @extend_schema_field(_IngredientSerializer(many=True))
        def get_ingredients(self, assessment):
            sections = selectors.assessment_sections(assessment=assessment)
            return _IngredientSerializer(sections, many=True).data

        @extend_schema_field(_AnswerSerializer(many=True))
        def get_reflections(self, assessment):
            answers = selectors.reflection_answers(assessment=assessment)
            return _AnswerSerializer(answers, many=True).data

        @extend_schema_field(_PrioritySerializer(many=True))
        def get_priorities(self, assessment):
            priorities = selectors.priorities_of(assessment=assessment)
            return _PrioritySerializer(priorities, many=True).data

    @extend_schema(operation_id="self_assessment_retrieve", responses=OutputSerializer)
    def get(self, request: Request, district_slug: str, assessment_id: int) -> Response:
        assessment = get_object_or_404(
            selectors.assessments_for(user=request.user), pk=assessment_id
        )
        return Response(self.OutputSerializer(assessment).data)
