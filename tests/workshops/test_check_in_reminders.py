"""The daily check-in reminders: a week before a check-in the team has not reported at, and
once more when it is overdue, in the app and by email, once per check-in, team and kind
however often the task runs; through a real worker on the real Redis broker too."""

import time
from datetime import timedelta

import pytest
from django.core import mail

from districts.models import Notification
from districts.tenancy import system_context
from tests.reading import reading
from workshops import checkins, reminders, services, tasks
from workshops.context import facilitating
from workshops.models import CheckIn, CheckInReminder, ConsentItem, Department

from .conftest import invite

PATIENCE_S = 60


@pytest.fixture
def past_workshop(facilitator, district):
    """A workshop that ended 59 days ago: its 30-day check-in is overdue, its 60-day one due
    tomorrow, its 90-day one a month away."""
    today = district.today()
    with facilitating(facilitator):
        return services.workshop_create(
            created_by=facilitator,
            fields=services.WorkshopFields(
                title="Autumn strategy workshop",
                first_day=today - timedelta(days=60),
                last_day=today - timedelta(days=59),
                place="Sacramento",
            ),
        )


@pytest.fixture
def team(past_workshop, facilitator, district, district_admin, school_team_member):
    """Riverside accepted, with Tess (a login) and a nurse without one on its team."""
    invitation = invite(past_workshop, district, facilitator)
    with system_context(district, reason="test"):
        services.invitation_respond(
            invitation=invitation, accept=True, items=[ConsentItem.BANDS], by=district_admin
        )
        services.team_member_add(
            invitation=invitation, department=Department.ATTENDANCE, user=school_team_member
        )
        services.team_member_add(
            invitation=invitation, department=Department.HEALTH, name="Nurse Nadia"
        )
    return invitation


def _check_ins(facilitator, workshop) -> list[CheckIn]:
    with facilitating(facilitator):
        return list(CheckIn.objects.filter(workshop=workshop))


def _notified(district, user) -> list[Notification]:
    with reading(district):
        return list(Notification.objects.filter(user=user).order_by("subject"))


def test_a_team_is_reminded_before_a_check_in_and_when_it_is_overdue_once_each(
    team,
    past_workshop,
    facilitator,
    district,
    district_admin,
    school_team_member,
    django_capture_on_commit_callbacks,
):
    overdue, due_soon, later = _check_ins(facilitator, past_workshop)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_check_in_reminders.delay(district_id=district.pk).get() == 2
    notes = _notified(district, school_team_member)
    assert [n.subject for n in notes] == [
        f"Check-in due on {due_soon.due_on:%B %-d, %Y}: Autumn strategy workshop",
        f"Check-in overdue since {overdue.due_on:%B %-d, %Y}: Autumn strategy workshop",
    ]
    assert notes[1].link == f"/d/riverside/workshops/{team.pk}/check-ins/{overdue.pk}/"
    assert sorted(m.subject for m in mail.outbox) == [n.subject for n in notes]
    assert all(m.to == ["tess@riverside.org"] for m in mail.outbox)
    assert "Update each action’s status and note" in mail.outbox[0].body
    # The administrator is not reminded of a team that names someone with a login.
    assert _notified(district, district_admin) == []

    # Run again, the same day or the next: nothing more.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_check_in_reminders.delay(district_id=district.pk).get() == 0
        with system_context(district, reason="test"):
            tomorrow = district.today() + timedelta(days=1)
            assert reminders.check_in_reminders_send(district=district, today=tomorrow) == 0
    assert mail.outbox == []

    # The team reports at the check-in due soon; a month later, only the last one is overdue
    # (it was never "due soon" on a day the task ran: it gets its overdue reminder alone).
    with system_context(district, reason="test"):
        checkins.check_in_record(
            invitation=team, check_in=due_soon, reports={}, note="", by=district_admin
        )
        month_on = later.due_on + timedelta(days=1)
        assert reminders.check_in_reminders_send(district=district, today=month_on) == 1
        assert set(CheckInReminder.objects.values_list("check_in_id", "kind")) == {
            (overdue.pk, "overdue"),
            (due_soon.pk, "due_soon"),
            (later.pk, "overdue"),
        }


def test_a_team_without_a_login_is_reminded_through_its_administrators(
    past_workshop, facilitator, district, district_admin, school_team_member
):
    invitation = invite(past_workshop, district, facilitator)
    with system_context(district, reason="test"):
        services.invitation_respond(invitation=invitation, accept=True, items=[], by=district_admin)
        services.team_member_add(
            invitation=invitation, department=Department.HEALTH, name="Nurse Nadia"
        )
        assert reminders.check_in_reminders_send(district=district, today=district.today()) == 2
    assert len(_notified(district, district_admin)) == 2
    assert _notified(district, school_team_member) == []


def test_a_pending_invitation_is_not_reminded(past_workshop, facilitator, district):
    invite(past_workshop, district, facilitator)
    with system_context(district, reason="test"):
        assert reminders.check_in_reminders_send(district=district, today=district.today()) == 0
        assert CheckInReminder.objects.count() == 0


def test_a_worker_sends_the_reminders_beat_asks_for_once(
    celery_worker, team, past_workshop, district, school_team_member
):
    # Beat's task queues one task per district (Riverside and the persona fixtures' others).
    assert tasks.remind_check_ins.delay().get(timeout=PATIENCE_S) >= 1
    deadline = time.monotonic() + PATIENCE_S
    while len(_notified(district, school_team_member)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_notified(district, school_team_member)) == 2
    # A second run, as after a restarted beat, finds every reminder sent.
    again = tasks.send_check_in_reminders.delay(district_id=district.pk)
    assert again.get(timeout=PATIENCE_S) == 0
    assert len(_notified(district, school_team_member)) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["tess@riverside.org"] * 2


def test_beat_runs_the_reminders_daily():
    from attendance_platform.celery import app

    entry = app.conf.beat_schedule["workshops-remind-check-ins"]
    assert entry["task"] == tasks.remind_check_ins.name
    assert entry["schedule"].hour == {14}
