"""The partner registry's REST operations (design.md §2): the List of Partners read as the
registry page reads it, written as its form writes it (district administrators, and partner
staff for their own organisation's entries), and the registry as HSDS JSON, as the page's
export builds it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from districts.api_access import DistrictApi, form_data, json_object
from districts.audit import audit_record
from districts.models import AuditAction, School
from districts.roles import (
    EDIT_PARTNER_ENTRIES,
    EXPORT_PARTNER_REGISTRY,
    READ_PARTNER_REGISTRY,
    Role,
)

from . import selectors, services
from .forms import ENTRY_SCALARS, PartnerEntryForm, RegistryFilterForm
from .models import PartnerEntry, PartnerOrganization, PartnerType, Tier, is_stale


class _OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartnerOrganization
        fields = ["id", "name", "partner_type"]
        ref_name = "PartnerOrganization"


class _EntrySerializer(serializers.ModelSerializer):
    """A row of the List of Partners; schools, reasons and interventions by id (an entry
    naming no school serves every school)."""

    organization = _OrganizationSerializer()
    tiers = serializers.ListField(child=serializers.ChoiceField(choices=Tier.choices))
    schools = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    reasons = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    interventions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    stale = serializers.SerializerMethodField(help_text="Not updated in 12 months.")

    class Meta:
        model = PartnerEntry
        fields = [
            "id",
            "organization",
            *ENTRY_SCALARS,
            "last_updated",
            "stale",
            "schools",
            "tiers",
            "reasons",
            "interventions",
        ]
        ref_name = "PartnerEntry"

    def get_stale(self, entry: PartnerEntry) -> bool:
        return is_stale(entry.last_updated, self.context["today"])


class _EntryInputSerializer(serializers.Serializer):
    """What the entry form asks (the API validates with the form itself)."""

    organization = serializers.IntegerField(
        required=False, help_text="Partner staff leave it out: their entries are their own."
    )
    contact_name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    provided = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    served = serializers.CharField(max_length=200)
    time_period = serializers.CharField(max_length=200, required=False, allow_blank=True)
    established_by_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    established_by_email = serializers.EmailField(required=False, allow_blank=True)
    established_by_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    schools = serializers.ListField(child=serializers.IntegerField(), required=False)
    tiers = serializers.ListField(
        child=serializers.ChoiceField(choices=Tier.choices), required=False
    )
    reasons = serializers.ListField(child=serializers.IntegerField(), required=False)
    interventions = serializers.ListField(child=serializers.IntegerField(), required=False)

    class Meta:
        ref_name = "PartnerEntryInput"


def _own_organization(api: DistrictApi) -> PartnerOrganization | None:
    """Partner staff's organisation (their entries are its entries); None for staff."""
    if api.membership.role != Role.PARTNER_STAFF:
        return None
    organization = selectors.organization_of(user=api.request.user)
    if organization is None:
        raise PermissionDenied(
            "Your account is not linked to a partner organisation yet. Ask the district "
            "administrator who invited you to link it."
        )
    return organization


def _entry_form(api: DistrictApi, request: Request) -> tuple[PartnerEntryForm, object]:
    own = _own_organization(api)
    form = PartnerEntryForm(
        json_object(request),
        organizations=PartnerOrganization.objects.for_user(request.user),
        schools=School.objects.for_user(request.user),
        fixed_organization=own is not None,
    )
    return form, own


def _entry_response(api: DistrictApi, entry_id: int, code: int = status.HTTP_200_OK) -> Response:
    entry = get_object_or_404(selectors.entry_details(user=api.request.user), pk=entry_id)
    data = _EntrySerializer(entry, context={"today": api.district.today()}).data
    return Response(data, status=code)


class PartnerEntryListApi(DistrictApi):
    """GET: the registry's entries (partner staff: their organisation's), filtered as the
    registry page filters. POST: a new entry, as the entry form adds one."""

    policy = READ_PARTNER_REGISTRY
    write_policy = EDIT_PARTNER_ENTRIES

    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, max_length=100, help_text="Search words.")
        partner_type = serializers.ChoiceField(choices=PartnerType.choices, required=False)
        school = serializers.IntegerField(required=False)
        reason = serializers.IntegerField(required=False)
        tier = serializers.ChoiceField(choices=Tier.choices, required=False)
        status = serializers.ChoiceField(choices=["stale", "current"], required=False)

    @extend_schema(
        operation_id="partner_entries_list",
        parameters=[InputSerializer],
        responses=_EntrySerializer(many=True),
    )
    def get(self, request: Request, district_slug: str) -> Response:
        today = self.district.today()
        form = RegistryFilterForm(
            request.query_params, schools=School.objects.for_user(request.user)
        )
        filters = form_data(form)
        entries = selectors.partner_entries(
            user=request.user,
            today=today,
            query=filters["q"],
            partner_type=filters["partner_type"],
            school=filters["school"],
            reason=filters["reason"],
            tier=filters["tier"],
            status=filters["status"],
        )
        return Response(_EntrySerializer(entries, many=True, context={"today": today}).data)

    @extend_schema(
        operation_id="partner_entries_create",
        request=_EntryInputSerializer,
        responses={201: _EntrySerializer},
    )
    def post(self, request: Request, district_slug: str) -> Response:
        form, own = _entry_form(self, request)
        data = form_data(form)
        entry = services.partner_entry_create(
            district=self.district,
            organization=own or data["organization"],
            fields=form.entry_fields(),
            changed_by=request.user,
        )
        return _entry_response(self, entry.pk, status.HTTP_201_CREATED)


class PartnerEntryApi(DistrictApi):
    """GET: one entry. PUT: the whole entry again, as its edit form saves it (it is then
    marked as updated today)."""

    policy = READ_PARTNER_REGISTRY
    write_policy = EDIT_PARTNER_ENTRIES

    @extend_schema(operation_id="partner_entry_retrieve", responses=_EntrySerializer)
    def get(self, request: Request, district_slug: str, entry_id: int) -> Response:
        return _entry_response(self, entry_id)

    @extend_schema(
        operation_id="partner_entry_update",
        request=_EntryInputSerializer,
        responses=_EntrySerializer,
    )
    def put(self, request: Request, district_slug: str, entry_id: int) -> Response:
        entry = get_object_or_404(selectors.entry_details(user=request.user), pk=entry_id)
        form, own = _entry_form(self, request)
        data = form_data(form)
        services.partner_entry_update(
            entry=entry,
            fields=form.entry_fields(),
            organization=None if own else data["organization"],
            changed_by=request.user,
        )
        return _entry_response(self, entry.pk)


class PartnerRegistryHsdsApi(DistrictApi):
    """The registry as an Open Referral HSDS 3.0 document, as the page's HSDS export."""

    policy = EXPORT_PARTNER_REGISTRY

    @extend_schema(operation_id="partner_registry_hsds", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, district_slug: str) -> Response:
        entries = list(selectors.entry_details(user=request.user))
        document = services.partner_registry_export_hsds(
            district=self.district, entries=entries, exported_at=timezone.now()
        )
        audit_record(
            request,
            action=AuditAction.EXPORT,
            model=PartnerEntry,
            ids=[e.pk for e in entries],
            purpose="API: partner registry (HSDS JSON)",
        )
        return Response(document)
