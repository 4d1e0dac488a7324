"""Everything that changes a PDSA cycle: the worksheet, its questions and steps, its moves from
Plan to Act, the ramp's next cycle, the participants and the 2x10 grid.

Who may run a cycle (selectors.may_run) is checked here as well as in the views, so that no
caller can let a school role change another school's cycle or add another school's student.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.timezone import now

from districts.models import District, School, User
from districts.services import require_working_for
from districts.tenancy import current_tenant
from partners.models import AbsenceReason, Intervention, PartnerEntry
from support.models import ConversationReason, StudentIntervention
from tiering import selectors as tiering_selectors
from tiering.models import Snapshot, Standing, Student

from . import results, selectors
from .models import (
    DEFAULT_PLANNED_DAYS,
    STATUS_ORDER,
    ActDecision,
    ChangeIdea,
    Cycle,
    CycleIntervention,
    CyclePartnerEntry,
    CycleReason,
    CycleSchool,
    CycleStatus,
    CycleTemplate,
    LearningQuestion,
    Participant,
    ParticipantSession,
    PlanStep,
    ReasonTally,
    StudyResult,
    StudySource,
)

PREDICTIONS_REQUIRED = (
    "Make a prediction for each question before the test starts (not optional): {labels} "
    "{verb} none yet."
)


@dataclass
class WorksheetFields:
    """The worksheet's own fields, as one value the form, the template and the ramp fill in."""

    title: str
    testers: str = ""
    idea: str = ""
    first_day: date | None = None
    last_day: date | None = None
    planned_days: int = DEFAULT_PLANNED_DAYS
    test_notes: str = ""
    goal: str = ""
    driver: str = ""
    do_text: str = ""
    act_text: str = ""


WORKSHEET_FIELDS = [f.name for f in fields(WorksheetFields)]
# What the next cycle of a ramp starts with: the plan, not this cycle's dates or findings.
CARRIED_FIELDS = ["title", "testers", "idea", "planned_days", "test_notes", "goal", "driver"]


def _require_same_district(district: District, *objects) -> None:
    require_working_for(district)
    for obj in objects:
        if obj is not None and obj.district_id != district.pk:
            raise ValidationError(f"{obj} belongs to another district than {district}.")


def _school_ids(cycle: Cycle) -> set[int]:
    return set(CycleSchool.objects.filter(cycle=cycle).values_list("school_id", flat=True))


def _require_runner(cycle: Cycle) -> None:
    require_working_for(cycle.district)
    ctx = current_tenant()
    if not selectors.cycle_access(ctx=ctx, cycle=cycle, school_ids=_school_ids(cycle)).may_run:
        raise PermissionDenied("Your role does not run this cycle.")


def _require_schools_allowed(schools: Iterable[School]) -> None:
    """School roles name at least one school, all their own; a cycle naming none is a
    district-wide one, run by district administrators and the cabinet."""
    ctx = current_tenant()
    ids = {s.pk for s in schools}
    # The schools to name, all of them: none beyond.
    if not selectors.may_run(ctx=ctx, school_ids=ids, names_other_schools=False):
        raise ValidationError("Choose one or more of your schools for this cycle.")


def _touch(cycle: Cycle) -> None:
    cycle.updated_at = now()
    cycle.save(update_fields=["updated_at"])


# --- The worksheet -------------------------------------------------------------------------


@transaction.atomic
def cycle_create(
    *,
    district: District,
    created_by: User,
    schools: Iterable[School],
    title: str = "",
    template: CycleTemplate | None = None,
) -> Cycle:
    """Cycle 1 of a new change idea, from a blank worksheet or from a template (copied word
    for word: its fields, questions with their predictions and data, and steps)."""
    schools = list(schools)
    _require_same_district(district, *schools)
    _require_schools_allowed(schools)
    worksheet = WorksheetFields(title=title.strip())
    if template is not None:
        worksheet = WorksheetFields(
            title=title.strip() or template.title,
            **{name: getattr(template, name) for name in CARRIED_FIELDS if name != "title"},
        )
    if not worksheet.title:
        raise ValidationError({"title": "Give the test a title."})
    idea = ChangeIdea(district=district, title=worksheet.title, created_by=created_by)
    idea.full_clean()
    idea.save()
    cycle = Cycle(
        district=district,
        change_idea=idea,
        number=1,
        template=template,
        created_by=created_by,
        **{name: getattr(worksheet, name) for name in WORKSHEET_FIELDS},
    )
    cycle.full_clean()
    cycle.save()
    _set_links(cycle, schools=schools)
    if template is not None:
        for question in template.questions:
            _part_create(
                LearningQuestion,
                cycle,
                text=question["text"],
                prediction=question["prediction"],
                data_to_collect=question["data"],
            )
        for step in template.steps:
            _part_create(PlanStep, cycle, text=step["text"], owner=step["owner"])
    return cycle


