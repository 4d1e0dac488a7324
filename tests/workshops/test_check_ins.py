"""Follow-up check-ins: the default dates and the facilitator's changes to them; a team's
report at each check-in, kept as history; the interim goal beside the rate the packet
published (suppressed, and only while shared); the facilitator's progress page and its
exports; who reads and writes what behind the walls."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from openpyxl import load_workbook

from districts.tenancy import system_context
from workshops import checkins, services
from workshops.checkins import GoalStanding, MeasuredRate
from workshops.context import facilitating
from workshops.models import (
    ActionStatus,
    CheckIn,
    ConsentItem,
    Department,
    InterimGoal,
    PacketTable,
    PlanAction,
    PlanKind,
    TeamCheckIn,
)
from workshops.packets import DISTRICT_KEY

from .conftest import accept, materialise

CHECK_INS = "/d/riverside/workshops/{}/check-ins/"


def _check_ins(facilitator, workshop) -> list[CheckIn]:
    with facilitating(facilitator):
        return list(CheckIn.objects.filter(workshop=workshop).select_related("workshop"))


def _plan(invitation, district, by, *names_and_statuses) -> list[PlanAction]:
    with system_context(district, reason="test"):
        actions = []
        for name in names_and_statuses:
            action = services.plan_action_add(
                invitation=invitation, kind=PlanKind.STRATEGIC_ACTION, by=by
            )
            actions.append(
                services.plan_field_save(
                    action=action, field="action", value=name, base_revision=0, editor=by
                )
            )
        return actions


@pytest.fixture
def accepted(riverside_invitation, district, district_admin, school_team_member):
    """Riverside accepted sharing its band mix (as "District A"), with Tess on its team."""
    accept(riverside_invitation, district, district_admin, [ConsentItem.BANDS])
    with system_context(district, reason="test"):
        services.team_member_add(
            invitation=riverside_invitation,
            department=Department.ATTENDANCE,
            user=school_team_member,
        )
    return riverside_invitation


# --- The schedule -----------------------------------------------------------------------------


def test_a_new_workshop_has_check_ins_30_60_and_90_days_after_its_last_day(workshop, facilitator):
    found = _check_ins(facilitator, workshop)
    assert [c.due_on for c in found] == [date(2027, 3, 6), date(2027, 4, 5), date(2027, 5, 5)]
    assert [c.days_after for c in found] == [30, 60, 90]


def _schedule_post(check_ins, days, added=""):
    data = {
        "check_ins-TOTAL_FORMS": str(len(check_ins) + 1),
        "check_ins-INITIAL_FORMS": str(len(check_ins)),
        "check_ins-MIN_NUM_FORMS": "0",
        "check_ins-MAX_NUM_FORMS": "1000",
        f"check_ins-{len(check_ins)}-due_on": added,
    }
    for n, (check_in, day) in enumerate(zip(check_ins, days, strict=True)):
        data[f"check_ins-{n}-id"] = str(check_in.pk)
        data[f"check_ins-{n}-due_on"] = day
    return data


def test_the_facilitator_moves_a_check_in_and_adds_one(client, workshop, facilitator):
    first, second, third = _check_ins(facilitator, workshop)
    client.force_login(facilitator)
    url = f"/workshops/{workshop.pk}/check-ins/"
    page = client.get(url).content.decode()
    assert "30 days after the workshop" in page and "90 days after the workshop" in page
    response = client.post(
        url,
        _schedule_post(
            [first, second, third], ["2027-03-10", "2027-04-05", "2027-05-05"], "2027-06-04"
        ),
    )
    assert response.status_code == 302
    assert [c.due_on for c in _check_ins(facilitator, workshop)] == [
        date(2027, 3, 10),
        date(2027, 4, 5),
        date(2027, 5, 5),
        date(2027, 6, 4),
    ]


@pytest.mark.parametrize(
    ("days", "added", "problem"),
    [
        (["2027-02-04", "2027-04-05", "2027-05-05"], "", "comes after the workshop’s last day"),
        (["2027-03-06", "2027-04-05", "2027-05-05"], "2027-04-05", "cannot fall on the same day"),
    ],
)
def test_a_check_in_on_the_workshop_or_on_anothers_day_is_refused(
    client, workshop, facilitator, days, added, problem
):
    before = _check_ins(facilitator, workshop)
    client.force_login(facilitator)
    response = client.post(
        f"/workshops/{workshop.pk}/check-ins/", _schedule_post(before, days, added)
    )
    assert response.status_code == 422
    assert problem in response.content.decode()
    assert [c.due_on for c in _check_ins(facilitator, workshop)] == [c.due_on for c in before]


def test_two_check_ins_can_swap_days(workshop, facilitator):
    first, second, _ = _check_ins(facilitator, workshop)
    with facilitating(facilitator):
        checkins.check_ins_schedule(
            workshop=workshop,
            moved={first.pk: second.due_on, second.pk: first.due_on},
            added=[],
            by=facilitator,
        )
        assert CheckIn.objects.get(pk=first.pk).due_on == date(2027, 4, 5)
        assert CheckIn.objects.get(pk=second.pk).due_on == date(2027, 3, 6)


# --- A team's reports -------------------------------------------------------------------------


def _report_post(actions, statuses, notes, note=""):
    data = {"note": note}
    for action, status, text in zip(actions, statuses, notes, strict=True):
        data[f"status_{action.pk}"] = status
        data[f"note_{action.pk}"] = text
    return data


def test_a_team_reports_at_each_check_in_and_keeps_the_history(
    client, accepted, district, district_admin, school_team_member, facilitator, workshop
):
    nurses, mentors = _plan(
        accepted, district, district_admin, "Pair nurses with schools", "Success mentors"
    )
    first, second, _ = _check_ins(facilitator, workshop)
    client.force_login(school_team_member)
    page = client.get(CHECK_INS.format(accepted.pk)).content.decode()
    assert page.count("Coming") == 3 and "Report at this check-in" in page

    url = CHECK_INS.format(accepted.pk) + f"{first.pk}/"
    response = client.post(
        url,
        _report_post(
            [nurses, mentors],
            ["in_progress", "not_started"],
            ["Two of five schools paired", "Waiting for the grant"],
            note="The nurses' union agreed.",
        ),
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#check-in-{first.pk}")
    response = client.post(
        CHECK_INS.format(accepted.pk) + f"{second.pk}/",
        _report_post(
            [nurses, mentors], ["done", "in_progress"], ["All five paired", "Mentors recruited"]
        ),
    )
    assert response.status_code == 302

    with system_context(district, reason="test"):
        # The plan's statuses are the latest check-in's ...
        assert {a.action: a.status for a in PlanAction.objects.all()} == {
            "Pair nurses with schools": ActionStatus.DONE,
            "Success mentors": ActionStatus.IN_PROGRESS,
        }
        # ... and each check-in keeps what was reported at it.
        history = {
            (u.report.check_in_id, u.action_text): (u.status, u.note)
            for u in checkins.ActionUpdate.objects.select_related("report")
        }
    assert history == {
        (first.pk, "Pair nurses with schools"): ("in_progress", "Two of five schools paired"),
        (first.pk, "Success mentors"): ("not_started", "Waiting for the grant"),
        (second.pk, "Pair nurses with schools"): ("done", "All five paired"),
        (second.pk, "Success mentors"): ("in_progress", "Mentors recruited"),
    }
    page = client.get(CHECK_INS.format(accepted.pk)).content.decode()
    assert page.count("Done</h3>") == 2 and "Waiting for the grant" in page
    assert "All five paired" in page and "The nurses&#x27; union agreed." in page


def test_correcting_an_earlier_report_leaves_the_plans_present_alone(
    accepted, district, district_admin, facilitator, workshop
):
    [nurses] = _plan(accepted, district, district_admin, "Pair nurses with schools")
    first, second, _ = _check_ins(facilitator, workshop)
    with system_context(district, reason="test"):
        for check_in, status in ((first, ActionStatus.IN_PROGRESS), (second, ActionStatus.DONE)):
            checkins.check_in_record(
                invitation=accepted,
                check_in=check_in,
                reports={nurses.pk: checkins.ActionReport(status=status)},
                note="",
                by=district_admin,
            )
        checkins.check_in_record(
            invitation=accepted,
            check_in=first,
            reports={nurses.pk: checkins.ActionReport(status=ActionStatus.NOT_STARTED)},
            note="Corrected",
            by=district_admin,
        )
        assert PlanAction.objects.get().status == ActionStatus.DONE
        assert TeamCheckIn.objects.count() == 2
        assert TeamCheckIn.objects.get(check_in=first).note == "Corrected"
        assert [u.status for u in checkins.ActionUpdate.objects.filter(report__check_in=first)] == [
            ActionStatus.NOT_STARTED
        ]


def test_a_check_in_opens_only_for_an_accepted_invitation(
    riverside_invitation, district, district_admin, facilitator, workshop
):
    first = _check_ins(facilitator, workshop)[0]
    with system_context(district, reason="test"), pytest.raises(ValidationError, match="accepted"):
        checkins.check_in_record(
            invitation=riverside_invitation, check_in=first, reports={}, note="", by=district_admin
        )


# --- The interim goal and the measured rate ---------------------------------------------------


def _minimum_n(workshop, facilitator, invitation, minimum_n: int) -> None:
    """The workshop's smallest group shown, and the packet materialised under it."""
    fields = {
        name: getattr(workshop, name) for name in services.WorkshopFields.__dataclass_fields__
    }
    with facilitating(facilitator):
        services.workshop_update(
            workshop=workshop,
            fields=services.WorkshopFields(**{**fields, "minimum_n": minimum_n}),
            sessions=[],
            by=facilitator,
        )
    materialise(invitation.district, invitation)


