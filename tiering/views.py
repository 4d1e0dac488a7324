from __future__ import annotations

import html
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, QuerySet, Window
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_format
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from districts.access import role_required
from districts.audit import audit_record
from districts.exports import csv_download, pdf_download, xlsx_download
from districts.models import AuditAction, School
from districts.replica import reads_from_replica
from districts.roles import (
    EDIT_ATTENDANCE_RULES,
    IMPORT_ATTENDANCE,
    READ_DISTRICT_ATTENDANCE,
    READ_STUDENT_ATTENDANCE,
    RUN_RECOMPUTE,
)

from . import (
    charts,
    list_columns,
    list_pdf,
    list_selection,
    progress,
    readers,
    recompute,
    selectors,
    services,
    student_sections,
    tasks,
)
from .bands import BAND_KEY, CHRONIC_BANDS, RATED_BANDS, Band
from .forms import (
    SECOND_RULE_SET_MINIMUM_DAYS,
    AttendanceCodeForm,
    AttendanceCodesForm,
    ColumnMappingForm,
    ImportConfirmForm,
    ImportForm,
    ImportKindChoiceForm,
    RecomputeScheduleForm,
    RuleSetForm,
    TieredListForm,
)
from .guidance import CARING_CONVERSATIONS, TIERS, tiers_for
from .models import (
    AttendanceCode,
    AttendanceDay,
    AttendanceImport,
    AttendanceSummary,
    ImportProfile,
    ImportStatus,
    RecomputeRun,
    RecomputeTrigger,
    RuleSet,
    Snapshot,
    Standing,
    Student,
)

PAGE_SIZE = 50
EXPORT_FORMATS = ("csv", "xlsx", "pdf")


@role_required(IMPORT_ATTENDANCE)
def imports(request: HttpRequest, district_slug: str) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.attendance_import_create(
                district=request.district,
                uploaded_by=request.user,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                daily_mode=form.cleaned_data["daily_mode"],
                as_of=form.cleaned_data["as_of"],
                create_schools=form.cleaned_data["create_schools"],
                # Checked and previewed first: nothing is written until someone confirms.
                coverage=None,
            )
        except readers.ImportValidationError as refused:
            form.add_error("file", str(refused))
            # Nothing was imported, but a refused file (a zip bomb, a PDF of student records)
            # is an attempt the district's administrators should be able to see.
            audit_record(
                request,
                action=AuditAction.CHANGE,
                model=AttendanceImport,
                count=0,
                purpose=f"Upload refused, nothing imported: {refused}",
            )
        else:
            tasks.attendance_import_queue(attendance_import=record)
            audit_record(
                request,
                action=AuditAction.CHANGE,
                model=AttendanceImport,
                ids=[record.pk],
                purpose=f"Uploaded {record.filename} for import",
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
        status=422 if form.errors else 200,
    )


@role_required(IMPORT_ATTENDANCE)
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
        "confirm_form": _confirm_form(record),
    }
    template = "tiering/import_detail.html"
    if request.htmx:
        template += "#import-status"
    return render(request, template, context)


def _confirm_form(record: AttendanceImport, data=None) -> ImportConfirmForm | None:
    if record.status != ImportStatus.PREVIEWED:
        return None
    return ImportConfirmForm(data, asks=record.preview.get("asks", False))


@role_required(IMPORT_ATTENDANCE)
@require_POST
def import_confirm(request: HttpRequest, district_slug: str, import_id: int) -> HttpResponse:
    """The go-ahead for a checked file, with what it means for the students it leaves out."""
    record = _import_ended(request, import_id, ImportStatus.PREVIEWED)
    form = _confirm_form(record, request.POST)
    if not form.is_valid():
        context = {"record": record, "errors": [], "snapshots": [], "band_key": BAND_KEY}
        context |= {"unknown_codes": [], "confirm_form": form}
        return render(request, "tiering/import_detail.html", context, status=422)
    confirmed = services.attendance_import_confirm(
        attendance_import=record, coverage=form.chosen_coverage
    )
    tasks.attendance_import_queue(attendance_import=confirmed)
    audit_record(
        request,
        action=AuditAction.CHANGE,
        model=AttendanceImport,
        ids=[record.pk],
        purpose=f"Confirmed the import of {record.filename}: {form.chosen_coverage.label}",
    )
    return redirect("tiering:import", district_slug=district_slug, import_id=record.pk)


@role_required(IMPORT_ATTENDANCE)
def import_errors(request: HttpRequest, district_slug: str, import_id: int) -> HttpResponse:
    record = get_object_or_404(AttendanceImport.objects.for_user(request.user), pk=import_id)
    audit_record(
        request,
        action=AuditAction.EXPORT,
        model=AttendanceImport,
        ids=[record.pk],
        count=len(record.errors),
        purpose=f"Problems of import {record.pk} (CSV), which quote the file's values",
    )
    return csv_download(
        filename=f"import-{record.pk}-problems.csv",
        header=["row", "column", "value", "reason"],
        rows=([e["row"], e["column"], e["value"], e["reason"]] for e in record.errors),
    )