@transaction.atomic
def cycle_update(*, cycle: Cycle, worksheet: WorksheetFields) -> Cycle:
    _require_runner(cycle)
    for name in WORKSHEET_FIELDS:
        value = getattr(worksheet, name)
        setattr(cycle, name, value.strip() if isinstance(value, str) else value)
    cycle.updated_at = now()
    cycle.full_clean()
    # Only the worksheet's fields: the stored counts of the 2x10 grid are the services' to keep.
    cycle.save(update_fields=[*WORKSHEET_FIELDS, "updated_at"])
    if cycle.number == 1:
        ChangeIdea.objects.filter(pk=cycle.change_idea_id).update(title=cycle.title)
    return cycle


@transaction.atomic
def cycle_links_set(
    *,
    cycle: Cycle,
    schools: Iterable[School],
    reasons: Iterable[AbsenceReason] = (),
    interventions: Iterable[Intervention] = (),
    partner_entries: Iterable[PartnerEntry] = (),
) -> Cycle:
    """The schools the cycle runs at, the reasons for absence it addresses, the interventions
    it tries and the partner entries involved (replacing those named before)."""
    _require_runner(cycle)
    schools, partner_entries = list(schools), list(partner_entries)
    _require_same_district(cycle.district, *schools, *partner_entries)
    _require_schools_allowed(schools)
    for model in (CycleSchool, CycleReason, CycleIntervention, CyclePartnerEntry):
        model.objects.filter(cycle=cycle).delete()
    _set_links(
        cycle,
        schools=schools,
        reasons=reasons,
        interventions=interventions,
        partner_entries=partner_entries,
    )
    _touch(cycle)
    return cycle


def _set_links(cycle, *, schools, reasons=(), interventions=(), partner_entries=()) -> None:
    district = cycle.district
    CycleSchool.objects.bulk_create(
        [CycleSchool(district=district, cycle=cycle, school=s) for s in schools]
    )
    CycleReason.objects.bulk_create(
        [CycleReason(district=district, cycle=cycle, reason=r) for r in reasons]
    )
    CycleIntervention.objects.bulk_create(
        [CycleIntervention(district=district, cycle=cycle, intervention=i) for i in interventions]
    )
    CyclePartnerEntry.objects.bulk_create(
        [CyclePartnerEntry(district=district, cycle=cycle, entry=e) for e in partner_entries]
    )


def _next_position(model, cycle: Cycle) -> int:
    return (model.objects.filter(cycle=cycle).aggregate(n=Max("position"))["n"] or 0) + 1


# Questions and steps are numbered parts of a worksheet, added, edited and removed alike.


def _part_create(model, cycle: Cycle, **values):
    part = model(
        district=cycle.district,
        cycle=cycle,
        position=_next_position(model, cycle),
        **{k: v.strip() for k, v in values.items()},
    )
    part.full_clean()
    part.save()
    return part


def _part_add(model, cycle: Cycle, **values):
    _require_runner(cycle)
    part = _part_create(model, cycle, **values)
    _touch(cycle)
    return part


def _part_update(part, **values):
    _require_runner(part.cycle)
    for name, value in values.items():
        setattr(part, name, value.strip())
    part.full_clean()
    part.save()
    _touch(part.cycle)
    return part


def _part_remove(part) -> None:
    cycle = part.cycle
    _require_runner(cycle)
    part.delete()
    _renumber(type(part), cycle)
    _touch(cycle)


@transaction.atomic
def question_add(
    *, cycle: Cycle, text: str, prediction: str = "", data_to_collect: str = ""
) -> LearningQuestion:
    return _part_add(
        LearningQuestion, cycle, text=text, prediction=prediction, data_to_collect=data_to_collect
    )


@transaction.atomic
def question_update(
    *, question: LearningQuestion, text: str, prediction: str, data_to_collect: str, result: str
) -> LearningQuestion:
    return _part_update(
        question, text=text, prediction=prediction, data_to_collect=data_to_collect, result=result
    )


