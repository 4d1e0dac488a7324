"""The PDSA pages: the cycles of a district or school, the worksheet, the ramp of a change
idea, and the participants with the 2x10 grid.

Who may do what: every staff role and partner staff read the cycles their scoping shows
(querysets.py); district administrators, the cabinet and school roles run them
(selectors.may_run), a school role only those whose schools are all its own. Participants are
student data: staff only, and every page showing them is in the access record.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from districts.access import role_required, school_page_of_school_role
from districts.audit import audit_record
from districts.exports import csv_download, pdf_download, xlsx_download
from districts.models import AuditAction, School
from districts.roles import (
    DISTRICT_WIDE_ROLES,
    READ_PDSA_CHAIN,
    READ_PDSA_CYCLES,
    READ_PDSA_PARTICIPANTS,
    RUN_PDSA_CYCLES,
    Role,
)
from districts.tenancy import current_tenant
from partners.models import PartnerEntry
from tiering import list_selection
from tiering import selectors as tiering_selectors
from tiering.bands import BAND_KEY, RATED_BANDS, Band
from tiering.models import Snapshot, Standing, Student

from . import selectors, services
from .forms import (
    CandidateFilterForm,
    CycleCreateForm,
    DecideForm,
    ParticipantsAddForm,
    QuestionForm,
    StepForm,
    WorksheetForm,
)
from .models import (
    ActDecision,
    ChangeIdea,
    Cycle,
    CycleStatus,
    LearningQuestion,
    Participant,
    PlanStep,
)


def _cycle_for(request: HttpRequest, cycle_id: int) -> Cycle:
    """The cycle if the user may read it; 404 for other districts', schools' and partners'."""
    return get_object_or_404(selectors.cycle_details(user=request.user), pk=cycle_id)


def _can_run(cycle: Cycle) -> bool:
    return selectors.cycle_access(ctx=current_tenant(), cycle=cycle).may_run


