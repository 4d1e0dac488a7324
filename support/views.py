"""A student's support records: the section on the student's page, the forms behind it and
the family's copy of the plan. Principals and attendance-team members write for the students
now at their schools, district administrators for every school; the cabinet reads."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from districts.access import role_required
from districts.audit import audit_record
from districts.exports import pdf_download
from districts.models import AuditAction
from districts.roles import READ_STUDENT_SUPPORT, RECORD_STUDENT_SUPPORT
from tiering.models import Student

from . import selectors, services
from .forms import ConversationForm, InterventionForm, PlanForm, StatusForm
from .guidance import BACKUP_LINES, BACKUP_PROMPT, HELP_BANK_PROMPTS
from .models import CaringConversation, InterventionStatus, StudentIntervention


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
