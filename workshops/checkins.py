"""Follow-up check-ins (the flyer's "regular check-ins on strategy progress"): the facilitator
sets the dates (30, 60 and 90 days after the workshop by default, services.workshop_create);
at each, a team reports every action's status and note, kept as that check-in's history; each
district sets an interim goal for its chronic absence rate, shown beside the latest rate its
packet published; the facilitator follows every accepted team on one progress page.

The measured rate is read from the packet (packets.py), never from a student table: it passed
suppression.py when it was materialised, it is there only while the district shares its band
mix, and a withdrawal deletes it in the withdrawing transaction, so it leaves every check-in at
once. Reminders are reminders.py's."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone

from districts.models import User
from districts.tenancy import require_working_for

from . import selectors, services
from .models import (
    ActionStatus,
    ActionUpdate,
    CheckIn,
    Consent,
    ConsentItem,
    InterimGoal,
    Invitation,
    InvitationStatus,
    PacketTable,
    PlanAction,
    TeamCheckIn,
    Workshop,
)
from .packets import DISTRICT_KEY

# --- The schedule (facilitator) ---------------------------------------------------------------


@transaction.atomic
def check_ins_schedule(
    *, workshop: Workshop, moved: dict[int, date], added: list[date], by: User
) -> list[CheckIn]:
    """Moves check-ins to new days and adds new ones. None is removed: a team may have reported
    at it. Every day falls after the workshop's last day, and no two on the same day."""
    services._require_facilitator(by)
    current = {c.pk: c for c in CheckIn.objects.filter(workshop=workshop)}
    if set(moved) - set(current):
        raise ValidationError("A check-in you moved is not one of this workshop's.")
    days = [moved.get(pk, c.due_on) for pk, c in current.items()] + list(added)
    early = sorted(d for d in days if d <= workshop.last_day)
    if early:
        raise ValidationError(
            f"A check-in comes after the workshop’s last day ({workshop.last_day:%B %-d, %Y}): "
            f"{', '.join(f'{d:%B %-d, %Y}' for d in early)} is not."
        )
    twice = sorted(d for d, n in Counter(days).items() if n > 1)
    if twice:
        raise ValidationError(
            "Two check-ins cannot fall on the same day: "
            f"{', '.join(f'{d:%B %-d, %Y}' for d in twice)}."
        )
    changed = [c for pk, c in current.items() if pk in moved and moved[pk] != c.due_on]
    # Moved in two steps, through days no check-in can hold (before the workshop), so that two
    # check-ins may swap days without meeting the one-per-day constraint on the way.
    for n, check_in in enumerate(changed, start=1):
        CheckIn.objects.filter(pk=check_in.pk).update(due_on=workshop.first_day - timedelta(days=n))
    for check_in in changed:
        CheckIn.objects.filter(pk=check_in.pk).update(due_on=moved[check_in.pk])
    CheckIn.objects.bulk_create(CheckIn(workshop=workshop, due_on=day) for day in added)
    return list(CheckIn.objects.filter(workshop=workshop))


# --- A team's report and goal (district) ------------------------------------------------------


def _require_accepted(invitation: Invitation) -> None:
    if invitation.status != InvitationStatus.ACCEPTED:
        raise ValidationError(
            "Check-ins follow the workshop: they open once the district has accepted it."
        )


@dataclass(frozen=True)
class ActionReport:
    status: ActionStatus
    note: str = ""


@transaction.atomic
def check_in_record(
    *,
    invitation: Invitation,
    check_in: CheckIn,
    reports: dict[int, ActionReport],
    note: str,
    by: User,
) -> TeamCheckIn:
    """The team's report at `check_in`: each action's status and note (by action id; an action
    left out keeps its status, with no note). Reporting again at the same check-in corrects
    that report. The statuses become the plan's own unless the team has already reported at a
    later check-in (a correction of the past leaves the present alone)."""
    require_working_for(invitation.district, invitation)
    _require_accepted(invitation)
    if check_in.workshop_id != invitation.workshop_id:
        raise ValidationError("This check-in is another workshop's.")
    actions = list(PlanAction.objects.filter(invitation=invitation))
    if set(reports) - {a.pk for a in actions}:
        raise ValidationError("An action you reported on is no longer in the plan: reload it.")
    report = TeamCheckIn.objects.filter(invitation=invitation, check_in=check_in).first()
    if report is None:
        report = TeamCheckIn(
            district_id=invitation.district_id,
            invitation=invitation,
            workshop_id=invitation.workshop_id,
            check_in=check_in,
            recorded_by=by,
        )
    report.note = note.strip()
    report.recorded_by = by
    report.recorded_at = timezone.now()
    report.full_clean()
    report.save()
    ActionUpdate.objects.filter(report=report).delete()
    updates = []
    for action in actions:
        given = reports.get(action.pk, ActionReport(status=ActionStatus(action.status)))
        update = ActionUpdate(
            district_id=invitation.district_id,
            report=report,
            invitation=invitation,
            workshop_id=invitation.workshop_id,
            action=action,
            kind=action.kind,
            action_text=action.action,
            status=given.status,
            note=given.note.strip(),
        )
        update.full_clean()
        updates.append(update)
    ActionUpdate.objects.bulk_create(updates)
    later = TeamCheckIn.objects.filter(
        invitation=invitation, check_in__due_on__gt=check_in.due_on
    ).exists()
    if not later:
        for action, update in zip(actions, updates, strict=True):
            # Through the plan's autosave, so that a plan page open elsewhere sees a newer
            # status and refuses to overwrite it.
            services.plan_field_save(
                action=action,
                field="status",
                value=update.status,
                base_revision=action.revision_of("status"),
                editor=by,
            )
    return report


