"""The daily reminder: contacts of stale entries are emailed, at most once per entry per 30
days, by a task run per district inside that district's tenant context."""

from datetime import date, timedelta

from django.core import mail
from django.utils.timezone import now

from districts.tenancy import system_context
from partners import tasks
from partners.models import PartnerEntry

from .fixtures import make_entry


def test_it_reminds_contacts_of_stale_entries_once_a_month(
    district, youth_club, pia, lakeview_entry
):
    stale = make_entry(
        district,
        youth_club,
        provided="Mentors",
        last_updated=date(2020, 5, 1),
        contact_email="coach@youthclub.org",
    )
    make_entry(district, youth_club, provided="Fresh", last_updated=now().date())
    assert tasks.remind_stale_partners.delay().get() == 2  # one task per district

    riverside = [m for m in mail.outbox if "Riverside" in m.subject]
    assert len(riverside) == 1
    assert sorted(riverside[0].to) == ["coach@youthclub.org", "pia@youthclub.org"]
    assert "Mentors" in riverside[0].body
    assert f"/d/riverside/partners/{stale.pk}/edit/" in riverside[0].body
    assert any(m.to == ["lm@lakeview.org"] for m in mail.outbox)

    mail.outbox.clear()
    tasks.send_stale_partner_reminders.delay(district_id=district.pk)
    assert mail.outbox == []  # reminded today: not again within 30 days

    with system_context(district, reason="test"):
        PartnerEntry.objects.filter(pk=stale.pk).update(reminded_at=now() - timedelta(days=31))
    tasks.send_stale_partner_reminders.delay(district_id=district.pk)
    assert len(mail.outbox) == 1


def test_it_schedules_the_reminder_daily():
    from attendance_platform.celery import app

    entry = app.conf.beat_schedule["partners-remind-stale"]
    assert entry["task"] == tasks.remind_stale_partners.name
    assert entry["schedule"].hour == {15}
