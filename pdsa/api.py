"""PDSA cycles' REST operations (design.md §2): the worksheets read as the pages read them
(staff every cycle they may see, a school role its schools', partner staff the cycles naming
their organisation), and cycles started, their worksheet saved and moved along Plan → Do →
Study → Act as the pages do it, by whoever may run the cycle. No participant: they are
student data, on the participants page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from districts.api_access import DistrictApi, form_data, json_object
from districts.models import School
from districts.roles import DISTRICT_WIDE_ROLES, READ_PDSA_CYCLES, RUN_PDSA_CYCLES
from districts.tenancy import current_tenant
from partners.models import PartnerEntry

from . import selectors, services
from .forms import CycleCreateForm, WorksheetForm
from .models import ActDecision, Cycle, CycleStatus, LearningQuestion, PlanStep


class _QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = LearningQuestion
        fields = ["id", "position", "text", "prediction", "data_to_collect", "result"]
        ref_name = "PdsaLearningQuestion"


class _StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanStep
        fields = ["id", "position", "text", "owner"]
        ref_name = "PdsaPlanStep"


WORKSHEET = [name for name in services.WORKSHEET_FIELDS if name != "title"]


class _CycleSerializer(serializers.ModelSerializer):
    """A cycle's worksheet, what it is linked to, its stored counts (no student), and what the
    reader does with it (context "access": selectors.cycles_access of the cycles, asked once
    for them all)."""

    status = serializers.ChoiceField(choices=CycleStatus.choices)
    act_decision = serializers.ChoiceField(choices=ActDecision.choices, allow_blank=True)
    schools = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    reasons = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    interventions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    partner_entries = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    questions = _QuestionSerializer(many=True, read_only=True)
    steps = _StepSerializer(many=True, read_only=True)
    names_other_schools = serializers.SerializerMethodField(
        help_text="The cycle also names schools that are not in `schools` because the reader "
        "does not read them (a principal or school team reads its own schools only); false for "
        "roles that read every school a cycle names."
    )
    may_run = serializers.SerializerMethodField(
        help_text="The reader may run the cycle (PUT its worksheet, advance it): district "
        "administrators and the cabinet any cycle, a principal or school team a cycle naming "
        "its own schools and no other."
    )

    class Meta:
        model = Cycle
        fields = [
            "id",
            "change_idea",
            "number",
            "title",
            *WORKSHEET,
            "status",
            "act_decision",
            "schools",
            "names_other_schools",
            "may_run",
            "reasons",
            "interventions",
            "partner_entries",
            "questions",
            "steps",
            "reached",
            "sessions_planned",
            "sessions_held",
            "completed_all",
            "created_at",
            "updated_at",
        ]
        ref_name = "PdsaCycle"

    def get_names_other_schools(self, cycle: Cycle) -> bool:
        return self.context["access"][cycle.pk].names_other_schools

    def get_may_run(self, cycle: Cycle) -> bool:
        return self.context["access"][cycle.pk].may_run


def _cycle_response(request: Request, cycle_id: int, code: int = status.HTTP_200_OK) -> Response:
    cycle = get_object_or_404(selectors.cycle_details(user=request.user), pk=cycle_id)
    context = {"access": {cycle.pk: selectors.cycle_access(ctx=current_tenant(), cycle=cycle)}}
    return Response(_CycleSerializer(cycle, context=context).data, status=code)


def _runnable_cycle(request: Request, cycle_id: int) -> Cycle:
    cycle = get_object_or_404(selectors.cycle_details(user=request.user), pk=cycle_id)
    if not selectors.cycle_access(ctx=current_tenant(), cycle=cycle).may_run:
        raise PermissionDenied("Your role reads this cycle and does not run it.")
    return cycle


class _CycleCreateSerializer(serializers.Serializer):
    start_from = serializers.CharField(
        help_text='"blank", or "template-<id>" to copy a template word for word.'
    )
    title = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Default: the template's."
    )
    schools = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="None: a district-wide cycle (district administrators and the cabinet).",
    )

    class Meta:
        ref_name = "PdsaCycleCreate"


class CycleListApi(DistrictApi):
    """GET: the cycles the reader may see, newest change idea first, each ramp in order,
    optionally of one school. POST: cycle 1 of a new change idea, as the page starts one."""

    policy = READ_PDSA_CYCLES
    write_policy = RUN_PDSA_CYCLES

    class InputSerializer(serializers.Serializer):
        school = serializers.IntegerField(required=False)

    @extend_schema(
        operation_id="pdsa_cycles_list",
        parameters=[InputSerializer],
        responses=_CycleSerializer(many=True),
    )
    def get(self, request: Request, district_slug: str) -> Response:
        query = self.InputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        school = None
        if "school" in query.validated_data:
            school = get_object_or_404(
                School.objects.for_user(request.user), pk=query.validated_data["school"]
            )
        listed = selectors.cycles_for(user=request.user, school=school).prefetch_related(
            "questions",
            "steps",
            "reasons",
            "interventions",
            # Partner staff see only their own organisation's entries among those named.
            Prefetch(
                "partner_entries",
                queryset=PartnerEntry.objects.for_user(request.user).select_related("organization"),
            ),
        )
        cycles = list(listed)
        named = {cycle.pk: selectors.schools_read(cycle) for cycle in cycles}
        access = selectors.cycles_access(ctx=current_tenant(), school_ids=named)
        return Response(_CycleSerializer(cycles, many=True, context={"access": access}).data)

    @extend_schema(
        operation_id="pdsa_cycles_create",
        request=_CycleCreateSerializer,
        responses={201: _CycleSerializer},
    )
    def post(self, request: Request, district_slug: str) -> Response:
        form = CycleCreateForm(
            json_object(request),
            schools=School.objects.for_user(request.user),
            district_wide=self.membership.role in DISTRICT_WIDE_ROLES,
        )
        data = form_data(form)
        cycle = services.cycle_create(
            district=self.district,
            created_by=request.user,
            schools=data["schools"],
            title=data["title"],
            template=form.template,
        )
        return _cycle_response(request, cycle.pk, status.HTTP_201_CREATED)


class _WorksheetSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    testers = serializers.CharField(max_length=300, required=False, allow_blank=True)
    idea = serializers.CharField(required=False, allow_blank=True)
    first_day = serializers.DateField(required=False, allow_null=True)
    last_day = serializers.DateField(required=False, allow_null=True)
    planned_days = serializers.IntegerField(min_value=1)
    test_notes = serializers.CharField(required=False, allow_blank=True)
    goal = serializers.CharField(required=False, allow_blank=True)
    driver = serializers.CharField(required=False, allow_blank=True)
    do_text = serializers.CharField(required=False, allow_blank=True)
    schools = serializers.ListField(child=serializers.IntegerField(), required=False)
    reasons = serializers.ListField(child=serializers.IntegerField(), required=False)
    interventions = serializers.ListField(child=serializers.IntegerField(), required=False)
    partner_entries = serializers.ListField(child=serializers.IntegerField(), required=False)

    class Meta:
        ref_name = "PdsaWorksheet"


class CycleApi(DistrictApi):
    """GET: one cycle's worksheet. PUT: the whole worksheet again, as the edit page saves
    it (the Act's description is written with its decision)."""

    policy = READ_PDSA_CYCLES
    write_policy = RUN_PDSA_CYCLES

    @extend_schema(operation_id="pdsa_cycle_retrieve", responses=_CycleSerializer)
    def get(self, request: Request, district_slug: str, cycle_id: int) -> Response:
        return _cycle_response(request, cycle_id)

    @extend_schema(
        operation_id="pdsa_cycle_update", request=_WorksheetSerializer, responses=_CycleSerializer
    )
    def put(self, request: Request, district_slug: str, cycle_id: int) -> Response:
        cycle = _runnable_cycle(request, cycle_id)
        form = WorksheetForm(
            json_object(request),
            instance=cycle,
            schools=School.objects.for_user(request.user),
            partner_entries=PartnerEntry.objects.for_user(request.user),
        )
        data = form_data(form)
        services.cycle_update(cycle=cycle, worksheet=form.worksheet())
        services.cycle_links_set(
            cycle=cycle,
            schools=data["schools"],
            reasons=data["reasons"],
            interventions=data["interventions"],
            partner_entries=data["partner_entries"],
        )
        return _cycle_response(request, cycle.pk)


class CycleAdvanceApi(DistrictApi):
    """Moves the cycle one step along Plan → Do → Study → Act, with the page's rules (the
    test starts only once every learning question has its prediction)."""

    policy = RUN_PDSA_CYCLES

    class InputSerializer(serializers.Serializer):
        to = serializers.ChoiceField(choices=CycleStatus.choices)

        class Meta:
            ref_name = "PdsaAdvance"

    @extend_schema(
        operation_id="pdsa_cycle_advance", request=InputSerializer, responses=_CycleSerializer
    )
    def post(self, request: Request, district_slug: str, cycle_id: int) -> Response:
        cycle = _runnable_cycle(request, cycle_id)
        step = self.InputSerializer(data=json_object(request))
        step.is_valid(raise_exception=True)
        services.cycle_advance(cycle=cycle, to=CycleStatus(step.validated_data["to"]))
        return _cycle_response(request, cycle.pk)