@transaction.atomic
def interim_goal_set(
    *, invitation: Invitation, target_rate: Decimal, target_date: date, by: User
) -> InterimGoal:
    """The chronic absence rate the district aims for, and by when (changing it replaces it)."""
    require_working_for(invitation.district, invitation)
    _require_accepted(invitation)
    if target_date < invitation.workshop.first_day:
        raise ValidationError(
            "An interim goal is for after the workshop: choose a date from "
            f"{invitation.workshop.first_day:%B %-d, %Y} on."
        )
    goal = InterimGoal.objects.filter(invitation=invitation).first() or InterimGoal(
        district_id=invitation.district_id,
        invitation=invitation,
        workshop_id=invitation.workshop_id,
        set_by=by,
    )
    goal.target_rate = target_rate
    goal.target_date = target_date
    goal.set_by = by
    goal.set_at = timezone.now()
    goal.full_clean()
    goal.save()
    return goal


# --- Reads ------------------------------------------------------------------------------------


class CheckInState(TextChoices):
    DONE = "done", "Done"
    OVERDUE = "overdue", "Overdue"
    COMING = "coming", "Coming"


def check_in_state(check_in: CheckIn, report: TeamCheckIn | None, today: date) -> CheckInState:
    if report is not None:
        return CheckInState.DONE
    return CheckInState.OVERDUE if check_in.due_on < today else CheckInState.COMING


@dataclass(frozen=True)
class MeasuredRate:
    """The district's chronic absence rate as its packet published it: a whole percent, a
    coded bound ("≤ 5%") or no figure for a group under the workshop's minimum."""

    text: str
    value: int | None
    as_of: date | None


def _measured_rate(table: PacketTable | None) -> MeasuredRate | None:
    if table is None:
        return None
    cell = table.figures["rows"][0]["rate"]
    return MeasuredRate(text=cell["text"], value=cell["value"], as_of=table.as_of)


class GoalStanding(TextChoices):
    MET = "met", "At or below the goal"
    ABOVE = "above", "Above the goal"
    UNKNOWN = "unknown", "Cannot tell from the published rate"


def goal_standing(goal: InterimGoal | None, rate: MeasuredRate | None) -> GoalStanding | None:
    """The published rate against the goal. A coded rate tells only one side: "≤ 5%" is at or
    below a goal of 5% or more, "≥ 95%" above any goal under 95%; otherwise nobody can tell."""
    if goal is None or rate is None:
        return None
    if rate.value is None:
        return GoalStanding.UNKNOWN
    at_or_below = rate.value <= goal.target_rate
    if rate.text.startswith("≤"):
        return GoalStanding.MET if at_or_below else GoalStanding.UNKNOWN
    if rate.text.startswith("≥"):
        return GoalStanding.ABOVE if not at_or_below else GoalStanding.UNKNOWN
    return GoalStanding.MET if at_or_below else GoalStanding.ABOVE


@dataclass
class CheckInRow:
    check_in: CheckIn
    report: TeamCheckIn | None
    state: CheckInState
    updates: list[ActionUpdate]


@dataclass
class TeamCheckIns:
    """One team's check-ins, goal and latest measured rate (the district's page)."""

    invitation: Invitation
    rows: list[CheckInRow]
    goal: InterimGoal | None
    rate: MeasuredRate | None
    shares_rate: bool

    @property
    def standing(self) -> GoalStanding | None:
        return goal_standing(self.goal, self.rate)


def team_check_ins(*, invitation: Invitation, today: date) -> TeamCheckIns:
    """Read in the district's context: the dates of the workshop, the team's reports with
    each action's update, its goal, and its packet's rate while it shares its band mix."""
    reports = {
        r.check_in_id: r
        for r in TeamCheckIn.objects.filter(invitation=invitation).select_related("recorded_by")
    }
    updates: dict[int, list[ActionUpdate]] = defaultdict(list)
    for update in ActionUpdate.objects.filter(invitation=invitation).order_by("kind", "pk"):
        updates[update.report_id].append(update)
    rows = []
    for check_in in CheckIn.objects.filter(workshop_id=invitation.workshop_id).select_related(
        "workshop"
    ):
        report = reports.get(check_in.pk)
        rows.append(
            CheckInRow(
                check_in=check_in,
                report=report,
                state=check_in_state(check_in, report, today),
                updates=updates[report.pk] if report else [],
            )
        )
    shares = Consent.objects.filter(invitation=invitation, item=ConsentItem.BANDS).exists()
    table = (
        PacketTable.objects.filter(
            invitation=invitation, key=DISTRICT_KEY, item=ConsentItem.BANDS
        ).first()
        if shares
        else None
    )
    return TeamCheckIns(
        invitation=invitation,
        rows=rows,
        goal=InterimGoal.objects.filter(invitation=invitation).first(),
        rate=_measured_rate(table),
        shares_rate=shares,
    )