@role_required(IMPORT_ATTENDANCE)
def import_columns(request: HttpRequest, district_slug: str, import_id: int) -> HttpResponse:
    record = _import_ended(request, import_id, ImportStatus.NEEDS_MAPPING)
    headers = readers.inspect_file(record.stored_path, filename=record.filename).headers
    kind = record.known_kind
    kind_form = None if kind else ImportKindChoiceForm(request.GET or None)
    if kind_form is not None and kind_form.is_valid():
        kind = kind_form.cleaned_data["kind"]
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
            tasks.attendance_import_queue(attendance_import=retry)
            return redirect("tiering:import", district_slug=district_slug, import_id=retry.pk)
    return render(
        request,
        "tiering/import_columns.html",
        {
            "record": record,
            "headers": headers,
            "kind": recognition.kind,
            "kind_form": kind_form,
            "form": form,
        },
    )


@role_required(IMPORT_ATTENDANCE)
def import_codes(request: HttpRequest, district_slug: str, import_id: int) -> HttpResponse:
    record = _import_ended(request, import_id, ImportStatus.FAILED)
    codes = selectors.unknown_attendance_codes(attendance_import=record)
    if not codes:
        raise Http404("This import did not stop on attendance codes.")
    form = AttendanceCodesForm(request.POST or None, codes=codes)
    if request.method == "POST" and form.is_valid():
        services.attendance_codes_define(district=request.district, codes=form.definitions())
        retry = services.attendance_import_retry(
            attendance_import=record, kind=record.known_kind, uploaded_by=request.user
        )
        tasks.attendance_import_queue(attendance_import=retry)
        return redirect("tiering:import", district_slug=district_slug, import_id=retry.pk)
    meanings = selectors.attendance_code_meanings(
        codes=AttendanceCode.objects.for_user(request.user)
    )
    return render(
        request,
        "tiering/import_codes.html",
        {"record": record, "form": form, "meanings": meanings},
    )


@role_required(IMPORT_ATTENDANCE)
@require_POST
def import_again(request: HttpRequest, district_slug: str, import_id: int) -> HttpResponse:
    """Runs the kept file of an import that something other than the file stopped."""
    record = _import_ended(request, import_id, ImportStatus.FAILED)
    if not record.stopped_short:
        raise Http404("This import stopped on problems in its file: correct them and upload it.")
    retry = services.attendance_import_retry(
        attendance_import=record,
        kind=record.known_kind,
        uploaded_by=request.user,
    )
    tasks.attendance_import_queue(attendance_import=retry)
    audit_record(
        request,
        action=AuditAction.CHANGE,
        model=AttendanceImport,
        ids=[retry.pk],
        purpose=f"Imported {record.filename} again after import {record.pk} stopped",
    )
    return redirect("tiering:import", district_slug=district_slug, import_id=retry.pk)


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
        for snapshot in selectors.current_snapshots(snapshots=snapshots)
    ]


# --- Principals' and cabinet's pages ---------------------------------------------------------


def attendance_home_panel(request: HttpRequest) -> str | None:
    """The district home's answer to "how is attendance?" for everyone who reads students'
    bands: the chronic absence rate and its change (the district's, or a principal's one
    school's), then each school's students per band, linked to its tiered list."""
    if request.membership.role not in READ_STUDENT_ATTENDANCE:
        return None
    snapshots = Snapshot.objects.for_user(request.user)
    standings = Standing.objects.for_user(request.user)
    snapshot = selectors.current_snapshot(snapshots=snapshots)
    context = {"snapshot": snapshot, "band_key": BAND_KEY}
    if snapshot is not None:
        rows = selectors.school_rows(standings=standings, snapshot=snapshot)
        district_wide = not request.membership.is_school_role
        # A school role reads only its own schools: its headline is its school's, when it has
        # one; with several, each school's row says it.
        school = rows[0].school if not district_wide and len(rows) == 1 else None
        context |= {
            "rows": rows,
            "headline_school": school,
            "comparison": selectors.comparison(
                standings=standings, snapshots=snapshots, snapshot=snapshot, school=school
            )
            if district_wide or school
            else None,
        }
    return render_to_string("tiering/_home_panel.html", context, request=request)


@role_required(READ_STUDENT_ATTENDANCE)
@reads_from_replica
def schools(request: HttpRequest, district_slug: str) -> HttpResponse:
    visible = School.objects.for_user(request.user).order_by("name")
    if request.membership.is_school_role and len(visible) == 1:
        return redirect("tiering:school", district_slug=district_slug, school_id=visible[0].pk)
    snapshot = selectors.current_snapshot(snapshots=Snapshot.objects.for_user(request.user))
    rows = (
        selectors.school_rows(standings=Standing.objects.for_user(request.user), snapshot=snapshot)
        if snapshot
        else []
    )
    return render(
        request,
        "tiering/schools.html",
        {
            "snapshot": snapshot,
            "rows": rows,
            "schools": visible,
            "band_key": BAND_KEY,
        },
    )