def test_the_goal_stands_beside_the_rate_the_packet_published(
    client, workshop, facilitator, accepted, district, district_admin, school_team_member
):
    # Riverside's students rated are enough for a rate under a minimum n of 5.
    _minimum_n(workshop, facilitator, accepted, 5)
    with system_context(district, reason="test"):
        published = PacketTable.objects.get(key=DISTRICT_KEY).figures["rows"][0]["rate"]
    client.force_login(school_team_member)
    response = client.post(
        CHECK_INS.format(accepted.pk) + "goal/",
        {"target_rate": "12.5", "target_date": "2027-06-01"},
    )
    assert response.status_code == 302
    page = client.get(CHECK_INS.format(accepted.pk)).content.decode()
    assert "A chronic absence rate of 12.5% or less by June 1, 2027" in page
    assert published["value"] is not None
    assert f"{published['text']} as of November 20, 2026" in page
    expected = "At or below the goal" if published["value"] <= 12.5 else "Above the goal"
    assert expected in page


def test_a_goal_before_the_workshop_is_refused(client, accepted, school_team_member):
    client.force_login(school_team_member)
    response = client.post(
        CHECK_INS.format(accepted.pk) + "goal/",
        {"target_rate": "12", "target_date": "2026-01-01"},
    )
    assert response.status_code == 422
    assert "An interim goal is for after the workshop" in response.content.decode()