@transaction.atomic
def question_remove(*, question: LearningQuestion) -> None:
    _part_remove(question)


@transaction.atomic
def step_add(*, cycle: Cycle, text: str, owner: str = "") -> PlanStep:
    return _part_add(PlanStep, cycle, text=text, owner=owner)


@transaction.atomic
def step_update(*, step: PlanStep, text: str, owner: str) -> PlanStep:
    return _part_update(step, text=text, owner=owner)


@transaction.atomic
def step_remove(*, step: PlanStep) -> None:
    _part_remove(step)


def _renumber(model, cycle: Cycle) -> None:
    """Q1…Qn (and steps 1…n) stay consecutive after a removal; two passes, as each position
    is unique within the cycle."""
    rows = list(model.objects.filter(cycle=cycle).order_by("position"))
    offset = len(rows) + 1000
    for row in rows:
        model.objects.filter(pk=row.pk).update(position=row.position + offset)
    for number, row in enumerate(rows, start=1):
        model.objects.filter(pk=row.pk).update(position=number)


# --- Plan → Do → Study → Act ---------------------------------------------------------------


def missing_predictions(cycle: Cycle) -> list[str]:
    return [
        f"Q{position}"
        for position, prediction in LearningQuestion.objects.filter(cycle=cycle)
        .order_by("position")
        .values_list("position", "prediction")
        if not prediction.strip()
    ]


@transaction.atomic
def cycle_advance(*, cycle: Cycle, to: CycleStatus) -> Cycle:
    """One step along Plan → Do → Study → Act. The test cannot start (Do) while a learning
    question lacks its prediction: the worksheet's "Not optional"."""
    _require_runner(cycle)
    current = STATUS_ORDER.index(CycleStatus(cycle.status))
    if STATUS_ORDER.index(to) != current + 1:
        raise ValidationError(
            f"A cycle moves from {CycleStatus(cycle.status).label} to "
            f"{STATUS_ORDER[current + 1].label if current + 1 < len(STATUS_ORDER) else 'nothing'}"
            f", not to {CycleStatus(to).label}."
        )
    if to == CycleStatus.DO:
        if not LearningQuestion.objects.filter(cycle=cycle).exists():
            raise ValidationError("Write at least one learning question before the test starts.")
        missing = missing_predictions(cycle)
        if missing:
            raise ValidationError(
                PREDICTIONS_REQUIRED.format(
                    labels=", ".join(missing), verb="has" if len(missing) == 1 else "have"
                )
            )
    cycle.status = to
    cycle.updated_at = now()
    cycle.save(update_fields=["status", "updated_at"])
    if to == CycleStatus.STUDY:
        _study_queue(cycle)
    return cycle


@transaction.atomic
def cycle_decide(*, cycle: Cycle, decision: ActDecision, act_text: str) -> Cycle:
    """The Act: adapt, adopt, expand or abandon, and what the team will do next. Chosen once
    the team has studied the test; choosing it moves the cycle to Act."""
    _require_runner(cycle)
    if cycle.status not in (CycleStatus.STUDY, CycleStatus.ACT):
        raise ValidationError("Study the test before deciding what to do next.")
    cycle.act_decision = ActDecision(decision)
    cycle.act_text = act_text.strip()
    cycle.status = CycleStatus.ACT
    cycle.updated_at = now()
    cycle.full_clean()
    cycle.save(update_fields=["act_decision", "act_text", "status", "updated_at"])
    return cycle


