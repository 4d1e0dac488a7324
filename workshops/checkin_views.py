"""The follow-up check-ins' pages (checkins.py): the facilitator's schedule and progress page
(/workshops/<id>/…, access.facilitator_required) and a team's check-ins, report and interim
goal (/d/<district>/workshops/<invitation>/check-ins/…, WORK_ON_WORKSHOP_PLANS: whoever
works on the team's plan reports on it)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from districts.access import role_required
from districts.exports import csv_download, xlsx_download
from districts.roles import WORK_ON_WORKSHOP_PLANS
from selfassessment.services import EditConflict

from . import checkins
from .access import facilitator_required, workshop_for
from .forms import CheckInDateFormSet, CheckInReportForm, InterimGoalForm
from .models import ActionStatus, CheckIn, InterimGoal, Invitation, PlanAction, TeamCheckIn
from .views import _plan_invitation

DOWNLOADS = ("csv", "xlsx")

# --- Facilitators -----------------------------------------------------------------------------


@facilitator_required
def schedule(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The workshop's check-in dates: move them, add one."""
    workshop = workshop_for(request, workshop_id)
    formset = CheckInDateFormSet(
        request.POST or None, queryset=CheckIn.objects.filter(workshop=workshop), prefix="check_ins"
    )
    status, problems = 200, []
    if request.method == "POST":
        if formset.is_valid():
            moved = {
                f.instance.pk: f.cleaned_data["due_on"] for f in formset.forms if f.instance.pk
            }
            added = [
                f.cleaned_data["due_on"]
                for f in formset.forms
                if not f.instance.pk and f.cleaned_data.get("due_on")
            ]
            try:
                checkins.check_ins_schedule(
                    workshop=workshop, moved=moved, added=added, by=request.user
                )
            except ValidationError as error:
                problems = error.messages
            else:
                messages.success(request, "Check-in dates saved.")
                return redirect("workshops:check_ins", workshop_id=workshop.pk)
        status = 422
    context = {"workshop": workshop, "formset": formset, "problems": problems}
    return render(request, "workshops/check_in_schedule.html", context, status=status)


@facilitator_required
def progress(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """Every accepted team's check-ins, actions by status and interim goal against its latest
    measured rate; the table as CSV or XLSX."""
    workshop = workshop_for(request, workshop_id)
    teams = checkins.progress(workshop=workshop)
    export = request.GET.get("format")
    if export in DOWNLOADS:
        stem = f"check-in-progress-{slugify(workshop.title)}"
        rows = checkins.progress_rows(teams)
        if export == "xlsx":
            return xlsx_download(
                filename=f"{stem}.xlsx",
                sheet="Progress",
                header=checkins.PROGRESS_HEADER,
                rows=rows,
            )
        return csv_download(filename=f"{stem}.csv", header=checkins.PROGRESS_HEADER, rows=rows)
    context = {
        "workshop": workshop,
        "teams": teams,
        "bars": checkins.status_bars(teams),
        "check_ins": CheckIn.objects.filter(workshop=workshop),
        "statuses": (ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.NOT_STARTED),
    }
    return render(request, "workshops/check_in_progress.html", context)


# --- A district's team ------------------------------------------------------------------------


def _check_ins_url(invitation: Invitation) -> str:
    return reverse(
        "district_workshops:check_ins",
        kwargs={"district_slug": invitation.district.slug, "invitation_id": invitation.pk},
    )


def _team_page(request, invitation, *, goal_form=None, status=200) -> HttpResponse:
    found = checkins.team_check_ins(invitation=invitation, today=request.district.today())
    context = {
        "invitation": invitation,
        "workshop": invitation.workshop,
        "team": found,
        "goal_form": goal_form or InterimGoalForm(instance=found.goal),
    }
    return render(request, "workshops/check_ins.html", context, status=status)


@role_required(WORK_ON_WORKSHOP_PLANS)
def team_check_ins(request: HttpRequest, district_slug: str, invitation_id: int) -> HttpResponse:
    invitation = _plan_invitation(request, invitation_id)
    return _team_page(request, invitation)


@require_POST
@role_required(WORK_ON_WORKSHOP_PLANS)
def goal_set(request: HttpRequest, district_slug: str, invitation_id: int) -> HttpResponse:
    invitation = _plan_invitation(request, invitation_id)
    current = InterimGoal.objects.filter(invitation=invitation).first()
    form = InterimGoalForm(request.POST, instance=current)
    if form.is_valid():
        try:
            checkins.interim_goal_set(
                invitation=invitation,
                target_rate=form.cleaned_data["target_rate"],
                target_date=form.cleaned_data["target_date"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Interim goal saved.")
            return redirect(_check_ins_url(invitation) + "#goal")
    return _team_page(request, invitation, goal_form=form, status=422)


@role_required(WORK_ON_WORKSHOP_PLANS)
def report(
    request: HttpRequest, district_slug: str, invitation_id: int, check_in_id: int
) -> HttpResponse:
    """GET: the report form (as last reported at this check-in, else the plan's statuses).
    POST: record it."""
    invitation = _plan_invitation(request, invitation_id)
    check_in = get_object_or_404(
        CheckIn.objects.filter(workshop_id=invitation.workshop_id).select_related("workshop"),
        pk=check_in_id,
    )
    actions = list(PlanAction.objects.filter(invitation=invitation))
    earlier = TeamCheckIn.objects.filter(invitation=invitation, check_in=check_in).first()
    initial = {}
    if earlier is not None:
        initial["note"] = earlier.note
        for update in earlier.updates.all():
            initial[f"status_{update.action_id}"] = update.status
            initial[f"note_{update.action_id}"] = update.note
    form = CheckInReportForm(request.POST or None, actions=actions, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                checkins.check_in_record(
                    invitation=invitation,
                    check_in=check_in,
                    reports={
                        pk: checkins.ActionReport(
                            status=ActionStatus(values["status"]), note=values["note"]
                        )
                        for pk, values in form.reports().items()
                    },
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except EditConflict as conflict:
                form.add_error(
                    None,
                    f"{conflict.theirs.editor or 'Someone'} changed an action’s status on the "
                    "plan page while you were writing: check the statuses and save again.",
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                day = f"{check_in.due_on:%B %-d, %Y}"
                messages.success(request, f"Saved: the team’s report for the check-in of {day}.")
                return redirect(_check_ins_url(invitation) + f"#check-in-{check_in.pk}")
        status = 422
    context = {
        "invitation": invitation,
        "workshop": invitation.workshop,
        "check_in": check_in,
        "form": form,
        "earlier": earlier,
        "state": checkins.check_in_state(check_in, earlier, request.district.today()),
    }
    return render(request, "workshops/check_in_report.html", context, status=status)
