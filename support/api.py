"""Student support's REST operations (design.md §2): a student's Caring Conversations, plan
and interventions, read as the student's page reads them (in the access record), and new
conversations and interventions recorded as the page's forms record them: by district
administrators for every school, principals and attendance teams for the students now at
their schools; the cabinet reads."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from districts.api_access import DistrictApi, form_data, json_object
from districts.audit import audit_record
from districts.models import AuditAction
from districts.roles import READ_STUDENT_SUPPORT, RECORD_STUDENT_SUPPORT
from partners.models import Tier
from tiering.models import Student

from . import selectors, services
from .forms import ConversationForm, InterventionForm
from .models import (
    AttendancePlan,
    CaringConversation,
    ConversationWith,
    InterventionStatus,
    StudentIntervention,
)


def _student(request: Request, student_id: int) -> Student:
    """As the student's support section: every student of the district for district roles,
    those now at their schools for school roles (the records follow a student who moves)."""
    return get_object_or_404(
        Student.objects.for_user(request.user).select_related("school", "district"), pk=student_id
    )


class _ConversationSerializer(serializers.ModelSerializer):
    with_whom = serializers.ChoiceField(choices=ConversationWith.choices)
    reasons = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CaringConversation
        fields = [
            "id",
            "held_on",
            "staff",
            "with_whom",
            "learn",
            "share",
            "inform",
            "discuss",
            "plan_agreed",
            "reasons",
        ]
        ref_name = "CaringConversation"


class _PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttendancePlan
        fields = [
            "conversation",
            "steps",
            "school_support",
            "my_family",
            "everyday_helpers",
            "occasional_helpers",
            "potential_helpers",
            "next_check_in",
            "check_in_by",
        ]
        ref_name = "AttendancePlan"


class _InterventionSerializer(serializers.ModelSerializer):
    tier = serializers.ChoiceField(choices=Tier.choices)
    status = serializers.ChoiceField(choices=InterventionStatus.choices)

    class Meta:
        model = StudentIntervention
        fields = [
            "id",
            "school",
            "intervention",
            "tier",
            "reason",
            "owner",
            "starts_on",
            "ends_on",
            "status",
            "note",
            "partner_entry",
            "referred_on",
        ]
        ref_name = "StudentIntervention"


class StudentSupportApi(DistrictApi):
    """The student's support records: conversations, attendance and learning plan (none
    yet: null) and interventions, newest first."""

    policy = READ_STUDENT_SUPPORT

    class OutputSerializer(serializers.Serializer):
        conversations = _ConversationSerializer(many=True)
        plan = _PlanSerializer(allow_null=True)
        interventions = _InterventionSerializer(many=True)

        class Meta:
            ref_name = "StudentSupport"

    @extend_schema(operation_id="student_support_retrieve", responses=OutputSerializer)
    def get(self, request: Request, district_slug: str, student_id: int) -> Response:
        student = _student(request, student_id)
        records = {
            "conversations": selectors.conversations(
                user=request.user, student=student
            ).prefetch_related("reasons"),
            "plan": selectors.plan_of(user=request.user, student=student),
            "interventions": selectors.interventions(user=request.user, student=student),
        }
        audit_record(
            request,
            action=AuditAction.VIEW,
            model=Student,
            ids=[student.pk],
            purpose="API: student support (conversations, plan, interventions)",
        )
        return Response(self.OutputSerializer(records).data)


class _ConversationInputSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    staff = serializers.IntegerField(
        help_text="A district administrator, or a principal or attendance-team member of the "
        "student's school."
    )
    with_whom = serializers.ChoiceField(choices=ConversationWith.choices)
    learn = serializers.CharField(required=False, allow_blank=True)
    share = serializers.CharField(required=False, allow_blank=True)
    inform = serializers.CharField(required=False, allow_blank=True)
    discuss = serializers.CharField(required=False, allow_blank=True)
    plan_agreed = serializers.CharField(required=False, allow_blank=True)
    reasons = serializers.ListField(child=serializers.IntegerField(), required=False)

    class Meta:
        ref_name = "CaringConversationInput"


class ConversationCreateApi(DistrictApi):
    """A Caring Conversation held with the student, as the page's form records it."""

    policy = RECORD_STUDENT_SUPPORT

    @extend_schema(
        operation_id="student_conversation_create",
        request=_ConversationInputSerializer,
        responses={201: _ConversationSerializer},
    )
    def post(self, request: Request, district_slug: str, student_id: int) -> Response:
        student = _student(request, student_id)
        form = ConversationForm(json_object(request), student=student)
        form_data(form)
        conversation = services.caring_conversation_create(
            student=student, fields=form.conversation_fields(), recorded_by=request.user
        )
        return Response(_ConversationSerializer(conversation).data, status=status.HTTP_201_CREATED)


class _InterventionInputSerializer(serializers.Serializer):
    intervention = serializers.IntegerField()
    tier = serializers.ChoiceField(
        choices=Tier.choices,
        required=False,
        allow_blank=True,
        help_text="Interventions for a reason for absence have no tier of their own.",
    )
    reason = serializers.IntegerField(required=False, allow_null=True)
    owner = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=InterventionStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True)
    partner_entry = serializers.IntegerField(
        required=False, allow_null=True, help_text="A referral to a partner of the registry."
    )
    referred_on = serializers.DateField(required=False, allow_null=True)

    class Meta:
        ref_name = "StudentInterventionInput"


class InterventionCreateApi(DistrictApi):
    """An intervention for the student (with a referral to a partner, if any), as the page's
    form records it."""

    policy = RECORD_STUDENT_SUPPORT

    @extend_schema(
        operation_id="student_intervention_create",
        request=_InterventionInputSerializer,
        responses={201: _InterventionSerializer},
    )
    def post(self, request: Request, district_slug: str, student_id: int) -> Response:
        student = _student(request, student_id)
        form = InterventionForm(json_object(request), student=student)
        form_data(form)
        item = services.student_intervention_create(
            student=student, fields=form.intervention_fields(), created_by=request.user
        )
        return Response(_InterventionSerializer(item).data, status=status.HTTP_201_CREATED)