def test_a_rate_under_the_workshops_minimum_is_never_shown_as_a_number(
    client, workshop, facilitator, accepted, district, district_admin, school_team_member
):
    # Riverside's students rated are a group under a minimum n of 30.
    _minimum_n(workshop, facilitator, accepted, 30)
    with system_context(district, reason="test"):
        checkins.interim_goal_set(
            invitation=accepted,
            target_rate=Decimal("12"),
            target_date=date(2027, 6, 1),
            by=district_admin,
        )
    client.force_login(school_team_member)
    page = client.get(CHECK_INS.format(accepted.pk)).content.decode()
    assert "group under 30 as of November 20, 2026" in page
    assert "Cannot tell from the published rate" in page


@pytest.mark.parametrize(
    ("text", "value", "target", "standing"),
    [
        ("12%", 12, "12.0", GoalStanding.MET),
        ("13%", 13, "12.5", GoalStanding.ABOVE),
        # "≤ 5%" is at or below any goal of 5% or more, and tells nothing about a lower one.
        ("≤ 5%", 5, "8", GoalStanding.MET),
        ("≤ 5%", 5, "3", GoalStanding.UNKNOWN),
        # "≥ 95%" is above any goal under 95%.
        ("≥ 95%", 95, "20", GoalStanding.ABOVE),
        ("≥ 95%", 95, "97", GoalStanding.UNKNOWN),
        ("group under 10", None, "12", GoalStanding.UNKNOWN),
    ],
)
def test_a_coded_rate_says_only_what_its_code_allows(text, value, target, standing):
    goal = InterimGoal(target_rate=Decimal(target), target_date=date(2027, 6, 1))
    rate = MeasuredRate(text=text, value=value, as_of=date(2026, 11, 20))
    assert checkins.goal_standing(goal, rate) == standing
    assert checkins.goal_standing(None, rate) is None
    assert checkins.goal_standing(goal, None) is None


