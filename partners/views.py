from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from districts.access import role_required
from districts.audit import audit_record
from districts.exports import csv_download, xlsx_download
from districts.models import AuditAction, School
from districts.roles import (
    EDIT_PARTNER_ENTRIES,
    EXPORT_PARTNER_REGISTRY,
    MANAGE_PARTNER_REGISTRY,
    READ_PARTNER_COVERAGE,
    READ_PARTNER_REGISTRY,
    Role,
)

from . import selectors, services
from .forms import (
    CoverageFilterForm,
    HsdsImportForm,
    PartnerEntryForm,
    PartnerOrganizationForm,
    RegistryFilterForm,
    StaffInviteForm,
)
from .models import PartnerEntry, PartnerOrganization, PartnerStaffLink, is_stale

EXPORT_HEADER = [
    "Name of partner",
    "Partner type",
    "Contact name",
    "Contact email",
    "Contact phone",
    "What is being provided?",
    "Who is being served?",
    "Time period of partnership",
    "Established by (name)",
    "Established by (email)",
    "Established by (phone)",
    "Last updated on",
    "Status",
    "Schools served",
    "Tiers served",
    "Reasons for absence addressed",
    "Interventions offered",
]
STALE_LABEL = "Not updated in 12 months"


def _partner_org(request: HttpRequest) -> PartnerOrganization | None:
    if request.membership.role != Role.PARTNER_STAFF:
        return None
    organization = selectors.organization_of(user=request.user)
    if organization is None:
        raise PermissionDenied(
            "Your account is not linked to a partner organisation yet. Ask the district "
            "administrator who invited you to link it."
        )
    return organization


def _entry_for(request: HttpRequest, entry_id: int) -> PartnerEntry:
    """The entry if the user may see it; 404 for other districts' and other partners'."""
    return get_object_or_404(selectors.entry_details(user=request.user), pk=entry_id)


@role_required(READ_PARTNER_REGISTRY)
def registry(request: HttpRequest, district_slug: str) -> HttpResponse:
    today = request.district.today()
    schools = School.objects.for_user(request.user)
    form = RegistryFilterForm(request.GET or None, schools=schools)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.partner_entries(
        user=request.user,
        today=today,
        query=filters.get("q", ""),
        partner_type=filters.get("partner_type", ""),
        school=filters.get("school"),
        reason=filters.get("reason"),
        tier=filters.get("tier", ""),
        status=filters.get("status", ""),
    )
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        return _export(request, entries, today, export)
    role = request.membership.role
    partner_organization = None
    if role == Role.PARTNER_STAFF:
        partner_organization = selectors.organization_of(user=request.user)
    unlinked = role == Role.PARTNER_STAFF and partner_organization is None
    rows = [(entry, is_stale(entry.last_updated, today)) for entry in entries]
    context = {
        "form": form,
        "rows": rows,
        "counts": selectors.registry_counts(user=request.user, today=today),
        "partner_organization": partner_organization,
        "unlinked": unlinked,
        "can_add": role in EDIT_PARTNER_ENTRIES and not unlinked,
        "can_export_hsds": role in EXPORT_PARTNER_REGISTRY,
        "can_manage": role in MANAGE_PARTNER_REGISTRY,
        "export_query": request.GET.urlencode(),
    }
    template = "partners/registry.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


def _export(request, entries, today, export: str) -> HttpResponse:
    entries = list(entries)
    audit_record(
        request,
        action=AuditAction.EXPORT,
        model=PartnerEntry,
        ids=[e.pk for e in entries],
        purpose=f"List of partners ({export.upper()})",
    )
    rows = (
        [
            e.organization.name,
            e.organization.get_partner_type_display(),
            e.contact_name,
            e.contact_email,
            e.contact_phone,
            e.provided,
            e.served,
            e.time_period,
            e.established_by_name,
            e.established_by_email,
            e.established_by_phone,
            e.last_updated,
            STALE_LABEL if is_stale(e.last_updated, today) else "Current",
            "; ".join(s.name for s in e.schools.all()) or "All schools",
            ", ".join(e.tier_labels()),
            "; ".join(r.name for r in e.reasons.all()),
            "; ".join(i.name for i in e.interventions.all()),
        ]
        for e in entries
    )
    name = f"{request.district.slug}-partners-{today.isoformat()}"
    if export == "xlsx":
        return xlsx_download(
            filename=f"{name}.xlsx", sheet="List of Partners", header=EXPORT_HEADER, rows=rows
        )
    return csv_download(filename=f"{name}.csv", header=EXPORT_HEADER, rows=rows)