# No savepoint of its own (ATOMIC_REQUESTS) inside the tenant context's transaction, which
# already holds the page's reads and its access record, and is rolled back if the page fails:
# two statements fewer on every list page.
@transaction.non_atomic_requests
@role_required(READ_STUDENT_ATTENDANCE)
@reads_from_replica
def school(request: HttpRequest, district_slug: str, school_id: int) -> HttpResponse:
    school = get_object_or_404(School.objects.for_user(request.user), pk=school_id)
    snapshots = Snapshot.objects.for_user(request.user)
    standings = Standing.objects.for_user(request.user)
    current = selectors.current_snapshots(snapshots=snapshots)
    snapshot = selectors.current_snapshot_among(
        current, rule_set_id=list_selection.rule_set_id(request.GET)
    )
    if snapshot is None:
        return render(request, "tiering/no_snapshot.html", {"school": school}, status=200)
    listed = list_selection.tiered_list(
        request, school=school, snapshot=snapshot, params=request.GET
    )
    form, previous, rows = listed.form, listed.previous, listed.rows
    export = request.GET.get("format")
    if export in EXPORT_FORMATS:
        return _tiered_list_export(request, export, school, snapshot, previous, form, rows)
    page = list_page(rows, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    listed = _list_rows(request, school, snapshot, page.object_list)
    audit_record(
        request,
        action=AuditAction.VIEW,
        model=Student,
        ids=[row["student"].pk for row in listed],
        purpose=f"Tiered list of {school.name}",
    )
    # What the apps above tiering do with students chosen here (list_columns.ListAction).
    actions = list_columns.actions_for(request, school)
    choosing = any(open_action.targets for open_action in actions)
    cells = _ListCells(choosing=choosing, district_slug=request.district.slug)
    for row in listed:
        row["cells"] = cells.html(row)
    context = {
        "school": school,
        "snapshot": snapshot,
        "previous": previous,
        "rule_sets": current,
        # The figures above the list are the snapshot's and are cached rendered
        # (figures_version): they are worked out only when the page renders them.
        "figures_version": selectors.figures_version(snapshot),
        "last_year_snapshot": SimpleLazyObject(
            lambda: selectors.last_year_snapshot(snapshots=snapshots, snapshot=snapshot)
        ),
        "comparison": SimpleLazyObject(
            lambda: selectors.comparison(
                standings=standings, snapshots=snapshots, snapshot=snapshot, school=school
            )
        ),
        "chart": SimpleLazyObject(
            lambda: charts.trend_chart(
                selectors.trend(
                    standings=standings, snapshots=snapshots, snapshot=snapshot, school=school
                )
            )
        ),
        "change_counts": SimpleLazyObject(
            lambda: _change_counts(standings, snapshot, previous, school)
        ),
        "form": form,
        "filtered": any(v not in ("", None, "percent") for v in _all_filters(form).values()),
        "page": page,
        "rows": listed,
        "extra_columns": list_columns.columns(),
        "actions": actions,
        "choosing": choosing,
        "query": query.urlencode(),
        "band_key": BAND_KEY,
        "tiers": TIERS,
        "caring_conversations": CARING_CONVERSATIONS,
        "chronic_bands": CHRONIC_BANDS,
    }
    template = "tiering/school.html"
    if request.htmx and request.htmx.target == "tiered-list":
        template += "#tiered-list"
    return render(request, template, context)


def list_page(rows: QuerySet[Standing], number: str | None) -> Page:
    """The list's page `number`, as Paginator(rows, PAGE_SIZE).get_page(number) gives it (the
    first page for a number that is none, the last for one past the end), with the count of
    every row read in the statement that reads the page's rows (COUNT(*) OVER ()): counted
    apart, the count cost nearly as much as the page's rows, since both join every student of
    the school (bench page_latency's addresses, a 1,678-student school, at load 4: 34 ms p50
    and 94 ms p95 for the two statements, 19 and 48 ms for the one). A page with no rows is
    counted apart, to find the last one."""
    paginator = Paginator(rows, PAGE_SIZE)
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 1
    if wanted >= 1:
        start = (wanted - 1) * PAGE_SIZE
        found = list(rows.annotate(listed=Window(Count("*")))[start : start + PAGE_SIZE])
        if found:
            paginator.count = found[0].listed
            return Page(found, wanted, paginator)
    return paginator.get_page(number)


def _change_counts(standings, snapshot, previous, school) -> dict[str, int]:
    if previous is None:
        return {}
    return {
        change: selectors.tiered_students(
            standings=standings,
            snapshot=snapshot,
            previous=previous,
            school=school,
            filters=selectors.ListFilters(change=change),
        ).count()
        for change in (selectors.ListChange.NEWLY_CHRONIC, selectors.ListChange.IMPROVED)
    }


LIST_HEADER = [
    "Student",
    "Student ID",
    "Grade",
    "Days enrolled",
    "Days absent",
    "Excused",
    "Unexcused",
    "Suspension",
    "Percent missed",
    "Days in a 180-day year",
    "Band",
    "Band at previous snapshot",
    "Enrollment",
]


def _list_rows(request: HttpRequest, school, snapshot, standings) -> list[dict]:
    standings = list(standings)
    left = selectors.transfer_dates(
        days=AttendanceDay.objects.for_user(request.user),
        school=school,
        snapshot=snapshot,
        student_ids=[s.student_id for s in standings if s.transferred_out],
    )
    # What the apps above tiering show beside each student: a query per app, not per row.
    extra = list_columns.cells_for(request, [s.student_id for s in standings])
    return [
        _list_row(standing, left) | {"extra": extra[standing.student_id]} for standing in standings
    ]


def _transfer_note(standing: Standing, left: dict) -> str:
    """ "Transferred out on Oct 14, 2026" for a student whose latest enrollment is at another
    school (the day is their last daily record here; summary totals carry none)."""
    if not standing.transferred_out:
        return ""
    day = left.get(standing.student_id)
    return f"Transferred out on {day:%b %-d, %Y}" if day else "Transferred out"


def _list_row(standing: Standing, left: dict) -> dict:
    percent = standing.percent
    return {
        "transfer": _transfer_note(standing, left),
        "standing": standing,
        "student": standing.student,
        "percent": None if percent is None else percent.quantize(selectors.Decimal("0.1")),
        "year_days": selectors.school_year_days(percent),
        "band": Band(standing.band),
        "previous_band": Band(standing.previous_band) if standing.previous_band else None,
        "worse": selectors.is_worse(standing.band, standing.previous_band),
    }


def _escaped(value) -> str:
    """What django.utils.html.escape gives, as a plain string: the same stdlib escaping,
    without escape()'s lazy-string check and SafeString per call (the list's rows make 750
    calls a page; the row's markup is marked safe once, whole)."""
    return html.escape(str(value))


class _ListCells:
    """The tiered list's rows, their cells as the page shows them. Built here rather than in
    the template: the template language spent most of the page's time on its 50 rows' 2,000
    lookups and filters; the markup is the same. Written with plain string formatting and
    escaping, each row's link and each day count worked out once per page: with Django's
    format_html, reverse() and floatformat per cell, the 50 rows still took 8 ms."""

    def __init__(self, *, choosing: bool, district_slug: str):
        self.choosing = choosing
        # "/d/<slug>/attendance/students/", to which each row adds its student's id and "/".
        self.student_path = reverse(
            "tiering:student", kwargs={"district_slug": district_slug, "student_id": 0}
        ).removesuffix("0/")
        self._numbers: dict = {}
        self._grades: dict = {}

    def _number(self, value) -> str:
        """floatformat(value, "-2"), once per value: a page's students share most counts."""
        if value not in self._numbers:
            self._numbers[value] = floatformat(value, "-2")
        return self._numbers[value]

    def _grade(self, standing: Standing) -> str:
        if standing.grade not in self._grades:
            self._grades[standing.grade] = _escaped(standing.get_grade_display() or "—")
        return self._grades[standing.grade]

    def html(self, row: dict) -> SafeString:
        standing, student = row["standing"], row["student"]
        first, last = _escaped(student.first_name), _escaped(student.last_name)
        cells = []
        if self.choosing:
            cells.append(
                f'<td class="choose" data-label="Choose"><input type="checkbox" name="student"'
                f' value="{student.pk}" form="list-action-form" aria-label="Choose {first}'
                f' {last}"></td>'
            )
        transfer = (
            f' <span class="transferred">{_escaped(row["transfer"])}</span>'
            if row["transfer"]
            else ""
        )
        cells.append(
            f'<th scope="row"><a href="{_escaped(self.student_path)}{student.pk}/">{last},'
            f' {first}</a> <span class="muted">{_escaped(student.sis_id)}</span>{transfer}</th>'
            f'<td data-label="Grade">{self._grade(standing)}</td>'
            f'<td data-label="Days enrolled" class="num">{self._number(standing.days_enrolled)}'
            "</td>"
        )
        split = []
        if standing.excused is not None:
            split.append(f"{self._number(standing.excused)} excused")
        if standing.unexcused is not None:
            split.append(f" · {self._number(standing.unexcused)} unexcused")
        if standing.suspension:
            split.append(f" · {self._number(standing.suspension)} suspension")
        has_split = any(
            value is not None
            for value in (standing.excused, standing.unexcused, standing.suspension)
        )
        percent, year_days = row["percent"], row["year_days"]
        band, previous = row["band"], row["previous_band"]
        if previous:
            worse = '<strong class="worse">▲ worse</strong> — ' if row["worse"] else ""
            shown = f"{worse}{_escaped(previous.label)}"
        else:
            shown = '<span class="muted">not in the previous snapshot</span>'
        split_html = f'<span class="split">{"".join(split)}</span>' if has_split else ""
        cells.append(
            f'<td data-label="Days absent" class="num">{self._number(standing.days_absent)}'
            f"{split_html}</td>"
            f'<td data-label="Percent missed" class="num">'
            f"{'—' if percent is None else f'{percent}%'}</td>"
            f'<td data-label="In a 180-day year" class="num">'
            f"{'—' if year_days is None else f'{year_days} days'}</td>"
            f'<td data-label="Band"><span class="swatch band-{_escaped(band.value)}"'
            f' aria-hidden="true"></span>{_escaped(band.label)}</td>'
            f'<td data-label="Previous band">{shown}</td>'
        )
        for column, cell in row["extra"]:
            flag = f' <strong class="flag">{_escaped(cell.flag)}</strong>' if cell.flag else ""
            cells.append(
                f'<td data-label="{_escaped(column.heading)}">{_escaped(cell.text)}{flag}</td>'
            )
        return mark_safe("".join(cells))  # noqa: S308 — every value in it is escaped


def _export_values(row: dict) -> list:
    standing, student = row["standing"], row["student"]
    name = f"{student.last_name}, {student.first_name}".strip(", ")
    return [
        name,
        student.sis_id,
        standing.get_grade_display() if standing.grade is not None else "",
        standing.days_enrolled,
        standing.days_absent,
        standing.excused,
        standing.unexcused,
        standing.suspension,
        row["percent"],
        row["year_days"],
        row["band"].label,
        row["previous_band"].label if row["previous_band"] else "",
        row["transfer"] or selectors.Enrollment.LABELS[selectors.Enrollment.ENROLLED],
        *list_columns.export_values(row["extra"]),
    ]


def _tiered_list_export(request, export, school, snapshot, previous, form, rows) -> HttpResponse:
    listed = _list_rows(request, school, snapshot, rows)
    stem = f"{school.sis_code}-students-{snapshot.as_of:%Y-%m-%d}"
    audit_record(
        request,
        action=AuditAction.EXPORT,
        model=Student,
        ids=[row["student"].pk for row in listed],
        purpose=f"Tiered list of {school.name} ({export.upper()})",
    )
    if export == "pdf":
        html = render_to_string(
            "tiering/school_pdf.html",
            {
                "school": school,
                "snapshot": snapshot,
                "previous": previous,
                "rows": listed,
                "filters": _filter_summary(form),
                **list_pdf.context(listed),
            },
            request=request,
        )
        return pdf_download(filename=f"{stem}.pdf", html=html)
    values = [_export_values(row) for row in listed]
    header = [*LIST_HEADER, *list_columns.export_header()]
    if export == "xlsx":
        return xlsx_download(
            filename=f"{stem}.xlsx", sheet="Tiered list", header=header, rows=values
        )
    return csv_download(filename=f"{stem}.csv", header=header, rows=values)


def _all_filters(form: TieredListForm) -> dict:
    return form.filters() | form.extension_filters()


def _flat_choices(choices) -> dict:
    """{value: label}, with the choices of grouped options (a reason within its family)."""
    flat = {}
    for value, label in choices:
        if isinstance(label, list | tuple):
            flat.update(label)
        else:
            flat[value] = label
    return flat


def _filter_summary(form: TieredListForm) -> list[str]:
    """The filters in words, for the printed list: "Band: Severe Chronic Absence", …"""
    summary = []
    for name, value in _all_filters(form).items():
        if value in ("", None) or name == "sort":
            continue
        field = form.fields[name]
        choices = _flat_choices(getattr(field, "choices", []))
        if isinstance(value, bool):
            shown = "Yes" if value else "No"
        else:
            shown = choices.get(value, choices.get(str(value), value))
        summary.append(f"{field.label}: {shown}")
    return summary


@role_required(READ_STUDENT_ATTENDANCE)
@reads_from_replica
def student(request: HttpRequest, district_slug: str, student_id: int) -> HttpResponse:
    standings = Standing.objects.for_user(request.user)
    # A school role reaches a student through a standing at one of its schools, which also
    # covers a student who has since moved to another school.
    visible = Student.objects.for_user(request.user).filter(pk=student_id).exists()
    if not visible and not standings.filter(student_id=student_id).exists():
        raise Http404("No such student.")
    student = get_object_or_404(Student.objects.select_related("school"), pk=student_id)
    snapshot = selectors.current_snapshot(snapshots=Snapshot.objects.for_user(request.user))
    history = selectors.band_history(standings=standings, student_id=student.pk)
    months, patterns = ([], None)
    if snapshot is not None:
        year = snapshot.school_year
        months, patterns = selectors.absence_calendar(
            days=AttendanceDay.objects.for_user(request.user).filter(student_id=student.pk),
            first_day=year.first_day,
            last_day=min(year.last_day, snapshot.as_of),
        )
    current = next(
        (s for s in history if s.snapshot_id == (snapshot.pk if snapshot else None)), None
    )
    audit_record(
        request,
        action=AuditAction.VIEW,
        model=Student,
        ids=[student.pk],
        purpose="Student attendance: band history and absence calendar",
    )
    return render(
        request,
        "tiering/student.html",
        {
            "student": student,
            "snapshot": snapshot,
            "current": current,
            "history": [_history_row(s) for s in history],
            "months": months,
            "patterns": patterns,
            "band_key": BAND_KEY,
            "tiers": _tiers_for(current),
            "caring_conversations": CARING_CONVERSATIONS,
            "sections": student_sections.render_for(request, student),
        },
    )


def _tiers_for(current: Standing | None) -> list:
    if current is None or current.band == Band.NOT_YET_RATED:
        return []
    return tiers_for(Band(current.band))


def _history_row(standing: Standing) -> dict:
    percent = (
        standing.days_absent * 100 / standing.days_enrolled if standing.days_enrolled else None
    )
    return {
        "standing": standing,
        "percent": None if percent is None else percent.quantize(selectors.Decimal("0.1")),
        "year_days": selectors.school_year_days(percent),
        "band": Band(standing.band),
    }


@role_required(READ_DISTRICT_ATTENDANCE)
@reads_from_replica
def dashboard(request: HttpRequest, district_slug: str) -> HttpResponse:
    snapshots = Snapshot.objects.for_user(request.user)
    standings = Standing.objects.for_user(request.user)
    current = selectors.current_snapshots(snapshots=snapshots)
    snapshot = selectors.current_snapshot_among(
        current, rule_set_id=list_selection.rule_set_id(request.GET)
    )
    today = request.district.today()

    def freshness() -> list[selectors.Freshness]:
        return selectors.data_freshness(
            schools=School.objects.for_user(request.user),
            days=AttendanceDay.objects.for_user(request.user),
            summaries=AttendanceSummary.objects.for_user(request.user),
            today=today,
            snapshot=snapshot,
        )

    if snapshot is None:
        fresh = freshness()
        context = {
            "snapshot": None,
            "freshness": fresh,
            "freshness_rows": _freshness_rows(fresh),
            "figures_version": selectors.figures_version(None),
            "today": today,
        }
        return render(request, "tiering/dashboard.html", context)

    def tables() -> tuple[list[selectors.BandRow], dict[str, list[selectors.GroupRow]]]:
        school_rows = selectors.school_rows(standings=standings, snapshot=snapshot)
        groups = selectors.breakdowns(standings=standings, snapshot=snapshot)
        selectors.with_history(
            standings=standings,
            snapshots=snapshots,
            snapshot=snapshot,
            school_rows_now=school_rows,
            groups_now=groups,
        )
        return school_rows, groups

    export = request.GET.get("export", "")
    if export and request.GET.get("format") in ("csv", "xlsx"):
        school_rows, groups = tables()
        return _dashboard_export(request, snapshot, export, school_rows, groups, freshness())

    def drawn_tables() -> tuple[list[selectors.BandRow], list]:
        school_rows, groups = tables()
        schools_page = reverse("tiering:schools", kwargs={"district_slug": request.district.slug})
        for row in school_rows:
            _draw_history_row(row, link=_school_link(schools_page, row.school))
        for row in (row for rows in groups.values() for row in rows):
            _draw_history_row(row, link=None)
        return school_rows, [(d, groups[d.key]) for d in selectors.DIMENSIONS]

    # What the page's cached fragments show (figures_version) is worked out only when one of
    # them renders it: a request whose fragments are cached reads the snapshot and no figures.
    drawn = SimpleLazyObject(drawn_tables)
    fresh = SimpleLazyObject(freshness)
    side_by_side = (
        [(s, selectors.band_counts(standings=standings, snapshot=s, school=None)) for s in current]
        if len(current) > 1
        else []
    )
    context = {
        "snapshot": snapshot,
        "rule_sets": current,
        "side_by_side": side_by_side,
        # The primary rule set and the others in adjacent columns, school by school.
        "rule_set_rows": selectors.rule_sets_side_by_side(standings=standings, snapshots=current)
        if len(current) > 1
        else [],
        "comparison": SimpleLazyObject(
            lambda: selectors.comparison(
                standings=standings, snapshots=snapshots, snapshot=snapshot, school=None
            )
        ),
        "chart": SimpleLazyObject(
            lambda: charts.trend_chart(
                selectors.trend(
                    standings=standings, snapshots=snapshots, snapshot=snapshot, school=None
                )
            )
        ),
        "school_rows": SimpleLazyObject(lambda: drawn[0]),
        "breakdowns": SimpleLazyObject(lambda: drawn[1]),
        "freshness": fresh,
        "freshness_rows": SimpleLazyObject(lambda: _freshness_rows(fresh)),
        "stale_count": SimpleLazyObject(lambda: sum(1 for f in fresh if f.stale)),
        "band_key": BAND_KEY,
        "figures_version": selectors.figures_version(snapshot),
        "today": today,
    }
    return render(request, "tiering/dashboard.html", context)


def _freshness_rows(freshness: list[selectors.Freshness]) -> list[SafeString]:
    """The cells of each school's line in the dashboard's data freshness table, as its
    template wrote them (`last_date|date:"M j, Y"|default:"No data yet"`): hundreds of schools
    took ~30 ms of a cold dashboard through the template language, and share few dates."""
    dates: dict[date, str] = {}
    rows = []
    for f in freshness:
        if f.last_date is None:
            last = "No data yet"
        elif (last := dates.get(f.last_date)) is None:
            last = dates[f.last_date] = date_format(f.last_date, "M j, Y")
        status = (
            '<strong class="worse">⚠ Older than the biweekly cycle</strong>'
            if f.stale
            else "Current"
        )
        rows.append(
            mark_safe(  # noqa: S308 — the school's name escaped, a date and fixed words
                f'<th scope="row">{escape(f.school.name)}</th><td>{last}</td><td>{status}</td>'
            )
        )
    return rows


def _school_link(schools_page: str, school: School) -> str:
    """The school's page (tiering:school), under the schools page: reversed once for a
    dashboard's hundreds of schools rather than once per school (976 reverses took ~45 ms of
    a cold dashboard)."""
    return f"{schools_page}{school.pk}/"


def _percent_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate}%"


