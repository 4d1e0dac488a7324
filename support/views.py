from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from districts.access import role_required
from districts.audit import audit_record
from districts.exports import csv_download, xlsx_download
from districts.models import AuditAction, School
from districts.roles import STAFF_ROLES, Role
from partners.selectors import district_today, organization_of
from tiering.bands import BAND_KEY, RATED_BANDS, Band
from tiering.models import Snapshot, Standing, Student
from tiering.reports import current_snapshot

from . import reports
from .models import ReferralTally

# A caseload is the people who own interventions and check-ins: those who may record them.
CASELOAD_ROLES = (Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_TEAM)
SUMMARY_ROLES = tuple(STAFF_ROLES)
DOWNLOADS = ("csv", "xlsx")


def _download(export: str, *, stem: str, sheet: str, header: list, rows: list) -> HttpResponse:
    if export == "xlsx":
        return xlsx_download(filename=f"{stem}.xlsx", sheet=sheet, header=header, rows=rows)
    return csv_download(filename=f"{stem}.csv", header=header, rows=rows)


def _snapshot(request: HttpRequest) -> Snapshot | None:
    return current_snapshot(snapshots=Snapshot.objects.for_user(request.user))


# --- My students ------------------------------------------------------------------------------

CASELOAD_HEADER = [
    "Student",
    "Student ID",
    "School",
    "Band",
    "Next check-in",
    "Due",
    "Check-in is yours",
    "Interventions",
]


@role_required(*CASELOAD_ROLES)
def caseload(request: HttpRequest, district_slug: str) -> HttpResponse:
    today = district_today(request.district)
    rows = reports.caseload(
        user=request.user,
        today=today,
        standings=Standing.objects.for_user(request.user),
        snapshot=_snapshot(request),
    )
    export = request.GET.get("format")
    audit_record(
        request,
        action=AuditAction.EXPORT if export in DOWNLOADS else AuditAction.VIEW,
        model=Student,
        ids=[row.student.pk for row in rows],
        purpose="My students: interventions and check-ins"
        + (f" ({export.upper()})" if export in DOWNLOADS else ""),
    )
    if export in DOWNLOADS:
        values = [
            [
                f"{row.student.last_name}, {row.student.first_name}",
                row.student.sis_id,
                row.student.school.name if row.student.school else "",
                row.band.label if row.band else "",
                row.next_check_in,
                reports.Due.LABELS[row.due],
                "Yes" if row.checks_in else "No",
                "; ".join(row.interventions),
            ]
            for row in rows
        ]
        return _download(
            export,
            stem=f"my-students-{today:%Y-%m-%d}",
            sheet="My students",
            header=CASELOAD_HEADER,
            rows=values,
        )
    groups = [
        (key, label, [r for r in rows if r.due == key]) for key, label in reports.Due.LABELS.items()
    ]
    return render(
        request,
        "support/caseload.html",
        {"rows": rows, "groups": groups, "today": today, "band_key": BAND_KEY},
    )


# --- School and district summaries -----------------------------------------------------------

BAND_COLUMNS = [band.label for band in (*RATED_BANDS, Band.NOT_YET_RATED)]
NO_CONTACT_HEADER = ["Student", "Student ID", "School", "Band", "Last contact"]


@role_required(*SUMMARY_ROLES)
def summary(request: HttpRequest, district_slug: str) -> HttpResponse:
    """Across the district's schools for district roles; a school role goes to its school's."""
    if request.membership.is_school_role:
        first = School.objects.for_user(request.user).order_by("name").first()
        if first is None:
            raise Http404("No school is yours yet.")
        return redirect("support:school_summary", district_slug=district_slug, school_id=first.pk)
    return _summary(request, school=None)


@role_required(*SUMMARY_ROLES)
def school_summary(request: HttpRequest, district_slug: str, school_id: int) -> HttpResponse:
    school = get_object_or_404(School.objects.for_user(request.user), pk=school_id)
    return _summary(request, school=school)