@transaction.atomic
def cycle_next(*, cycle: Cycle, created_by: User) -> Cycle:
    """ "Start the next cycle from this one": cycle N+1 of the same change idea, with this
    cycle's worksheet (plan, questions with their predictions and data, steps, schools,
    reasons, interventions, partners) and none of its dates, findings or participants."""
    _require_runner(cycle)
    if not cycle.act_decision:
        raise ValidationError("Decide what to do next (Act) before starting the next cycle.")
    if cycle.act_decision == ActDecision.ABANDON:
        raise ValidationError(
            "This change idea was abandoned: start a new change idea instead of another cycle."
        )
    latest = Cycle.objects.filter(change_idea_id=cycle.change_idea_id).aggregate(n=Max("number"))[
        "n"
    ]
    if latest != cycle.number:
        raise ValidationError(
            f"Cycle {latest} already follows; start the next cycle from the latest one."
        )
    following = Cycle(
        district=cycle.district,
        change_idea_id=cycle.change_idea_id,
        number=cycle.number + 1,
        previous=cycle,
        template=cycle.template,
        created_by=created_by,
        **{name: getattr(cycle, name) for name in CARRIED_FIELDS},
    )
    following.full_clean()
    following.save()
    _set_links(
        following,
        schools=cycle.schools.all(),
        reasons=cycle.reasons.all(),
        interventions=cycle.interventions.all(),
        partner_entries=PartnerEntry.objects.filter(
            pk__in=CyclePartnerEntry.objects.filter(cycle=cycle).values("entry_id")
        ),
    )
    for question in cycle.questions.all():
        _part_create(
            LearningQuestion,
            following,
            text=question.text,
            prediction=question.prediction,
            data_to_collect=question.data_to_collect,
        )
    for step in cycle.steps.all():
        _part_create(PlanStep, following, text=step.text, owner=step.owner)
    return following


# --- Participants and the 2x10 grid --------------------------------------------------------


@transaction.atomic
def participants_add(
    *, cycle: Cycle, students: Iterable[Student], added_by: User
) -> list[Participant]:
    """Adds the students not yet in the cycle, each with the sessions the test plans and their
    band now. A school role adds only students of its own schools, and a cycle naming schools
    takes only their students; anyone else is refused, with their names."""
    _require_runner(cycle)
    students = list(students)
    _require_same_district(cycle.district, *students)
    ctx = current_tenant()
    cycle_schools = _school_ids(cycle)
    refused = [
        s
        for s in students
        if (ctx.school_ids is not None and s.school_id not in ctx.school_ids)
        or (cycle_schools and s.school_id not in cycle_schools)
    ]
    if refused:
        names = ", ".join(f"{s.first_name} {s.last_name} ({s.sis_id})".strip() for s in refused)
        raise ValidationError(f"Not students of this cycle's schools: {names}.")
    present = set(
        Participant.objects.filter(cycle=cycle, student__in=students).values_list(
            "student_id", flat=True
        )
    )
    new = [s for s in students if s.pk not in present]
    bands = selectors.current_bands(student_ids=[s.pk for s in new])
    added = []
    for student in new:
        participant = Participant(
            district=cycle.district,
            cycle=cycle,
            student=student,
            planned_sessions=cycle.planned_days,
            band_at_start=bands.get(student.pk, ""),
            added_by=added_by,
        )
        participant.full_clean(validate_constraints=False)
        added.append(participant)
    Participant.objects.bulk_create(added)
    _recount(cycle)
    if added:
        _study_queue(cycle)
    return added


@transaction.atomic
def participant_remove(*, participant: Participant) -> None:
    cycle = participant.cycle
    _require_runner(cycle)
    participant.delete()
    _recount(cycle)
    _study_queue(cycle)


@transaction.atomic
def participant_plan(*, participant: Participant, planned_sessions: int) -> Participant:
    _require_runner(participant.cycle)
    participant.planned_sessions = planned_sessions
    participant.full_clean()
    participant.save(update_fields=["planned_sessions"])
    _recount(participant.cycle)
    return participant


@transaction.atomic
def session_tick(
    *, participant: Participant, held_on: date, held: bool, ticked_by: User
) -> Participant:
    """Ticks (or unticks) the session of one day on the 2x10 grid."""
    cycle = participant.cycle
    _require_runner(cycle)
    if cycle.status == CycleStatus.PLAN:
        raise ValidationError("Sessions are ticked once the test has started (Do).")
    school_days = selectors.session_days(cycle, school_ids={participant.student.school_id})
    if held_on not in school_days:
        raise ValidationError(f"{held_on:%b %-d, %Y} is not a school day of this test.")
    sessions = ParticipantSession.objects.filter(participant=participant, held_on=held_on)
    if held and not sessions.exists():
        session = ParticipantSession(
            district=cycle.district,
            participant=participant,
            student_id=participant.student_id,
            held_on=held_on,
            ticked_by=ticked_by,
        )
        session.full_clean()
        session.save()
    elif not held:
        sessions.delete()
    _recount(cycle)
    return participant