def _cells(values) -> str:
    return "".join(f'<td class="num">{value}</td>' for value in values)


def _draw_history_row(row: selectors.BandRow, *, link: str | None) -> None:
    """A dashboard row with its history (with_history), drawn: its sparkline, and the cells of
    its line in the table and in the table of figures behind the trends, as
    tiering/_group_table.html would render them with `history` (`row.html`, `row.trend_html`).
    Built here because the template language took most of a cold dashboard's second over
    hundreds of rows; the markup is the same. Numbers and dates are written as they are (they
    hold nothing to escape); names and labels are escaped: string building rather than
    format_html for each cell took a cold dashboard's ~1,000 rows from ~140 ms to ~40 ms."""
    row.sparkline = spark = charts.sparkline(row.trend)
    name = escape(row.school.name if row.school else row.label)
    heading = f'<a href="{escape(link)}">{name}</a>' if link else name
    change = row.change_since_last_year
    if change is None:
        against = (
            '<span aria-hidden="true">—</span><span class="visually-hidden">No figure last'
            " year</span>"
        )
    else:
        against = (
            f'<span class="{"worse" if change > 0 else "better" if change < 0 else ""}">'
            f"{f'▲ +{change}' if change > 0 else f'▼ {change}' if change < 0 else '0.0'}"
            '</span><span class="visually-hidden"> points</span><br>'
            f'<small class="muted">from {row.last_year.chronic_percent}%</small>'
        )
    if spark:
        label = escape(spark.label)
        trend = (
            f'<svg class="sparkline" viewBox="0 0 {spark.width} {spark.height}"'
            f' width="{spark.width}" height="{spark.height}" role="img" aria-label="{label}">'
            f'<title>{label}</title><polyline class="trend-this-year" points="{spark.path}"'
            f' fill="none"/><circle class="trend-this-year" cx="{spark.last_x}"'
            f' cy="{spark.last_y}" r="2"/></svg>'
        )
    else:
        trend = '<span class="muted">one point so far</span>'
    row.html = mark_safe(  # noqa: S308 — built of escaped names and of numbers
        f'<th scope="row">{heading}</th><td class="num">{_percent_text(row.chronic_percent)}'
        f'</td><td class="num">{against}</td><td>{trend}</td>'
        f'{_cells(n for _, n in row.cells())}<td class="num">{row.total}</td>'
    )
    row.trend_html = mark_safe(  # noqa: S308 — built of escaped names and of numbers
        f'<th scope="row">{name}</th>{_cells(_percent_text(rate) for _, rate in row.trend)}'
    )