def test_a_withdrawn_consent_takes_the_rate_off_every_check_in_at_once(
    client, workshop, facilitator, accepted, district, district_admin, school_team_member
):
    with system_context(district, reason="test"):
        checkins.interim_goal_set(
            invitation=accepted,
            target_rate=Decimal("12"),
            target_date=date(2027, 6, 1),
            by=district_admin,
        )
    with facilitating(facilitator):
        [team] = checkins.progress(workshop=workshop)
    assert team.rate is not None and team.rate.as_of == date(2026, 11, 20)
    with system_context(district, reason="test"):
        services.consent_set(invitation=accepted, items=[], by=district_admin)
    # No task has run: the withdrawal itself took the rate away.
    with facilitating(facilitator):
        [team] = checkins.progress(workshop=workshop)
    assert team.rate is None and team.standing is None
    assert team.goal.target_rate == Decimal("12.0")
    client.force_login(school_team_member)
    page = client.get(CHECK_INS.format(accepted.pk)).content.decode()
    assert "Not shown: the district does not share its band mix" in page
    client.force_login(facilitator)
    page = client.get(f"/workshops/{workshop.pk}/progress/").content.decode()
    assert "Not shared" in page and "12.0% by Jun 1, 2027" in page


# --- The facilitator's progress page ----------------------------------------------------------


@pytest.fixture
def reported(accepted, lakeview_invitation, other_district, outsider, district, district_admin):
    """Riverside reported at the first check-in (one action of each status) and set a goal;
    Lakeview accepted sharing nothing and reported nowhere."""
    accept(lakeview_invitation, other_district, outsider, [])
    actions = _plan(accepted, district, district_admin, "Nurses", "Mentors", "Texts home")
    first = CheckIn.objects.filter(workshop_id=accepted.workshop_id)
    with system_context(district, reason="test"):
        checkins.check_in_record(
            invitation=accepted,
            check_in=first.first(),
            reports={
                a.pk: checkins.ActionReport(status=s)
                for a, s in zip(
                    actions,
                    (ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.NOT_STARTED),
                    strict=True,
                )
            },
            note="",
            by=district_admin,
        )
        checkins.interim_goal_set(
            invitation=accepted,
            target_rate=Decimal("15"),
            target_date=date(2027, 6, 1),
            by=district_admin,
        )
        return PacketTable.objects.get(key=DISTRICT_KEY).figures["rows"][0]["rate"]["text"]


def test_the_facilitator_follows_every_team_chart_first(client, workshop, facilitator, reported):
    client.force_login(facilitator)
    page = client.get(f"/workshops/{workshop.pk}/progress/").content.decode()
    assert page.index("<figure") < page.index("<table")
    assert "1 done, 1 in progress, 1 not started" in page and "no actions yet" in page
    # Riverside shares no name: it is District A; Lakeview shares nothing at all.
    assert "Riverside" not in page and "Lakeview" not in page
    assert f"{reported} as of Nov 20, 2026" in page and "15.0% by Jun 1, 2027" in page
    with facilitating(facilitator):
        a, b = checkins.progress(workshop=workshop)
    assert (a.label, a.done, a.overdue, a.coming) == ("District A", 1, 0, 2)
    assert a.by_status == {"not_started": 1, "in_progress": 1, "done": 1}
    assert (b.label, b.done, b.rate, b.goal) == ("District B", 0, None, None)