@role_required(READ_PARTNER_REGISTRY)
def entry_detail(request: HttpRequest, district_slug: str, entry_id: int) -> HttpResponse:
    entry = _entry_for(request, entry_id)
    return render(
        request,
        "partners/entry_detail.html",
        {
            "entry": entry,
            "stale": is_stale(entry.last_updated, request.district.today()),
            "can_edit": request.membership.role in EDIT_PARTNER_ENTRIES,
            "can_manage": request.membership.role in MANAGE_PARTNER_REGISTRY,
            "recent_changes": selectors.entry_history(user=request.user, entry=entry)[:3],
        },
    )


def _entry_form(request: HttpRequest, *, initial=None) -> PartnerEntryForm:
    own = _partner_org(request)
    return PartnerEntryForm(
        request.POST or None,
        initial=initial,
        organizations=PartnerOrganization.objects.for_user(request.user),
        schools=School.objects.for_user(request.user),
        fixed_organization=own is not None,
    )


@role_required(EDIT_PARTNER_ENTRIES)
def entry_create(request: HttpRequest, district_slug: str) -> HttpResponse:
    own = _partner_org(request)
    form = _entry_form(request, initial={"organization": request.GET.get("organization")})
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.partner_entry_create(
                district=request.district,
                organization=own or form.cleaned_data["organization"],
                fields=form.entry_fields(),
                changed_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Added {entry}.")
            return redirect("partners:entry", district_slug=district_slug, entry_id=entry.pk)
    return render(
        request, "partners/entry_form.html", {"form": form, "entry": None, "organization": own}
    )


@role_required(EDIT_PARTNER_ENTRIES)
def entry_edit(request: HttpRequest, district_slug: str, entry_id: int) -> HttpResponse:
    entry = _entry_for(request, entry_id)
    own = _partner_org(request)
    form = _entry_form(request, initial=PartnerEntryForm.initial_for(entry))
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_entry_update(
                entry=entry,
                fields=form.entry_fields(),
                organization=None if own else form.cleaned_data["organization"],
                changed_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved {entry}; it is marked as updated today.")
            return redirect("partners:entry", district_slug=district_slug, entry_id=entry.pk)
    return render(
        request,
        "partners/entry_form.html",
        {"form": form, "entry": entry, "organization": own or entry.organization},
    )


@require_POST
@role_required(EDIT_PARTNER_ENTRIES)
def entry_confirm(request: HttpRequest, district_slug: str, entry_id: int) -> HttpResponse:
    entry = _entry_for(request, entry_id)
    services.partner_entry_confirm(entry=entry, changed_by=request.user)
    messages.success(request, f"Confirmed {entry} is still current.")
    return redirect("partners:entry", district_slug=district_slug, entry_id=entry.pk)


@require_POST
@role_required(MANAGE_PARTNER_REGISTRY)
def entry_delete(request: HttpRequest, district_slug: str, entry_id: int) -> HttpResponse:
    entry = _entry_for(request, entry_id)
    label = str(entry)
    services.partner_entry_delete(entry=entry, changed_by=request.user)
    messages.success(request, f"Removed {label}. Its history stays in the registry's changes.")
    return redirect("partners:registry", district_slug=district_slug)


@role_required(READ_PARTNER_REGISTRY)
def entry_history(request: HttpRequest, district_slug: str, entry_id: int) -> HttpResponse:
    entry = _entry_for(request, entry_id)
    return render(
        request,
        "partners/history.html",
        {"entry": entry, "changes": selectors.entry_history(user=request.user, entry=entry)},
    )


@role_required(READ_PARTNER_REGISTRY)
def history(request: HttpRequest, district_slug: str) -> HttpResponse:
    return render(
        request,
        "partners/history.html",
        {"entry": None, "changes": selectors.district_history(user=request.user)[:200]},
    )


@role_required(MANAGE_PARTNER_REGISTRY)
def organizations(request: HttpRequest, district_slug: str) -> HttpResponse:
    form = PartnerOrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.partner_organization_create(
                district=request.district, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Added {organization}. Now add what it provides.")
            return redirect(
                f"{_url('partners:entry_create', district_slug)}?organization={organization.pk}"
            )
    orgs = PartnerOrganization.objects.for_user(request.user)
    return render(
        request,
        "partners/organizations.html",
        {
            "form": form,
            "organizations": selectors.organizations_with_staff(user=request.user),
            "invite_form": StaffInviteForm(organizations=orgs),
        },
    )


def _url(name: str, district_slug: str) -> str:
    return reverse(name, kwargs={"district_slug": district_slug})


@role_required(EDIT_PARTNER_ENTRIES)
def organization_edit(request: HttpRequest, district_slug: str, org_id: int) -> HttpResponse:
    organization = get_object_or_404(PartnerOrganization.objects.for_user(request.user), pk=org_id)
    initial = {
        f: getattr(organization, f)
        for f in ("name", "partner_type", "description", "website", "email")
    }
    form = PartnerOrganizationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_organization_update(organization=organization, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved {organization}.")
            return redirect("partners:registry", district_slug=district_slug)
    return render(
        request, "partners/organization_form.html", {"form": form, "organization": organization}
    )


@role_required(MANAGE_PARTNER_REGISTRY)
def staff_invite(request: HttpRequest, district_slug: str) -> HttpResponse:
    form = StaffInviteForm(
        request.POST or None, organizations=PartnerOrganization.objects.for_user(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            link = services.partner_staff_invite(
                district=request.district,
                organization=form.cleaned_data["organization"],
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                invited_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Invited {link.membership.user.email} to keep {link.organization}'s entries "
                "current. They have been emailed a link to sign in.",
            )
            return redirect("partners:organizations", district_slug=district_slug)
    return render(request, "partners/staff_invite.html", {"form": form})


@require_POST
@role_required(MANAGE_PARTNER_REGISTRY)
def staff_remove(request: HttpRequest, district_slug: str, link_id: int) -> HttpResponse:
    link = get_object_or_404(
        PartnerStaffLink.objects.for_user(request.user).select_related("membership__user"),
        pk=link_id,
    )
    email = link.membership.user.email
    services.partner_staff_remove(link=link)
    messages.success(request, f"{email} no longer has access to {request.district}.")
    return redirect("partners:organizations", district_slug=district_slug)


@role_required(READ_PARTNER_COVERAGE)
def coverage(request: HttpRequest, district_slug: str) -> HttpResponse:
    form = CoverageFilterForm(request.GET or None)
    family = form.cleaned_data["family"] if form.is_valid() else ""
    today = request.district.today()
    gap_map = selectors.coverage_map(user=request.user, family=family)
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        header = ["Root cause", "Reason for absence", *(s.name for s in gap_map.schools)]
        rows = [
            [
                family_label,
                row.reason.name,
                *(
                    "; ".join(e.organization.name for e in cell.entries) or "No partner"
                    for cell in row.cells
                ),
            ]
            for family_label, _tagline, family_rows in gap_map.families
            for row in family_rows
        ]
        name = f"{request.district.slug}-partner-coverage-{today.isoformat()}"
        if export == "xlsx":
            return xlsx_download(
                filename=f"{name}.xlsx", sheet="Partner coverage", header=header, rows=rows
            )
        return csv_download(filename=f"{name}.csv", header=header, rows=rows)
    context = {
        "form": form,
        "map": gap_map,
        "today": today,
        "stale_ids": {
            e.pk for e in PartnerEntry.objects.for_user(request.user).stale(today).only("pk")
        },
        "counts": selectors.registry_counts(user=request.user, today=today),
        "export_query": request.GET.urlencode(),
    }
    template = "partners/coverage.html"
    if request.htmx:
        template += "#matrix"
    return render(request, template, context)


@role_required(EXPORT_PARTNER_REGISTRY)
def hsds_export(request: HttpRequest, district_slug: str) -> HttpResponse:
    entries = list(selectors.entry_details(user=request.user))
    document = services.partner_registry_export_hsds(
        district=request.district, entries=entries, exported_at=timezone.now()
    )
    audit_record(
        request,
        action=AuditAction.EXPORT,
        model=PartnerEntry,
        ids=[e.pk for e in entries],
        purpose="Partner registry (HSDS JSON)",
    )
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json"
    )
    filename = f"{request.district.slug}-partners-hsds-{request.district.today().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(MANAGE_PARTNER_REGISTRY)
def hsds_import(request: HttpRequest, district_slug: str) -> HttpResponse:
    form = HsdsImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = services.partner_registry_import_hsds(
                district=request.district,
                raw=form.cleaned_data["file"].read(),
                changed_by=request.user,
            )
        except services.HsdsImportError as error:
            errors = error.errors
        else:
            messages.success(
                request,
                f"Imported: {result.organizations_created} new partners, "
                f"{result.entries_created} new entries, {result.entries_updated} updated, "
                f"{result.entries_unchanged} already up to date.",
            )
            return redirect("partners:registry", district_slug=district_slug)
    return render(request, "partners/hsds_import.html", {"form": form, "errors": errors})