GROUP_HEADER = [
    *(band.label for band in (*RATED_BANDS, Band.NOT_YET_RATED)),
    "Students",
    "Chronically absent",
    "Chronic absence rate (%)",
    "Rate at the same point of last year (%)",
    "Change against last year (points)",
]


def _group_values(label: str, row) -> list:
    return [
        label,
        *(n for _, n in row.cells()),
        row.total,
        row.chronic,
        row.chronic_percent,
        row.last_year.chronic_percent if row.last_year else None,
        row.change_since_last_year,
    ]


def _dashboard_export(request, snapshot, export, school_rows, groups, freshness) -> HttpResponse:
    stem = f"{request.district.slug}-{export}-{snapshot.as_of:%Y-%m-%d}"
    if export == "schools":
        header = ["School", *GROUP_HEADER]
        rows = [_group_values(row.school.name, row) for row in school_rows]
    elif export == "freshness":
        header = ["School", "Last date with attendance data", "Older than the biweekly cycle"]
        rows = [[f.school.name, f.last_date, f.stale] for f in freshness]
    else:
        dimension = next((d for d in selectors.DIMENSIONS if d.key == export), None)
        if dimension is None:
            raise Http404("No such table.")
        header = [dimension.label, *GROUP_HEADER]
        rows = [_group_values(row.label, row) for row in groups[dimension.key]]
    audit_record(
        request,
        action=AuditAction.EXPORT,
        model=Snapshot,
        ids=[snapshot.pk],
        count=len(rows),
        purpose=f"District attendance by {export} ({request.GET['format'].upper()}), counts only",
    )
    if request.GET["format"] == "xlsx":
        return xlsx_download(filename=f"{stem}.xlsx", sheet=export, header=header, rows=rows)
    return csv_download(filename=f"{stem}.csv", header=header, rows=rows)