def _summary(request: HttpRequest, *, school: School | None) -> HttpResponse:
    snapshot = _snapshot(request)
    schools = School.objects.for_user(request.user).order_by("name")
    context = {"school": school, "schools": schools, "snapshot": snapshot, "band_key": BAND_KEY}
    if snapshot is None:
        return render(request, "support/summary.html", context)
    today = district_today(request.district)
    scoped = reports.scope_standings(
        standings=Standing.objects.for_user(request.user), snapshot=snapshot, school=school
    )
    reasons = reports.reasons_by_band(user=request.user, scoped=scoped)
    tiers = reports.tiers_by_band(user=request.user, scoped=scoped)
    no_contact = reports.without_recent_contact(user=request.user, scoped=scoped, today=today)
    where = school.name if school else request.district.name
    export, table = request.GET.get("format"), request.GET.get("export")
    if export in DOWNLOADS and table:
        return _summary_export(request, export, table, where, reasons, tiers, no_contact)
    audit_record(
        request,
        action=AuditAction.VIEW,
        model=Student,
        ids=[row.student.pk for row in no_contact],
        purpose=f"Support summary of {where}: Severe and Extreme chronic students not contacted",
    )
    context |= {
        "today": today,
        "reasons": reasons,
        "tiers": tiers,
        "no_contact": no_contact,
        "no_contact_days": reports.NO_CONTACT_DAYS,
    }
    return render(request, "support/summary.html", context)


def _group_values(rows) -> list[list]:
    return [[row.label, *(n for _, n in row.cells()), row.total] for row in rows]


def _summary_export(request, export, table, where, reasons, tiers, no_contact) -> HttpResponse:
    stem = f"support-{table}-{district_today(request.district):%Y-%m-%d}"
    if table == "reasons":
        header = ["Root cause", "Reason for absence", *BAND_COLUMNS, "Students"]
        rows = [[family, *values] for family, group in reasons for values in _group_values(group)]
        ids, count = [], sum(row[-1] for row in rows)
    elif table == "tiers":
        header = ["Tier", *BAND_COLUMNS, "Students"]
        rows = _group_values(tiers)
        ids, count = [], sum(row[-1] for row in rows)
    elif table == "no_contact":
        header = NO_CONTACT_HEADER
        rows = [
            [
                f"{row.student.last_name}, {row.student.first_name}",
                row.student.sis_id,
                row.school.name if row.school else "",
                row.band.label,
                row.last_contact or "no contact yet",
            ]
            for row in no_contact
        ]
        ids, count = [row.student.pk for row in no_contact], None
    else:
        raise Http404("No such table.")
    audit_record(
        request,
        action=AuditAction.EXPORT,
        model=Student,
        ids=ids,
        count=count,
        purpose=f"Support summary of {where}: {table} ({export.upper()})",
    )
    return _download(export, stem=stem, sheet=table, header=header, rows=rows)


# --- Partners: referral counts ----------------------------------------------------------------

REFERRAL_HEADER = ["Month", "School", "Referrals"]


@role_required(Role.PARTNER_STAFF)
def referrals(request: HttpRequest, district_slug: str) -> HttpResponse:
    """How many students each school referred to the partner staff's organisation, by month:
    counts only, from the tallies (partner staff have no privilege on student tables)."""
    organization = organization_of(user=request.user)
    if organization is None:
        # As the registry does: the page says what to do rather than refusing.
        return render(request, "support/referrals.html", {"organization": None})
    counts = reports.referral_counts(
        tallies=ReferralTally.objects.for_user(request.user), organization=organization
    )
    export = request.GET.get("format")
    if export in DOWNLOADS:
        rows = [
            [month, school.name, n]
            for month, cells, _ in counts.months
            for school, n in zip(counts.schools, cells, strict=True)
            if n
        ]
        audit_record(
            request,
            action=AuditAction.EXPORT,
            model=ReferralTally,
            count=len(rows),
            purpose=f"Referrals to {organization.name} by school and month, counts only",
        )
        return _download(
            export,
            stem="referrals-by-school-and-month",
            sheet="Referrals",
            header=REFERRAL_HEADER,
            rows=rows,
        )
    return render(
        request, "support/referrals.html", {"organization": organization, "counts": counts}
    )