def _runnable_cycle(request: HttpRequest, cycle_id: int) -> Cycle:
    cycle = _cycle_for(request, cycle_id)
    if not _can_run(cycle):
        raise PermissionDenied("Your role reads this cycle and does not run it.")
    return cycle


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _to_cycle(cycle: Cycle, anchor: str = "") -> HttpResponse:
    response = redirect("pdsa:cycle", district_slug=cycle.district.slug, cycle_id=cycle.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@role_required(READ_PDSA_CYCLES)
def cycle_list(request: HttpRequest, district_slug: str) -> HttpResponse:
    schools = School.objects.for_user(request.user)
    school = None
    if school_id := request.GET.get("school", ""):
        school = get_object_or_404(schools, pk=school_id) if school_id.isdigit() else None
    cycles = selectors.cycles_for(user=request.user, school=school)
    return render(
        request,
        "pdsa/list.html",
        {
            "cycles": cycles,
            "schools": schools if request.membership.role != Role.PARTNER_STAFF else [],
            "school": school,
            "can_start": request.membership.role in RUN_PDSA_CYCLES,
        },
    )


@role_required(RUN_PDSA_CYCLES)
def cycle_create(request: HttpRequest, district_slug: str) -> HttpResponse:
    form = CycleCreateForm(
        request.POST or None,
        schools=School.objects.for_user(request.user),
        district_wide=request.membership.role in DISTRICT_WIDE_ROLES,
    )
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(
                district=request.district,
                created_by=request.user,
                schools=form.cleaned_data["schools"],
                title=form.cleaned_data["title"],
                template=form.template,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _to_cycle(cycle)
    status = 422 if form.errors else 200
    return render(request, "pdsa/create.html", {"form": form}, status=status)


@role_required(READ_PDSA_CYCLES)
def cycle_detail(request: HttpRequest, district_slug: str, cycle_id: int) -> HttpResponse:
    cycle = _cycle_for(request, cycle_id)
    # A school role reads only its own schools among those a cycle names: the page says when
    # there are others, which is why it does not run the cycle.
    access = selectors.cycle_access(ctx=current_tenant(), cycle=cycle)
    return render(
        request,
        "pdsa/cycle.html",
        {
            "cycle": cycle,
            "can_run": access.may_run,
            "names_other_schools": access.names_other_schools,
            "counts": selectors.Participation.stored(cycle),
            "missing_predictions": services.missing_predictions(cycle),
            "next_status": _next_status(cycle),
            "decide_form": DecideForm(
                initial={"decision": cycle.act_decision, "act_text": cycle.act_text}
            ),
            "question_form": QuestionForm(),
            "step_form": StepForm(),
            "sees_participants": request.membership.role in READ_PDSA_PARTICIPANTS,
            "study": selectors.study_view(user=request.user, cycle=cycle),
            "is_latest": not Cycle.objects.for_user(request.user)
            .filter(change_idea_id=cycle.change_idea_id, number__gt=cycle.number)
            .exists(),
        },
    )


PARTNER_COPY = "partner"


@role_required(READ_PDSA_CYCLES)
def cycle_pdf(request: HttpRequest, district_slug: str, cycle_id: int) -> HttpResponse:
    """The worksheet as a PDF laid out like the paper one: the header, Plan, Do, Study (each
    question's result beside its prediction, the computed results and the run chart, the four
    progress questions) and Act.

    Two copies of one document. The staff copy lists the participants by name with their
    sessions, for roles that read participants, and is in the access record. The partner copy
    (what partner staff always get, and what staff download to share with a partner,
    ?copy=partner) holds no student's name or row: the worksheet and the stored aggregates."""
    cycle = _cycle_for(request, cycle_id)
    partner_copy = (
        request.membership.role not in READ_PDSA_PARTICIPANTS
        or request.GET.get("copy") == PARTNER_COPY
    )
    rows = [] if partner_copy else selectors.participants_of(user=request.user, cycle=cycle)
    if not partner_copy:
        audit_record(
            request,
            action=AuditAction.EXPORT,
            model=Student,
            ids=[p.student_id for p in rows],
            purpose=f"Participants of the PDSA cycle {cycle} (the worksheet's PDF)",
        )
    html = render_to_string(
        "pdsa/pdf/cycle.html",
        {
            "cycle": cycle,
            "partner_copy": partner_copy,
            "participants": [{"participant": p, "held": len(p.sessions.all())} for p in rows],
            "counts": selectors.Participation.stored(cycle),
            "study": selectors.study_view(user=request.user, cycle=cycle),
            "decisions": ActDecision.choices,
        },
        request=request,
    )
    stem = "-".join(f"pdsa-{cycle.title}-cycle-{cycle.number}".split())
    return pdf_download(filename=f"{stem}{'-partner-copy' if partner_copy else ''}.pdf", html=html)


def _next_status(cycle: Cycle) -> CycleStatus | None:
    order = list(CycleStatus)
    index = order.index(CycleStatus(cycle.status))
    return order[index + 1] if index + 1 < len(order) else None


@role_required(RUN_PDSA_CYCLES)
def cycle_edit(request: HttpRequest, district_slug: str, cycle_id: int) -> HttpResponse:
    cycle = _runnable_cycle(request, cycle_id)
    form = WorksheetForm(
        request.POST or None,
        instance=cycle,
        schools=School.objects.for_user(request.user),
        partner_entries=PartnerEntry.objects.for_user(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_update(cycle=cycle, worksheet=form.worksheet())
            services.cycle_links_set(
                cycle=cycle,
                schools=form.cleaned_data["schools"],
                reasons=form.cleaned_data["reasons"],
                interventions=form.cleaned_data["interventions"],
                partner_entries=form.cleaned_data["partner_entries"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The worksheet is saved.")
            return _to_cycle(cycle)
    status = 422 if form.errors else 200
    return render(request, "pdsa/edit.html", {"cycle": cycle, "form": form}, status=status)


@require_POST
@role_required(RUN_PDSA_CYCLES)
def question_add(request: HttpRequest, district_slug: str, cycle_id: int) -> HttpResponse:
    cycle = _runnable_cycle(request, cycle_id)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the question to add it.")
        return _to_cycle(cycle, "questions")
    data = form.cleaned_data
    try:
        services.question_add(
            cycle=cycle,
            text=data["text"],
            prediction=data["prediction"],
            data_to_collect=data["data_to_collect"],
        )
    except ValidationError as error:
        _refused(request, error)
    return _to_cycle(cycle, "questions")


@require_POST
@role_required(RUN_PDSA_CYCLES)
def question_save(
    request: HttpRequest, district_slug: str, cycle_id: int, question_id: int
) -> HttpResponse:
    cycle = _runnable_cycle(request, cycle_id)
    question = get_object_or_404(LearningQuestion.objects.filter(cycle=cycle), pk=question_id)
    if "remove" in request.POST:
        services.question_remove(question=question)
        messages.success(request, f"{question.label} is removed; the questions are renumbered.")
        return _to_cycle(cycle, "questions")
    form = QuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{question.label} needs its question.")
        return _to_cycle(cycle, "questions")
    try:
        services.question_update(question=question, **form.cleaned_data)
    except ValidationError as error:
        _refused(request, error)
    return _to_cycle(cycle, f"question-{question.pk}")


@require_POST
@role_required(RUN_PDSA_CYCLES)
def step_add(request: HttpRequest, district_slug: str, cycle_id: int) -> HttpResponse:
    cycle = _runnable_cycle(request, cycle_id)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the step to add it.")
        return _to_cycle(cycle, "steps")
    services.step_add(cycle=cycle, **form.cleaned_data)
    return _to_cycle(cycle, "steps")


@require_POST
@role_required(RUN_PDSA_CYCLES)
def step_save(
    request: HttpRequest, district_slug: str, cycle_id: int, step_id: int
) -> HttpResponse:
    cycle = _runnable_cycle(request, cycle_id)
    step = get_object_or_404(PlanStep.objects.filter(cycle=cycle), pk=step_id)
    if "remove" in request.POST:
        services.step_remove(step=step)
        return _to_cycle(cycle, "steps")
    form = StepForm(request.POST)
    if form.is_valid():
        services.step_update(step=step, **form.cleaned_data)
    else:
        messages.error(request, f"Step {step.position} needs its text.")
    return _to_cycle(cycle, "steps")


@require_POST
@role_required(RUN_PDSA_CYCLES)
def cycle_advance(request: HttpRequest, district_slug: str, cycle_id: int) -> HttpResponse:
    cycle = _runnable_cycle(request, cycle_id)
    try:
        to = CycleStatus(request.POST.get("to", ""))
        services.cycle_advance(cycle=cycle, to=to)
    except ValueError:
        messages.error(request, "Choose the step the cycle moves to.")
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, f"The cycle is now in {to.label}.")
    return _to_cycle(cycle, "status")


@require_POST
@role_required(RUN_PDSA_CYCLES)
def cycle_decide(request: HttpRequest, district_slug: str, cycle_id: int) -> HttpResponse:
    cycle = _runnable_cycle(request, cycle_id)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Adapt, Adopt, Expand or Abandon.")
        return _to_cycle(cycle, "act")
    try:
        services.cycle_decide(
            cycle=cycle,
            decision=form.cleaned_data["decision"],
            act_text=form.cleaned_data["act_text"],
        )
    except ValidationError as error:
        _refused(request, error)
    return _to_cycle(cycle, "act")


@require_POST
@role_required(RUN_PDSA_CYCLES)
def cycle_next(request: HttpRequest, district_slug: str, cycle_id: int) -> HttpResponse:
    cycle = _runnable_cycle(request, cycle_id)
    try:
        following = services.cycle_next(cycle=cycle, created_by=request.user)
    except ValidationError as error:
        _refused(request, error)
        return _to_cycle(cycle, "act")
    messages.success(request, f"Cycle {following.number} starts from cycle {cycle.number}'s plan.")
    return _to_cycle(following)


@require_POST
@role_required(RUN_PDSA_CYCLES)
def study_refresh(request: HttpRequest, district_slug: str, cycle_id: int) -> HttpResponse:
    """ "Recompute the Study now": from the attendance on record, without waiting for the
    next import."""
    cycle = _runnable_cycle(request, cycle_id)
    services.cycle_study_refresh(cycle=cycle)
    messages.success(request, "The Study is recomputed from the attendance on record.")
    return _to_cycle(cycle, "study-results")


@role_required(READ_PDSA_CYCLES)
def ramp(request: HttpRequest, district_slug: str, idea_id: int) -> HttpResponse:
    idea = get_object_or_404(ChangeIdea.objects.for_user(request.user), pk=idea_id)
    return render(
        request,
        "pdsa/ramp.html",
        {"idea": idea, "cycles": selectors.ramp(user=request.user, change_idea=idea)},
    )


# --- Participants: student data ------------------------------------------------------------


def _candidate_schools(request: HttpRequest, cycle: Cycle):
    """The schools whose students may join: the cycle's, or for a district-wide cycle the
    user's; a school role's own in either case."""
    schools = School.objects.for_user(request.user)
    named = selectors.schools_read(cycle)
    return schools.filter(pk__in=named) if named else schools


def _candidates(request: HttpRequest, cycle: Cycle, filters: CandidateFilterForm):
    """The school's students in its current standings, filtered by band (the tiered list's
    own selector), who are not in the cycle yet."""
    if not filters.is_valid():
        return Standing.objects.none()
    standings = Standing.objects.for_user(request.user)
    snapshot = tiering_selectors.current_snapshot(snapshots=Snapshot.objects.for_user(request.user))
    if snapshot is None:
        return Standing.objects.none()
    return tiering_selectors.tiered_students(
        standings=standings,
        snapshot=snapshot,
        previous=None,
        school=filters.cleaned_data["school"],
        filters=tiering_selectors.ListFilters(band=filters.cleaned_data["band"], sort="name"),
    ).exclude(student__in=Participant.objects.filter(cycle=cycle).values("student_id"))


def _school_days(cycle: Cycle, participants) -> dict[int | None, set[date]]:
    """Each participant's school's session days: a cycle at two schools keeps each one's
    holidays (the grid's columns are those of either)."""
    return {
        school_id: set(selectors.session_days(cycle, school_ids={school_id}))
        for school_id in {p.student.school_id for p in participants}
    }


@role_required(READ_PDSA_PARTICIPANTS)
def participants(request: HttpRequest, district_slug: str, cycle_id: int) -> HttpResponse:
    cycle = _cycle_for(request, cycle_id)
    can_run = _can_run(cycle)
    rows = selectors.participants_of(user=request.user, cycle=cycle)
    if request.GET.get("format") == "xlsx":
        return _participants_export(request, cycle, rows)
    schools = _candidate_schools(request, cycle)
    filters = CandidateFilterForm(
        request.GET
        or {"school": schools.first() and schools.first().pk, "band": "moderate_chronic"},
        schools=schools,
    )
    candidates = list(_candidates(request, cycle, filters)) if can_run else []
    audit_record(
        request,
        action=AuditAction.VIEW,
        model=Student,
        ids=[p.student_id for p in rows] + [c.student_id for c in candidates],
        purpose=f"Participants of the PDSA cycle {cycle}",
    )
    days = selectors.session_days(cycle)
    school_days = _school_days(cycle, rows)
    grid = [
        {
            "participant": p,
            "ticks": [
                (
                    day,
                    day in {s.held_on for s in p.sessions.all()},
                    day in school_days[p.student.school_id],
                )
                for day in days
            ],
            "held": len(p.sessions.all()),
        }
        for p in rows
    ]
    return render(
        request,
        "pdsa/participants.html",
        {
            "cycle": cycle,
            "can_run": can_run,
            "grid": grid,
            "days": days,
            "counts": selectors.participation(
                participants=Participant.objects.for_user(request.user).filter(cycle=cycle)
            ),
            "filters": filters,
            "candidates": candidates,
            "can_tick": cycle.status != CycleStatus.PLAN and days,
        },
    )


def list_action_targets(request: HttpRequest, school: School) -> list[tuple[int, str]]:
    """The cycles a school's tiered list offers to add its chosen students to."""
    return [
        (cycle.pk, f"{cycle} ({cycle.get_status_display()})")
        for cycle in selectors.open_cycles(user=request.user, school=school)
    ]


@require_POST
@role_required(RUN_PDSA_CYCLES)
def list_add(request: HttpRequest, district_slug: str, school_id: int) -> HttpResponse:
    """ "Add to a PDSA cycle" from a school's tiered list: the ticked students, or every student
    matching the list's filters, join a cycle of that school in Plan or Do."""
    school = get_object_or_404(School.objects.for_user(request.user), pk=school_id)
    back = redirect("tiering:school", district_slug=district_slug, school_id=school.pk)
    if query := request.POST.get("query", ""):
        back["Location"] += f"?{QueryDict(query).urlencode()}"
    cycle_id = request.POST.get("cycle", "")
    if not cycle_id.isdigit():
        messages.error(request, "Choose the cycle to add the students to.")
        return back
    cycle = next(
        (
            c
            for c in selectors.open_cycles(user=request.user, school=school)
            if c.pk == int(cycle_id)
        ),
        None,
    )
    if cycle is None:
        raise Http404("No such cycle in Plan or Do at this school.")
    try:
        students = list_selection.chosen_students(request, school=school)
        if not students:
            messages.error(request, "Tick the students to add, or add all those the filters show.")
            return back
        added = services.participants_add(cycle=cycle, students=students, added_by=request.user)
    except ValidationError as error:
        _refused(request, error)
        return back
    audit_record(
        request,
        action=AuditAction.CHANGE,
        model=Student,
        ids=[p.student_id for p in added],
        purpose=f"Added to the PDSA cycle {cycle} from the tiered list of {school.name}",
    )
    already = len(students) - len(added)
    messages.success(
        request,
        f"{len(added)} student{pluralize(len(added))} added to the cycle"
        + (f"; {already} {'was' if already == 1 else 'were'} in it already." if already else "."),
    )
    return _to_participants(cycle)


PARTICIPANTS_HEADER = [
    "Student",
    "Student ID",
    "School",
    "Band at start",
    "Band now",
    "Sessions planned",
    "Sessions held",
    "All sessions held",
    "Added on",
    "Added by",
]


def _participants_export(
    request: HttpRequest, cycle: Cycle, rows: list[Participant]
) -> HttpResponse:
    """The participants and their sessions as a spreadsheet (formulas neutralised)."""
    now = selectors.current_bands(student_ids=[p.student_id for p in rows])
    audit_record(
        request,
        action=AuditAction.EXPORT,
        model=Student,
        ids=[p.student_id for p in rows],
        purpose=f"Participants of the PDSA cycle {cycle} (XLSX)",
    )
    values = []
    for p in rows:
        held = len(p.sessions.all())
        values.append(
            [
                f"{p.student.last_name}, {p.student.first_name}",
                p.student.sis_id,
                p.student.school.name if p.student.school else "",
                p.get_band_at_start_display(),
                Band(now[p.student_id]).label if p.student_id in now else "",
                p.planned_sessions,
                held,
                held >= p.planned_sessions,
                p.added_at.date(),
                p.added_by.full_name or p.added_by.email,
            ]
        )
    stem = "-".join(f"pdsa-participants-{cycle.title}-cycle-{cycle.number}".split())
    return xlsx_download(
        filename=f"{stem}.xlsx", sheet="Participants", header=PARTICIPANTS_HEADER, rows=values
    )


def _to_participants(cycle: Cycle) -> HttpResponse:
    return redirect("pdsa:participants", district_slug=cycle.district.slug, cycle_id=cycle.pk)


@require_POST
@role_required(RUN_PDSA_CYCLES)
def participants_add(request: HttpRequest, district_slug: str, cycle_id: int) -> HttpResponse:
    cycle = _runnable_cycle(request, cycle_id)
    form = ParticipantsAddForm(
        request.POST,
        students=Student.objects.for_user(request.user).filter(
            school__in=_candidate_schools(request, cycle)
        ),
    )
    if not form.is_valid():
        messages.error(request, "Tick the students to add to the cycle.")
        return _to_participants(cycle)
    students = list(form.cleaned_data["students"])
    try:
        added = services.participants_add(cycle=cycle, students=students, added_by=request.user)
    except ValidationError as error:
        _refused(request, error)
        return _to_participants(cycle)
    audit_record(
        request,
        action=AuditAction.CHANGE,
        model=Student,
        ids=[p.student_id for p in added],
        purpose=f"Added to the PDSA cycle {cycle}",
    )
    messages.success(request, f"{len(added)} students added to the cycle.")
    return _to_participants(cycle)


@require_POST
@role_required(RUN_PDSA_CYCLES)
def participant_remove(
    request: HttpRequest, district_slug: str, cycle_id: int, participant_id: int
) -> HttpResponse:
    cycle = _runnable_cycle(request, cycle_id)
    participant = get_object_or_404(
        Participant.objects.for_user(request.user).filter(cycle=cycle), pk=participant_id
    )
    services.participant_remove(participant=participant)
    audit_record(
        request,
        action=AuditAction.CHANGE,
        model=Student,
        ids=[participant.student_id],
        purpose=f"Removed from the PDSA cycle {cycle}",
    )
    return _to_participants(cycle)


@require_POST
@role_required(RUN_PDSA_CYCLES)
def grid_save(request: HttpRequest, district_slug: str, cycle_id: int) -> HttpResponse:
    """The 2x10 grid as one form: each participant's planned sessions and a checkbox per day,
    saved as the changes from what is stored."""
    cycle = _runnable_cycle(request, cycle_id)
    rows = list(
        Participant.objects.for_user(request.user)
        .filter(cycle=cycle)
        .select_related("student")
        .prefetch_related("sessions")
    )
    days = selectors.session_days(cycle)
    school_days = _school_days(cycle, rows)
    changed = []
    try:
        for participant in rows:
            planned = request.POST.get(f"planned-{participant.pk}", "")
            if planned.isdigit() and int(planned) != participant.planned_sessions:
                services.participant_plan(participant=participant, planned_sessions=int(planned))
                changed.append(participant.student_id)
            ticked = {
                date.fromisoformat(value)
                for value in request.POST.getlist(f"held-{participant.pk}")
                if _is_day(value)
            }
            held = {s.held_on for s in participant.sessions.all()}
            for day in days:
                if day in school_days[participant.student.school_id] and (day in ticked) != (
                    day in held
                ):
                    services.session_tick(
                        participant=participant,
                        held_on=day,
                        held=day in ticked,
                        ticked_by=request.user,
                    )
                    changed.append(participant.student_id)
    except ValidationError as error:
        _refused(request, error)
        return _to_participants(cycle)
    if changed:
        audit_record(
            request,
            action=AuditAction.CHANGE,
            model=Student,
            ids=sorted(set(changed)),
            purpose=f"Sessions of the PDSA cycle {cycle} (2x10 grid)",
        )
    messages.success(request, "The grid is saved.")
    return _to_participants(cycle)


def _is_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# --- The chain: reasons for absence → partners → interventions → cycles → results -----------

DOWNLOADS = ("csv", "xlsx")
BAND_COLUMNS = [band.label for band in (*RATED_BANDS, Band.NOT_YET_RATED)]
CHAIN_HEADER = [
    "Root cause",
    "Reason for absence",
    *BAND_COLUMNS,
    "Students with the reason",
    "Partners aligned here",
    "Interventions tried (students)",
    "PDSA cycles that tested them",
    "Partners but no tested intervention",
]


@role_required(READ_PDSA_CHAIN)
def chain(request: HttpRequest, district_slug: str) -> HttpResponse:
    """Across the district for district roles; a school role goes to its first school's."""
    if own := school_page_of_school_role(request, "pdsa:school_chain"):
        return own
    return _chain(request, school=None)


@role_required(READ_PDSA_CHAIN)
def school_chain(request: HttpRequest, district_slug: str, school_id: int) -> HttpResponse:
    school = get_object_or_404(School.objects.for_user(request.user), pk=school_id)
    return _chain(request, school=school)


def _chain(request: HttpRequest, *, school: School | None) -> HttpResponse:
    snapshot = tiering_selectors.current_snapshot(snapshots=Snapshot.objects.for_user(request.user))
    context = {
        "school": school,
        "schools": _chain_school_links(request),
        "snapshot": snapshot,
        "band_key": BAND_KEY,
    }
    if snapshot is None:
        return render(request, "pdsa/chain.html", context)
    found = selectors.chain(user=request.user, snapshot=snapshot, school=school)
    where = school.name if school else request.district.name
    export = request.GET.get("format")
    # Counts of students by reason and band, never a row: the record names how many.
    audit_record(
        request,
        action=AuditAction.EXPORT if export in DOWNLOADS else AuditAction.VIEW,
        model=Student,
        count=found.students,
        purpose=f"PDSA chain of {where}: students by reason for absence and band (counts)"
        + (f" ({export.upper()})" if export in DOWNLOADS else ""),
    )
    if export in DOWNLOADS:
        return _chain_export(request, export, found)
    return render(request, "pdsa/chain.html", context | {"chain": found})


def _chain_school_links(request: HttpRequest) -> list[tuple[int, str, str]]:
    """(id, name, chain page) of each school the reader may open, by name. The address is
    reversed once and completed per school: a district of 960 schools spent half a second of
    every district chain page reversing one URL per school in the template."""
    schools = School.objects.for_user(request.user).order_by("name").values_list("pk", "name")
    first = reverse(
        "pdsa:school_chain", kwargs={"district_slug": request.district.slug, "school_id": 1}
    )
    prefix = first.removesuffix("1/")
    return [(pk, name, f"{prefix}{pk}/") for pk, name in schools]


def _chain_export(request: HttpRequest, export: str, found: selectors.Chain) -> HttpResponse:
    rows = [
        [
            family.family,
            link.reason.name,
            *(n for _, n in link.bands.cells()),
            link.bands.total,
            "; ".join(str(entry) for entry in link.partners),
            "; ".join(
                f"{t.intervention.name}{f' ({t.tier})' if t.tier else ''}: {t.students}"
                for t in link.tried
            ),
            "; ".join(_cycle_text(c) for c in link.cycles),
            "Yes" if link.untested else "No",
        ]
        for family in found.families
        for link in family.links
    ]
    stem = f"pdsa-chain-{found.school.name if found.school else 'district'}"
    stem = "-".join(stem.split()) + f"-{request.district.today():%Y-%m-%d}"
    if export == "xlsx":
        return xlsx_download(filename=f"{stem}.xlsx", sheet="Chain", header=CHAIN_HEADER, rows=rows)
    return csv_download(filename=f"{stem}.csv", header=CHAIN_HEADER, rows=rows)


def _cycle_text(item: selectors.CycleWithResult) -> str:
    """ "2x10 Strategy, cycle 1 (Act: Adapt; result: …)"."""
    cycle = item.cycle
    notes = [cycle.get_status_display()]
    if cycle.act_decision:
        notes.append(f"decision {ActDecision(cycle.act_decision).name.title()}")
    notes.append(f"result: {item.result}" if item.result else "no Study result yet")
    return f"{cycle} ({'; '.join(notes)})"