@dataclass
class TeamProgress:
    """One accepted team on the facilitator's progress page."""

    invitation: Invitation
    label: str
    done: int
    overdue: int
    coming: int
    by_status: dict[str, int]
    goal: InterimGoal | None
    rate: MeasuredRate | None
    shares_rate: bool

    @property
    def actions(self) -> int:
        return sum(self.by_status.values())

    @property
    def standing(self) -> GoalStanding | None:
        return goal_standing(self.goal, self.rate)


def progress(*, workshop: Workshop) -> list[TeamProgress]:
    """Every accepted team's check-ins, actions by status, goal and latest measured rate, under
    the name its district chose to be shown by (facilitator's context). Each team's days are
    counted in its district's calendar."""
    shared = selectors._shared(workshop)
    check_ins = list(CheckIn.objects.filter(workshop=workshop))
    reports: dict[int, dict[int, TeamCheckIn]] = defaultdict(dict)
    for report in TeamCheckIn.across_districts.filter(workshop=workshop):
        reports[report.invitation_id][report.check_in_id] = report
    statuses: dict[int, Counter] = defaultdict(Counter)
    for invitation_id, status in PlanAction.across_districts.filter(workshop=workshop).values_list(
        "invitation_id", "status"
    ):
        statuses[invitation_id][status] += 1
    goals = {g.invitation_id: g for g in InterimGoal.across_districts.filter(workshop=workshop)}
    rates = {
        t.invitation_id: t
        for t in PacketTable.across_districts.filter(
            workshop=workshop, key=DISTRICT_KEY, item=ConsentItem.BANDS
        )
    }
    teams = []
    for invitation in selectors._accepted(workshop):
        today = invitation.district.today()
        own = reports[invitation.pk]
        states = Counter(check_in_state(c, own.get(c.pk), today) for c in check_ins)
        shares = shared[invitation.pk]
        teams.append(
            TeamProgress(
                invitation=invitation,
                label=invitation.district.name if ConsentItem.NAME in shares else invitation.alias,
                done=states[CheckInState.DONE],
                overdue=states[CheckInState.OVERDUE],
                coming=states[CheckInState.COMING],
                by_status={s.value: statuses[invitation.pk][s.value] for s in ActionStatus},
                goal=goals.get(invitation.pk),
                rate=_measured_rate(rates.get(invitation.pk))
                if ConsentItem.BANDS in shares
                else None,
                shares_rate=ConsentItem.BANDS in shares,
            )
        )
    return teams


@dataclass(frozen=True)
class StatusSegment:
    status: ActionStatus
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class StatusBar:
    label: str
    segments: list[StatusSegment]
    summary: str


def status_bars(teams: list[TeamProgress]) -> list[StatusBar]:
    """The progress chart: each team's actions by status as one bar of 100 units, done first,
    with the counts written beside it (the chart reads without colour)."""
    bars = []
    for team in teams:
        x = 0.0
        segments = []
        for status in (ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.NOT_STARTED):
            count = team.by_status[status.value]
            width = round(100 * count / team.actions, 2) if team.actions else 0.0
            segments.append(StatusSegment(status=status, count=count, x=x, width=width))
            x = round(x + width, 2)
        summary = (
            ", ".join(f"{s.count} {s.status.label.lower()}" for s in segments)
            if team.actions
            else "no actions yet"
        )
        bars.append(StatusBar(label=team.label, segments=segments, summary=summary))
    return bars


PROGRESS_HEADER = [
    "Team",
    "Check-ins done",
    "Check-ins overdue",
    "Check-ins coming",
    "Actions done",
    "Actions in progress",
    "Actions not started",
    "Interim goal (%)",
    "Goal date",
    "Latest measured rate",
    "Measured as of",
    "Against the goal",
]


def _rate_text(team: TeamProgress) -> str:
    if team.rate:
        return team.rate.text
    return "not published yet" if team.shares_rate else "not shared"


def progress_rows(teams: list[TeamProgress]) -> list[list[object]]:
    """The progress table as the CSV and XLSX exports write it."""
    return [
        [
            team.label,
            team.done,
            team.overdue,
            team.coming,
            team.by_status[ActionStatus.DONE],
            team.by_status[ActionStatus.IN_PROGRESS],
            team.by_status[ActionStatus.NOT_STARTED],
            team.goal.target_rate if team.goal else "",
            team.goal.target_date if team.goal else "",
            _rate_text(team),
            team.rate.as_of if team.rate and team.rate.as_of else "",
            team.standing.label if team.standing else "",
        ]
        for team in teams
    ]
