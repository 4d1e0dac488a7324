"""A student's support records: the section on the student's page, the forms behind it and
the family's copy of the plan; then, outside the student's page, a staff member's caseload, the
school and district support summaries, and the referral counts partner staff see. Principals
and attendance-team members write for the students now at their schools, district
administrators for every school; the cabinet reads."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from districts.access import role_required, school_page_of_school_role
from districts.audit import audit_record
from districts.exports import csv_download, pdf_download, xlsx_download
from districts.models import AuditAction, School
from districts.roles import READ_REFERRALS_TO_US, READ_STUDENT_SUPPORT, RECORD_STUDENT_SUPPORT
from partners.selectors import organization_of
from tiering import selectors as tiering_selectors
from tiering.bands import BAND_KEY, RATED_BANDS, Band
from tiering.models import Snapshot, Standing, Student

from . import selectors, services
from .forms import ConversationForm, InterventionForm, PlanForm, StatusForm
from .guidance import BACKUP_LINES, BACKUP_PROMPT, HELP_BANK_PROMPTS
from .models import CaringConversation, InterventionStatus, ReferralTally, StudentIntervention


def _student(request: HttpRequest, student_id: int) -> Student:
    """A student whose support records the user may reach: every student of the district
    for district roles, those now at their schools for school roles; 404 otherwise."""
    return get_object_or_404(
        Student.objects.for_user(request.user).select_related("school", "district"), pk=student_id
    )


def _student_page(student: Student) -> str:
    url = reverse(
        "tiering:student",
        kwargs={"district_slug": student.district.slug, "student_id": student.pk},
    )
    return url + "#support"


def _audit_view(request: HttpRequest, student: Student, purpose: str, *, export=False) -> None:
    audit_record(
        request,
        action=AuditAction.EXPORT if export else AuditAction.VIEW,
        model=Student,
        ids=[student.pk],
        purpose=purpose,
    )


def support_section(request: HttpRequest, student: Student) -> str | None:
    """The student's page: what has been done for the student, beside the band's guidance."""
    role = request.membership.role if request.membership else None
    if role not in READ_STUDENT_SUPPORT:
        return None
    if not Student.objects.for_user(request.user).filter(pk=student.pk).exists():
        # A student who has moved to another school: their records went with them.
        return render_to_string("support/_moved.html", {"student": student}, request=request)
    records = selectors.support_records(
        user=request.user, student=student, district=request.district
    )
    _audit_view(request, student, "Student support: conversations, plan, interventions, history")
    return render_to_string(
        "support/_section.html",
        {
            "records": records,
            "can_write": role in RECORD_STUDENT_SUPPORT,
            "statuses": InterventionStatus.choices,
        },
        request=request,
    )


def _form_page(
    request: HttpRequest,
    student: Student,
    *,
    form: Form,
    save: Callable[[], object],
    done: str,
    template: str,
    context: dict,
    shows: str = "",
) -> HttpResponse:
    """`shows`: what the page shows of the student's records, for the access record (an
    edit form shows the record it edits)."""
    if shows:
        _audit_view(request, student, f"Student support: {shows}")
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return redirect(_student_page(student))
    return render(
        request,
        template,
        {"student": student, "form": form, "back": _student_page(student), **context},
        status=422 if form.errors else 200,
    )


def _conversation(student: Student, conversation_id: int) -> CaringConversation:
    # Another student's record under this student's address is not found, whoever asks.
    records = CaringConversation.objects.prefetch_related("reasons")
    return get_object_or_404(records, student=student, pk=conversation_id)


@role_required(RECORD_STUDENT_SUPPORT)
def conversation_form(
    request: HttpRequest, district_slug: str, student_id: int, conversation_id: int | None = None
):
    """A new Caring Conversation, or (with its id) one to edit."""
    student = _student(request, student_id)
    conversation = _conversation(student, conversation_id) if conversation_id else None
    if conversation is None:
        initial = {"held_on": request.district.today(), "staff": request.user.pk}
    else:
        initial = ConversationForm.initial_for(conversation)
    form = ConversationForm(request.POST or None, student=student, initial=initial)

    def save() -> None:
        fields = form.conversation_fields()
        if conversation is None:
            services.caring_conversation_create(
                student=student, fields=fields, recorded_by=request.user
            )
        else:
            services.caring_conversation_update(
                conversation=conversation, fields=fields, changed_by=request.user
            )

    return _form_page(
        request,
        student,
        form=form,
        save=save,
        done="Caring Conversation saved.",
        template="support/conversation_form.html",
        context={"conversation": conversation},
        shows="a Caring Conversation, to edit it" if conversation else "",
    )


def _remove(request: HttpRequest, student_id: int, remove: Callable[[Student], str]):
    """Removes one record of the student (the history keeps it) and says so."""
    student = _student(request, student_id)
    messages.success(request, remove(student))
    return redirect(_student_page(student))


@role_required(RECORD_STUDENT_SUPPORT)
@require_POST
def conversation_delete(
    request: HttpRequest, district_slug: str, student_id: int, conversation_id: int
):
    def remove(student: Student) -> str:
        conversation = _conversation(student, conversation_id)
        services.caring_conversation_delete(conversation=conversation, changed_by=request.user)
        return f"{conversation} removed; the history keeps what it said."

    return _remove(request, student_id, remove)


@role_required(RECORD_STUDENT_SUPPORT)
def plan_edit(request: HttpRequest, district_slug: str, student_id: int):
    student = _student(request, student_id)
    plan = selectors.plan_of(user=request.user, student=student)
    if plan is not None:
        initial = PlanForm.initial_for(plan)
    else:
        latest = selectors.conversations(user=request.user, student=student).first()
        initial = {"check_in_by": request.user.pk, "conversation": latest.pk if latest else None}
    form = PlanForm(request.POST or None, student=student, initial=initial)
    return _form_page(
        request,
        student,
        form=form,
        save=lambda: services.attendance_plan_save(
            student=student, fields=form.plan_fields(), changed_by=request.user
        ),
        done="Attendance and learning plan saved.",
        template="support/plan_form.html",
        context={"plan": plan, "backup_prompt": BACKUP_PROMPT},
        shows="the attendance and learning plan, to edit it" if plan else "",
    )


@role_required(READ_STUDENT_SUPPORT)
def plan_pdf(request: HttpRequest, district_slug: str, student_id: int):
    """ "Provide a copy of the plan to the student/parent": one page, in plain language."""
    student = _student(request, student_id)
    plan = selectors.plan_of(user=request.user, student=student)
    _audit_view(request, student, "The family's copy of the attendance plan (PDF)", export=True)
    html = render_to_string(
        "support/pdf/family_plan.html",
        {
            "student": student,
            "plan": plan,
            "help_bank": [
                (label, HELP_BANK_PROMPTS[name], getattr(plan, name, ""))
                for name, label in (
                    ("my_family", "My Family"),
                    ("everyday_helpers", "Everyday Helpers"),
                    ("occasional_helpers", "Occasional Helpers"),
                    ("potential_helpers", "Potential Helpers"),
                )
            ],
            "backup_prompt": BACKUP_PROMPT,
            "blank_backups": range(BACKUP_LINES - len(plan.backup_contacts if plan else [])),
            "supports": [
                i
                for i in selectors.interventions(user=request.user, student=student)
                if i.status in selectors.OPEN_STATUSES
            ],
        },
        request=request,
    )
    return pdf_download(filename=f"attendance-plan-{student.sis_id}.pdf", html=html)


def _intervention(student: Student, intervention_id: int) -> StudentIntervention:
    records = StudentIntervention.objects.select_related("intervention")
    return get_object_or_404(records, student=student, pk=intervention_id)


@role_required(RECORD_STUDENT_SUPPORT)
def intervention_form(
    request: HttpRequest, district_slug: str, student_id: int, intervention_id: int | None = None
):
    """A new intervention, or (with its id) one to edit."""
    student = _student(request, student_id)
    item = _intervention(student, intervention_id) if intervention_id else None
    if item is None:
        initial = {"owner": request.user.pk, "starts_on": request.district.today()}
    else:
        initial = InterventionForm.initial_for(item)
    form = InterventionForm(request.POST or None, student=student, initial=initial)

    def save() -> None:
        fields = form.intervention_fields()
        if item is None:
            services.student_intervention_create(
                student=student, fields=fields, created_by=request.user
            )
        else:
            services.student_intervention_update(item=item, fields=fields, changed_by=request.user)

    return _form_page(
        request,
        student,
        form=form,
        save=save,
        done="Intervention saved.",
        template="support/intervention_form.html",
        context={"item": item},
        shows="an intervention, to edit it" if item else "",
    )


@role_required(RECORD_STUDENT_SUPPORT)
@require_POST
def intervention_status(
    request: HttpRequest, district_slug: str, student_id: int, intervention_id: int
):
    student = _student(request, student_id)
    item = _intervention(student, intervention_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.student_intervention_status_set(
            item=item, status=form.cleaned_data["status"], changed_by=request.user
        )
        messages.success(request, f"{item}: {item.get_status_display()}.")
    else:
        messages.error(request, "Choose a status: planned, active, completed or stopped.")
    return redirect(_student_page(student))


@role_required(RECORD_STUDENT_SUPPORT)
@require_POST
def intervention_delete(
    request: HttpRequest, district_slug: str, student_id: int, intervention_id: int
):
    def remove(student: Student) -> str:
        item = _intervention(student, intervention_id)
        services.student_intervention_delete(item=item, changed_by=request.user)
        return f"{item} removed; the history keeps it."

    return _remove(request, student_id, remove)


# --- Outside the student's page: caseloads, summaries, referral counts

DOWNLOADS = ("csv", "xlsx")


def _download(export: str, *, stem: str, sheet: str, header: list, rows: list) -> HttpResponse:
    if export == "xlsx":
        return xlsx_download(filename=f"{stem}.xlsx", sheet=sheet, header=header, rows=rows)
    return csv_download(filename=f"{stem}.csv", header=header, rows=rows)


def _snapshot(request: HttpRequest) -> Snapshot | None:
    return tiering_selectors.current_snapshot(snapshots=Snapshot.objects.for_user(request.user))


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


@role_required(RECORD_STUDENT_SUPPORT)
def caseload(request: HttpRequest, district_slug: str) -> HttpResponse:
    today = request.district.today()
    rows = selectors.caseload(
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
                selectors.Due.LABELS[row.due],
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
        (key, label, [r for r in rows if r.due == key])
        for key, label in selectors.Due.LABELS.items()
    ]
    return render(
        request,
        "support/caseload.html",
        {"rows": rows, "groups": groups, "today": today, "band_key": BAND_KEY},
    )


# --- School and district summaries -----------------------------------------------------------

BAND_COLUMNS = [band.label for band in (*RATED_BANDS, Band.NOT_YET_RATED)]
NO_CONTACT_HEADER = ["Student", "Student ID", "School", "Band", "Last contact"]


@role_required(READ_STUDENT_SUPPORT)
def summary(request: HttpRequest, district_slug: str) -> HttpResponse:
    """Across the district's schools for district roles; a school role goes to its school's."""
    if own := school_page_of_school_role(request, "support:school_summary"):
        return own
    return _summary(request, school=None)


@role_required(READ_STUDENT_SUPPORT)
def school_summary(request: HttpRequest, district_slug: str, school_id: int) -> HttpResponse:
    school = get_object_or_404(School.objects.for_user(request.user), pk=school_id)
    return _summary(request, school=school)


def _summary(request: HttpRequest, *, school: School | None) -> HttpResponse:
    snapshot = _snapshot(request)
    schools = School.objects.for_user(request.user).order_by("name")
    context = {"school": school, "schools": schools, "snapshot": snapshot, "band_key": BAND_KEY}
    if snapshot is None:
        return render(request, "support/summary.html", context)
    today = request.district.today()
    scoped = selectors.scope_standings(
        standings=Standing.objects.for_user(request.user), snapshot=snapshot, school=school
    )
    reasons = selectors.reasons_by_band(user=request.user, scoped=scoped)
    tiers = selectors.tiers_by_band(user=request.user, scoped=scoped)
    no_contact = selectors.without_recent_contact(user=request.user, scoped=scoped, today=today)
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
        "no_contact_days": selectors.NO_CONTACT_DAYS,
    }
    return render(request, "support/summary.html", context)


def _group_values(rows) -> list[list]:
    return [[row.label, *(n for _, n in row.cells()), row.total] for row in rows]


def _summary_export(request, export, table, where, reasons, tiers, no_contact) -> HttpResponse:
    stem = f"support-{table}-{request.district.today():%Y-%m-%d}"
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


@role_required(READ_REFERRALS_TO_US)
def referrals(request: HttpRequest, district_slug: str) -> HttpResponse:
    """How many students each school referred to the partner staff's organisation, by month:
    counts only, from the tallies (partner staff have no privilege on student tables)."""
    organization = organization_of(user=request.user)
    if organization is None:
        # As the registry does: the page says what to do rather than refusing.
        return render(request, "support/referrals.html", {"organization": None})
    counts = selectors.referral_counts(
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