# --- The district's attendance rules (district administrators) -----------------------------


def _rule_set_initial(rule_set: RuleSet) -> dict:
    return {
        "name": rule_set.name,
        "minimum_days_enrolled": rule_set.minimum_days_enrolled,
        "count_in_school_suspension": rule_set.count_in_school_suspension,
        "partial_day_fraction": rule_set.partial_day_fraction,
    }


def _rule_set_prefix(rule_set: RuleSet) -> str:
    # The district's own rule set is saved for the first time under "primary".
    return f"rs{rule_set.pk}" if rule_set.pk else "primary"


def _rules_page(request: HttpRequest, *, bound: dict | None = None, status: int = 200):
    """The rules page; ``bound`` holds the one form that was posted with mistakes."""
    bound = bound or {}
    rule_sets = selectors.rule_sets(user=request.user, district=request.district)
    context = {
        "rule_set_forms": [
            (
                rs,
                bound.get(_rule_set_prefix(rs))
                or RuleSetForm(initial=_rule_set_initial(rs), prefix=_rule_set_prefix(rs)),
            )
            for rs in rule_sets
        ],
        "new_rule_set_form": bound.get("new")
        or RuleSetForm(
            initial={
                "minimum_days_enrolled": SECOND_RULE_SET_MINIMUM_DAYS,
                "partial_day_fraction": "0.50",
            },
            prefix="new",
        ),
        "code_form": bound.get("code") or AttendanceCodeForm(),
        "meanings": selectors.attendance_code_meanings(
            codes=AttendanceCode.objects.for_user(request.user)
        ),
    }
    return render(request, "tiering/rules.html", context, status=status)


