from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from districts.access import role_required
from districts.exports import csv_download
from districts.roles import DISTRICT_WIDE_ROLES

from . import progress, readers, selectors, services
from .bands import BAND_KEY
from .forms import AttendanceCodesForm, ColumnMappingForm, ImportForm, ImportKindChoiceForm
from .headers import Kind
from .models import (
    AttendanceCode,
    AttendanceImport,
    ImportKind,
    ImportProfile,
    ImportStatus,
    Snapshot,
    Standing,
)

IMPORT_ROLES = tuple(DISTRICT_WIDE_ROLES)


@role_required(*IMPORT_ROLES)
def imports(request: HttpRequest, district_slug: str) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        record = services.attendance_import_create(
            district=request.district,
            uploaded_by=request.user,
            upload=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            daily_mode=form.cleaned_data["daily_mode"],
            as_of=form.cleaned_data["as_of"],
            create_schools=form.cleaned_data["create_schools"],
        )
        return redirect("tiering:import", district_slug=district_slug, import_id=record.pk)
    history = AttendanceImport.objects.for_user(request.user).select_related("uploaded_by")[:25]
    return render(
        request,
        "tiering/imports.html",
        {
            "form": form,
            "history": history,
            "snapshots": _band_tables(request),
            "band_key": BAND_KEY,
        },
    )


@role_required(*IMPORT_ROLES)
def import_detail(request: HttpRequest, district_slug: str, import_id: int) -> HttpResponse:
    record = get_object_or_404(
        AttendanceImport.objects.for_user(request.user).select_related("uploaded_by"),
        pk=import_id,
    )
    context = {
        "record": record,
        "progress": progress.read(record.pk) if not record.is_finished else None,
        "errors": record.errors[:100],
        "snapshots": _band_tables(request, source=record) if record.is_finished else [],
        "band_key": BAND_KEY,
        "unknown_codes": selectors.unknown_attendance_codes(attendance_import=record),
    }
    template = "tiering/import_detail.html"
    if request.htmx:
        template += "#import-status"
    return render(request, template, context)


@role_required(*IMPORT_ROLES)
def import_errors(request: HttpRequest, district_slug: str, import_id: int) -> HttpResponse:
    record = get_object_or_404(AttendanceImport.objects.for_user(request.user), pk=import_id)
    return csv_download(
        filename=f"import-{record.pk}-problems.csv",
        header=["row", "column", "value", "reason"],
        rows=([e["row"], e["column"], e["value"], e["reason"]] for e in record.errors),
    )


@role_required(*IMPORT_ROLES)
def import_columns(request: HttpRequest, district_slug: str, import_id: int) -> HttpResponse:
    record = _import_ended(request, import_id, ImportStatus.NEEDS_MAPPING)
    headers = readers.inspect_file(record.stored_path, filename=record.filename).headers
    kind_form = None if record.kind else ImportKindChoiceForm(request.GET or None)
    if kind_form is None:
        kind = Kind(record.kind)
    else:
        kind = kind_form.cleaned_data["kind"] if kind_form.is_valid() else None
    recognition = selectors.import_recognition(
        profiles=ImportProfile.objects.for_user(request.user), headers=headers, kind=kind
    )
    if kind_form is not None and not kind_form.is_bound:
        kind_form.initial = {"kind": recognition.kind}  # what the headers suggest, if anything
    form = None
    if recognition.kind is not None:
        form = ColumnMappingForm(
            request.POST or None,
            kind=recognition.kind,
            headers=headers,
            candidates=recognition.duplicates,
            initial=recognition.mapping,
        )
        if request.method == "POST" and form.is_valid():
            services.import_profile_save(
                district=request.district, kind=recognition.kind, column_mapping=form.mapping()
            )
            retry = services.attendance_import_retry(
                attendance_import=record, kind=recognition.kind, uploaded_by=request.user
            )
            return redirect("tiering:import", district_slug=district_slug, import_id=retry.pk)
    return render(
        request,
        "tiering/import_columns.html",
        {
            "record": record,
            "headers": headers,
            "kind": ImportKind(recognition.kind) if recognition.kind else None,
            "kind_form": kind_form,
            "form": form,
        },
    )


@role_required(*IMPORT_ROLES)
def import_codes(request: HttpRequest, district_slug: str, import_id: int) -> HttpResponse:
    record = _import_ended(request, import_id, ImportStatus.FAILED)
    codes = selectors.unknown_attendance_codes(attendance_import=record)
    if not codes:
        raise Http404("This import did not stop on attendance codes.")
    form = AttendanceCodesForm(request.POST or None, codes=codes)
    if request.method == "POST" and form.is_valid():
        services.attendance_codes_define(district=request.district, codes=form.definitions())
        retry = services.attendance_import_retry(
            attendance_import=record, kind=Kind(record.kind), uploaded_by=request.user
        )
        return redirect("tiering:import", district_slug=district_slug, import_id=retry.pk)
    meanings = selectors.attendance_code_meanings(
        codes=AttendanceCode.objects.for_user(request.user)
    )
    return render(
        request,
        "tiering/import_codes.html",
        {"record": record, "form": form, "meanings": meanings},
    )


def _import_ended(request: HttpRequest, import_id: int, status: ImportStatus) -> AttendanceImport:
    """The user's import if it ended with ``status``; any other has nothing to settle on the
    page asking (404, as for imports of other districts)."""
    return get_object_or_404(
        AttendanceImport.objects.for_user(request.user), pk=import_id, status=status
    )


def _band_tables(request: HttpRequest, source: AttendanceImport | None = None) -> list:
    snapshots = Snapshot.objects.for_user(request.user)
    if source is not None:
        origin = source.duplicate_of if source.status == ImportStatus.DUPLICATE else source
        snapshots = snapshots.filter(source_import=origin)
    standings = Standing.objects.for_user(request.user)
    return [
        (snapshot, selectors.band_table(snapshot=snapshot, standings=standings))
        for snapshot in selectors.latest_snapshots(snapshots=snapshots)
    ]
