from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from districts.access import require_role, role_required
from districts.audit import audit_record
from districts.exports import pdf_download
from districts.models import AuditAction, SchoolYear
from districts.roles import EDIT_SELF_ASSESSMENT, READ_SELF_ASSESSMENT

from . import charts, exports, selectors, services
from .autosave import UNPROCESSABLE, save_field
from .forms import AssessmentForm, MemberRatingForm, field_form
from .models import Assessment, Ingredient, Item, Priority, Rating
from .templatetags.selfassessment import FIELD_KINDS, autosave_context

# htmx swaps these error answers too (static/js/selfassessment.js): they carry the message.


def _assessment(request: HttpRequest, assessment_id: int) -> Assessment:
    """The assessment if the user's district holds it (404 for any other, as if it did not
    exist)."""
    return get_object_or_404(selectors.assessments_for(user=request.user), pk=assessment_id)


def _can_edit(request: HttpRequest, assessment: Assessment) -> bool:
    return request.membership.role in EDIT_SELF_ASSESSMENT and not assessment.is_finalised


def _page_context(request: HttpRequest, assessment: Assessment, **extra) -> dict:
    return {
        "assessment": assessment,
        "can_edit": _can_edit(request, assessment),
        "is_editor": request.membership.role in EDIT_SELF_ASSESSMENT,
        "rating_choices": Rating.choices,
        "ingredients": Ingredient.objects.filter(version=assessment.template_id),
        "progress": selectors.assessment_progress(
            assessment=assessment,
            member=request.user if request.membership.role in EDIT_SELF_ASSESSMENT else None,
        ),
        **extra,
    }