@role_required(EDIT_ATTENDANCE_RULES)
def rules(request: HttpRequest, district_slug: str) -> HttpResponse:
    return _rules_page(request)


@role_required(EDIT_ATTENDANCE_RULES)
@require_POST
def rule_set_save(request: HttpRequest, district_slug: str, rule_set_id: int | None = None):
    if rule_set_id:
        rule_set = get_object_or_404(RuleSet.objects.for_user(request.user), pk=rule_set_id)
    elif "primary-name" in request.POST:
        rule_set = selectors.rule_sets(user=request.user, district=request.district)[0]
    else:
        rule_set = None
    key = _rule_set_prefix(rule_set) if rule_set else "new"
    form = RuleSetForm(request.POST, prefix=key)
    if form.is_valid():
        try:
            saved = services.rule_set_save(
                district=request.district, rule_set=rule_set, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"“{saved.name}” saved. It applies from the next import; snapshots already "
                "taken keep their bands.",
            )
            return redirect("tiering:rules", district_slug=district_slug)
    return _rules_page(request, bound={key: form}, status=422)


@role_required(EDIT_ATTENDANCE_RULES)
@require_POST
def attendance_code_save(request: HttpRequest, district_slug: str) -> HttpResponse:
    form = AttendanceCodeForm(request.POST)
    if form.is_valid():
        code = form.cleaned_data["code"]
        services.attendance_codes_define(
            district=request.district,
            codes={code: (form.cleaned_data["category"], form.cleaned_data["absent_fraction"])},
        )
        messages.success(request, f"“{code}” now means {form.cleaned_data['category'].label}.")
        return redirect("tiering:rules", district_slug=district_slug)
    return _rules_page(request, bound={"code": form}, status=422)