def test_the_progress_table_downloads_as_csv_and_xlsx(client, workshop, facilitator, reported):
    client.force_login(facilitator)
    url = f"/workshops/{workshop.pk}/progress/"
    response = client.get(url + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == checkins.PROGRESS_HEADER
    assert rows[1][:7] == ["District A", "1", "0", "2", "1", "1", "1"]
    assert rows[1][7:10] == ["15.0", "2027-06-01", reported]
    assert rows[2][0] == "District B" and rows[2][9] == "not shared"
    response = client.get(url + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == checkins.PROGRESS_HEADER
    assert values[1][0] == "District A" and values[1][1] == 1 and values[1][9] == reported


# --- Walls ------------------------------------------------------------------------------------


def test_the_facilitator_reads_reports_while_accepted_and_writes_none(
    workshop, facilitator, felix, reported, accepted, district, district_admin
):
    with facilitating(facilitator):
        assert TeamCheckIn.unscoped.count() == 1
        assert InterimGoal.unscoped.count() == 1
        assert checkins.ActionUpdate.unscoped.count() == 3
        check_in = CheckIn.objects.filter(workshop=workshop).last()
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            TeamCheckIn.unscoped.create(
                district_id=accepted.district_id,
                invitation=accepted,
                workshop=workshop,
                check_in=check_in,
                recorded_by=facilitator,
            )
    with facilitating(felix):
        assert TeamCheckIn.unscoped.count() == 0
        assert CheckIn.objects.filter(workshop=workshop).count() == 0
    with system_context(district, reason="test"):
        services.invitation_respond(invitation=accepted, accept=False, items=[], by=district_admin)
    with facilitating(facilitator):
        # A district that declines takes its reports and goal out of the facilitator's reach.
        assert TeamCheckIn.unscoped.count() == 0
        assert InterimGoal.unscoped.count() == 0
        assert checkins.ActionUpdate.unscoped.count() == 0


def test_a_district_reads_the_dates_of_its_workshops_only(
    workshop, felix_workshop, riverside_invitation, district, other_district
):
    with system_context(district, reason="test"):
        assert set(CheckIn.objects.values_list("workshop_id", flat=True)) == {workshop.pk}
    with system_context(other_district, reason="test"):
        assert CheckIn.objects.count() == 0


# --- The demo ---------------------------------------------------------------------------------


def test_the_demo_team_has_a_goal_and_one_check_in_done(
    client, accepted, district, district_admin, facilitator, workshop
):
    from workshops.demo import DEMO_REPORTS, PLANS, seed_demo_check_in

    with system_context(district, reason="test"):
        # The demo district's plan rows, as the demo's acceptance writes them.
        for kind, text, *_ in PLANS[0]:
            action = services.plan_action_add(invitation=accepted, kind=kind, by=district_admin)
            services.plan_field_save(
                action=action, field="action", value=text, base_revision=0, editor=district_admin
            )
        seed_demo_check_in(invitation=accepted, admin=district_admin)
        assert [r.check_in.days_after for r in TeamCheckIn.objects.all()] == [30]
        assert InterimGoal.objects.get().target_date == date(2027, 8, 3)
    client.force_login(facilitator)
    page = client.get(f"/workshops/{workshop.pk}/progress/").content.decode()
    assert "1 done, 1 in progress, 0 not started" in page
    client.force_login(district_admin)
    page = client.get(CHECK_INS.format(accepted.pk)).content.decode()
    assert page.count("Done</h3>") == 1 and page.count("Coming</h3>") == 2
    assert all(report.note in page for report in DEMO_REPORTS.values())


def test_only_those_who_work_on_the_plan_report_on_it(
    client, accepted, facilitator, workshop, principal, pia, outsider, school_team_member
):
    first = _check_ins(facilitator, workshop)[0]
    url = CHECK_INS.format(accepted.pk) + f"{first.pk}/"
    # Pat, a principal on no team, meets the team like another school's student; Pia, partner
    # staff, has no part in plans; Oscar belongs to another district.
    for person, status in ((principal, 404), (pia, 403), (outsider, 404)):
        client.force_login(person)
        assert client.post(url, {"note": "Not mine to write"}).status_code == status, person
    with facilitating(facilitator):
        assert TeamCheckIn.across_districts.count() == 0
    client.force_login(school_team_member)
    assert client.post(url, {"note": "Ours"}).status_code == 302