@role_required(READ_SELF_ASSESSMENT)
def assessment_list(request: HttpRequest, district_slug: str) -> HttpResponse:
    form = AssessmentForm(request.POST or None, initial=_new_assessment_defaults(request))
    if request.method == "POST":
        require_role(request, EDIT_SELF_ASSESSMENT)
        if form.is_valid():
            try:
                assessment = services.assessment_create(
                    district=request.district,
                    created_by=request.user,
                    school_year=form.cleaned_data["school_year"],
                    title=form.cleaned_data["title"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                return redirect(
                    "selfassessment:overview",
                    district_slug=district_slug,
                    assessment_id=assessment.pk,
                )
    assessments = list(selectors.assessments_for(user=request.user))
    progress = {a.pk: selectors.assessment_progress(assessment=a) for a in assessments}
    return render(
        request,
        "selfassessment/list.html",
        {
            "form": form,
            "rows": [(a, progress[a.pk]) for a in assessments],
            "is_editor": request.membership.role in EDIT_SELF_ASSESSMENT,
        },
    )


def _new_assessment_defaults(request: HttpRequest) -> dict:
    today = request.district.today()
    year = SchoolYear.objects.for_user(request.user).current(today)
    start = (
        today.year if today.month >= request.district.school_year_start_month else today.year - 1
    )
    label = year.label if year else f"{start}–{str(start + 1)[2:]}"
    return {"school_year": label, "title": "Cabinet self-assessment"}


@role_required(READ_SELF_ASSESSMENT)
def assessment_overview(request: HttpRequest, district_slug: str, assessment_id: int):
    assessment = _assessment(request, assessment_id)
    sections = selectors.assessment_sections(assessment=assessment)
    disagreements = [row for s in sections for row in s.rows if row.members_disagree]
    context = _page_context(
        request,
        assessment,
        sections=sections,
        disagreements=disagreements,
        blockers=services.finalise_blockers(assessment) if not assessment.is_finalised else [],
        successors=Assessment.objects.for_user(request.user).filter(started_from=assessment),
    )
    return render(request, "selfassessment/overview.html", context)


@role_required(READ_SELF_ASSESSMENT)
def assessment_ingredient(
    request: HttpRequest, district_slug: str, assessment_id: int, position: int
) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    sections = selectors.assessment_sections(
        assessment=assessment, member=request.user, ingredient_position=position
    )
    if not sections:
        raise Http404("The tool has six ingredients.")
    context = _page_context(request, assessment, section=sections[0])
    return render(request, "selfassessment/ingredient.html", context)


@role_required(READ_SELF_ASSESSMENT)
def assessment_reflections(request: HttpRequest, district_slug: str, assessment_id: int):
    assessment = _assessment(request, assessment_id)
    context = _page_context(
        request,
        assessment,
        answers=selectors.reflection_answers(assessment=assessment),
        priorities=selectors.priorities_of(assessment=assessment),
    )
    return render(request, "selfassessment/reflections.html", context)


@role_required(READ_SELF_ASSESSMENT)
def assessment_results(request: HttpRequest, district_slug: str, assessment_id: int):
    assessment = _assessment(request, assessment_id)
    sections = selectors.assessment_sections(assessment=assessment)
    strongest, weakest = selectors.strongest_and_weakest(sections)
    previous = selectors.previous_assessment(assessment=assessment)
    comparison = (
        selectors.comparison_with(assessment=assessment, previous=previous) if previous else None
    )
    changes = (
        comparison.ingredients
        if comparison
        else [selectors.IngredientChange(s.ingredient.name, None, s.average) for s in sections]
    )
    context = _page_context(
        request,
        assessment,
        sections=sections,
        strongest=strongest,
        weakest=weakest,
        comparison=comparison,
        distribution_chart=charts.distribution_chart(sections),
        profile_chart=charts.profile_chart(
            changes, previous_label=previous.school_year if previous else None
        ),
    )
    return render(request, "selfassessment/results.html", context)


@role_required(READ_SELF_ASSESSMENT)
def field_edit(
    request: HttpRequest,
    district_slug: str,
    assessment_id: int,
    kind: str,
    record_id: int,
    field: str,
) -> HttpResponse:
    """GET: the field as stored now (after "Use their version"). POST: autosave one field,
    refusing a save made over someone else's newer version."""
    assessment = _assessment(request, assessment_id)
    model = FIELD_KINDS.get(kind)
    if model is None or field not in services.EDITABLE_FIELDS[model]:
        raise Http404("No such field.")
    record = get_object_or_404(model.objects.filter(assessment=assessment), pk=record_id)
    page = _field_page(request, assessment, record)
    if request.method != "POST":
        if not request.htmx:
            return redirect(page)
        return render(
            request,
            "selfassessment/_field.html",
            autosave_context(
                request=request,
                assessment=assessment,
                record=record,
                field=field,
                editable=_can_edit(request, assessment),
            ),
        )
    require_role(request, EDIT_SELF_ASSESSMENT)
    form = field_form(record, field, data=request.POST)
    status, record, state = save_field(
        request,
        form=form,
        field=field,
        record=record,
        save=lambda **change: services.field_save(
            record=record, field=field, editor=request.user, **change
        ),
        shown=_shown,
    )
    field_context = autosave_context(
        request=request,
        assessment=assessment,
        record=record,
        field=field,
        editable=True,
        form=form,
        **state,
    )
    if request.htmx:
        response = render(
            request, "selfassessment/_field.html#field-status", field_context, status=status
        )
        if kind == "item" and field == "consensus":
            response.content += render_to_string(
                "selfassessment/_progress.html",
                _page_context(request, assessment, oob=True),
                request=request,
            ).encode()
        return response
    if status == 200:
        messages.success(request, f"Saved: {field_context['label']} {field_context['about']}.")
        return redirect(_next_or(request, page))
    return render(
        request,
        "selfassessment/field_problem.html",
        {**_page_context(request, assessment), **field_context, "back": page},
        status=status,
    )


def _shown(record, field: str) -> str:
    value = getattr(record, field)
    display = getattr(record, f"get_{field}_display", None)
    return display() if display and value else value


def _field_page(request: HttpRequest, assessment: Assessment, record) -> str:
    if hasattr(record, "item"):
        return _item_url(request, assessment, record.item)
    if hasattr(record, "question"):
        return _reflections_url(request, assessment, f"question-{record.question.position}")
    return _reflections_url(request, assessment, f"priority-{record.pk}")


def _item_url(request: HttpRequest, assessment: Assessment, item: Item) -> str:
    url = reverse(
        "selfassessment:ingredient",
        kwargs={
            "district_slug": request.district.slug,
            "assessment_id": assessment.pk,
            "position": item.ingredient.position,
        },
    )
    return f"{url}#item-{item.pk}"


def _reflections_url(request: HttpRequest, assessment: Assessment, anchor: str) -> str:
    url = reverse(
        "selfassessment:reflections",
        kwargs={"district_slug": request.district.slug, "assessment_id": assessment.pk},
    )
    return f"{url}#{anchor}"


def _next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@require_POST
@role_required(EDIT_SELF_ASSESSMENT)
def member_rate(
    request: HttpRequest, district_slug: str, assessment_id: int, item_id: int
) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    item = get_object_or_404(
        Item.objects.select_related("ingredient"),
        pk=item_id,
        ingredient__version=assessment.template_id,
    )
    form = MemberRatingForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.member_rating_set(
                assessment=assessment,
                item=item,
                member=request.user,
                rating=form.cleaned_data["rating"],
            )
        except ValidationError as problem:
            error = " ".join(problem.messages)
    else:
        error = "Choose one of the ratings."
    if not request.htmx:
        if error:
            messages.error(request, f"Your rating was not saved: {error}")
        else:
            messages.success(request, f"Your rating of item {_number(item)} is saved.")
        return redirect(_item_url(request, assessment, item))
    section = selectors.assessment_sections(
        assessment=assessment, member=request.user, ingredient_position=item.ingredient.position
    )[0]
    row = next(r for r in section.rows if r.item.pk == item.pk)
    context = _page_context(request, assessment, row=row, just_rated=not error, error=error)
    response = render(request, "selfassessment/_member_ratings.html", context)
    response.status_code = UNPROCESSABLE if error else 200
    response.content += render_to_string(
        "selfassessment/_my_progress.html", {**context, "oob": True}, request=request
    ).encode()
    return response


def _number(item: Item) -> str:
    return f"{item.ingredient.position}.{item.position}"


@require_POST
@role_required(EDIT_SELF_ASSESSMENT)
def priority_add(request: HttpRequest, district_slug: str, assessment_id: int) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    try:
        priority = services.priority_add(assessment=assessment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_reflections_url(request, assessment, "priorities"))
    return redirect(_reflections_url(request, assessment, f"priority-{priority.pk}"))


@require_POST
@role_required(EDIT_SELF_ASSESSMENT)
def priority_remove(
    request: HttpRequest, district_slug: str, assessment_id: int, priority_id: int
) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    priority = get_object_or_404(Priority.objects.filter(assessment=assessment), pk=priority_id)
    try:
        services.priority_remove(priority=priority)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Priority {priority.position} was removed.")
    return redirect(_reflections_url(request, assessment, "priorities"))


@require_POST
@role_required(EDIT_SELF_ASSESSMENT)
def assessment_finalise(request: HttpRequest, district_slug: str, assessment_id: int):
    assessment = _assessment(request, assessment_id)
    try:
        services.assessment_finalise(assessment=assessment, finalised_by=request.user)
    except ValidationError as error:
        messages.error(request, "Not finalised yet: " + " ".join(error.messages))
    else:
        messages.success(
            request, "Finalised. The assessment and its action plan are now read-only."
        )
    return redirect(
        "selfassessment:overview", district_slug=district_slug, assessment_id=assessment.pk
    )


@require_POST
@role_required(EDIT_SELF_ASSESSMENT)
def assessment_next_year(request: HttpRequest, district_slug: str, assessment_id: int):
    assessment = _assessment(request, assessment_id)
    try:
        successor = services.assessment_start_next_year(
            assessment=assessment, created_by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(
            "selfassessment:overview", district_slug=district_slug, assessment_id=assessment.pk
        )
    messages.success(
        request,
        f"{successor.school_year} started from {assessment.school_year}: last year's action plan "
        "and priorities are carried over for the team to review, with every target date moved "
        "a year later; rate every item afresh.",
    )
    return redirect(
        "selfassessment:overview", district_slug=district_slug, assessment_id=successor.pk
    )


@role_required(READ_SELF_ASSESSMENT)
def action_plan_pdf(request: HttpRequest, district_slug: str, assessment_id: int):
    assessment = _assessment(request, assessment_id)
    _audit_export(request, assessment, "PDF")
    html = render_to_string(
        "selfassessment/pdf/action_plan.html",
        exports.action_plan(assessment=assessment),
        request=request,
    )
    return pdf_download(filename=exports.filename(assessment, "pdf"), html=html)


@role_required(READ_SELF_ASSESSMENT)
def action_plan_xlsx(request: HttpRequest, district_slug: str, assessment_id: int):
    assessment = _assessment(request, assessment_id)
    _audit_export(request, assessment, "Excel")
    return exports.action_plan_xlsx(assessment=assessment)


def _audit_export(request: HttpRequest, assessment: Assessment, kind: str) -> None:
    audit_record(
        request,
        action=AuditAction.EXPORT,
        model=Assessment,
        ids=[assessment.pk],
        purpose=f"Action plan of {assessment} ({kind})",
    )