@role_required(EDIT_ATTENDANCE_RULES)
@require_POST
def attendance_code_delete(request: HttpRequest, district_slug: str, code_id: int):
    code = get_object_or_404(AttendanceCode.objects.for_user(request.user), pk=code_id)
    services.attendance_code_delete(district=request.district, code=code)
    messages.success(
        request, f"“{code.code}” removed. A file using it again will ask what it means."
    )
    return redirect("tiering:rules", district_slug=district_slug)


@role_required(RUN_RECOMPUTE)
def recompute_page(request: HttpRequest, district_slug: str) -> HttpResponse:
    """When the district's bands were and will be recomputed, how each run went, and the
    schedule."""
    state = recompute.overview(
        district=request.district,
        now=timezone.now(),
        runs=RecomputeRun.objects.for_user(request.user),
    )
    form = RecomputeScheduleForm(
        request.POST or None,
        initial={"anchor": state.schedule.anchor, "interval_days": state.schedule.interval_days},
    )
    if request.method == "POST" and form.is_valid():
        recompute.schedule_update(district=request.district, **form.cleaned_data)
        messages.success(request, "Schedule saved.")
        return redirect("tiering:recompute", district_slug=district_slug)
    template = "tiering/recompute.html"
    if request.htmx:
        template += "#recompute-runs"
    return render(request, template, {"state": state, "form": form})


@role_required(RUN_RECOMPUTE)
@require_POST
def recompute_now(request: HttpRequest, district_slug: str) -> HttpResponse:
    run = recompute.run_request(district=request.district, requested_by=request.user)
    tasks.recompute_run_queue(run=run)
    messages.success(
        request, "Recompute queued. This page shows its progress and outcome as it runs."
    )
    return redirect("tiering:recompute", district_slug=district_slug)


@role_required(RUN_RECOMPUTE)
@require_POST
def digest_now(request: HttpRequest, district_slug: str) -> HttpResponse:
    run = recompute.run_request(
        district=request.district, requested_by=request.user, trigger=RecomputeTrigger.DIGEST
    )
    tasks.recompute_run_queue(run=run)
    messages.success(
        request,
        "Digest queued: every principal gets it in the app and by email, compared with the "
        "previous digest. This page shows when it has gone out.",
    )
    return redirect("tiering:recompute", district_slug=district_slug)
