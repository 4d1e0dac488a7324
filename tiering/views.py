from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from districts.access import role_required
from districts.exports import csv_download
from districts.roles import DISTRICT_WIDE_ROLES

from . import progress, selectors, services
from .forms import ImportForm
from .models import AttendanceImport, ImportStatus, Snapshot, Standing

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
        {"form": form, "history": history, "snapshots": _band_tables(request)},
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