def _recount(cycle: Cycle) -> None:
    counts = selectors.participation(participants=Participant.objects.filter(cycle=cycle))
    cycle.reached = counts.reached
    cycle.sessions_planned = counts.sessions_planned
    cycle.sessions_held = counts.sessions_held
    cycle.completed_all = counts.completed_all
    cycle.updated_at = now()
    cycle.save(
        update_fields=[
            "reached",
            "sessions_planned",
            "sessions_held",
            "completed_all",
            "updated_at",
        ]
    )


# --- Study: computed from the attendance on record ----------------------------------------


@transaction.atomic
def cycle_study_refresh(*, cycle: Cycle) -> StudyResult:
    """Computes the cycle's Study from the attendance on record and stores it, replacing the
    last one: aggregates only (results.py), with when it was computed. Run by the worker in
    the district's system context after imports and recomputes, and by a runner's button."""
    _require_runner(cycle)
    values = results.compute(cycle=cycle, today=cycle.district.today())
    values.setdefault("source", StudySource.DAILY)
    stored = StudyResult.objects.filter(cycle=cycle).values_list("pk", flat=True).first()
    # A fresh row over the old one's id: no figure of the last computation survives this one.
    result = StudyResult(
        pk=stored, district=cycle.district, cycle=cycle, computed_at=now(), **values
    )
    result.full_clean(validate_unique=False)
    result.save(force_update=stored is not None)
    if cycle.study_failed_at is not None:
        cycle.study_failed_at, cycle.study_failure = None, ""
        cycle.save(update_fields=["study_failed_at", "study_failure"])
    return result


def cycle_study_failed(*, cycle: Cycle, error: Exception, at: datetime) -> None:
    """Records that the worker could not recompute the cycle's Study (the error's first line,
    as staff would quote it), until a recomputation succeeds."""
    cycle.study_failed_at = at
    cycle.study_failure = (str(error).strip().splitlines() or [type(error).__name__])[0][:500]
    cycle.save(update_fields=["study_failed_at", "study_failure"])


# --- The chain's stored counts -------------------------------------------------------------


@transaction.atomic
def reason_tallies_refresh(*, district: District) -> int:
    """Counts the chain again for the district's current snapshot: one tally for the district
    (each student's standing across it) and one for each school with standings in it, from
    every support record of the district; tallies of older snapshots go. System work, as a
    school role's walls hide the students who have moved away since. Returns the tallies."""
    require_working_for(district)
    if not current_tenant().is_system:
        raise PermissionDenied("The chain is counted for the whole district only.")
    snapshot = tiering_selectors.current_snapshot(snapshots=Snapshot.objects.all())
    ReasonTally.objects.exclude(snapshot=snapshot).delete()
    if snapshot is None:
        return 0
    reasons = ConversationReason.objects.all()
    records = StudentIntervention.objects.all()
    counts = selectors.reason_counts(
        reasons=reasons,
        records=records,
        scoped=Standing.objects.across_district(snapshot=snapshot),
    ) | selectors.reason_counts(
        reasons=reasons,
        records=records,
        scoped=Standing.objects.filter(snapshot=snapshot, school__isnull=False),
        by_school=True,
    )
    # Every school with standings has its tally, those with no reason recorded too: a tally
    # missing means not counted yet, and the page counts as it opens.
    school_ids = set(
        Standing.objects.filter(snapshot=snapshot, school__isnull=False)
        .order_by()
        .values_list("school_id", flat=True)
        .distinct()
    )
    computed_at = now()
    tallies = []
    for school_id in [None, *sorted(school_ids)]:
        bands, students, tried = counts.get(school_id, ({}, 0, {}))
        tallies.append(
            ReasonTally(
                district=district,
                snapshot=snapshot,
                school_id=school_id,
                computed_at=computed_at,
                students=students,
                bands=bands,
                tried=[[reason, *row] for reason, rows in sorted(tried.items()) for row in rows],
            )
        )
    ReasonTally.objects.filter(snapshot=snapshot).delete()
    ReasonTally.objects.bulk_create(tallies)
    return len(tallies)


def _study_queue(cycle: Cycle) -> None:
    """Recomputes the Study once the change commits, in a worker (tasks run the service)."""
    from .tasks import refresh_study  # tasks import this module: not at the top

    district_id, cycle_id = cycle.district_id, cycle.pk
    transaction.on_commit(lambda: refresh_study.delay(district_id=district_id, cycle_id=cycle_id))
