"""The access record (FERPA §99.32): every view and download of student rows writes who,
when, which rows and why; district administrators read it; nobody changes it; it is kept for
AUDIT_RETENTION_DAYS and no longer."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from districts.audit import prune
from districts.models import AuditEvent, AuditLogIsAppendOnly
from districts.tenancy import system_context
from tiering.models import Student


def _events(district):
    with system_context(district, reason="test"):
        return list(AuditEvent.objects.order_by("pk"))


def _student_ids(district, *sis_ids):
    with system_context(district, reason="test"):
        return sorted(Student.objects.filter(sis_id__in=sis_ids).values_list("pk", flat=True))


def test_it_records_who_viewed_which_students(client, tiered, district, principal):
    client.force_login(principal)
    assert (
        client.get(f"/d/riverside/attendance/schools/{tiered.pk}/?band=extreme_chronic").status_code
        == 200
    )
    [event] = _events(district)
    assert (event.user, event.user_email, event.action) == (principal, "pat@riverside.org", "view")
    assert event.object_type == "tiering.student"
    assert event.object_ids == _student_ids(district, "S5")  # the one extreme-chronic student
    assert event.purpose == "Tiered list of Adams Elementary School"
    assert "band=extreme_chronic" in event.path


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_it_records_every_export_of_the_tiered_list(client, tiered, district, principal, fmt):
    client.force_login(principal)
    response = client.get(f"/d/riverside/attendance/schools/{tiered.pk}/?format={fmt}")
    assert response.status_code == 200
    [event] = _events(district)
    assert event.action == "export" and fmt.upper() in event.purpose
    adams = ("S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8")
    assert sorted(event.object_ids) == _student_ids(district, *adams)
    assert event.row_count == 8


def test_it_records_a_student_page(client, tiered, district, cabinet_member):
    client.force_login(cabinet_member)
    [s4] = _student_ids(district, "S4")
    assert client.get(f"/d/riverside/attendance/students/{s4}/").status_code == 200
    # The page's attendance, then the support records its section shows: one entry each.
    attendance, support = _events(district)
    assert (attendance.action, attendance.object_ids, attendance.user) == (
        "view",
        [s4],
        cabinet_member,
    )
    assert attendance.purpose.startswith("Student attendance")
    assert (support.action, support.object_ids) == ("view", [s4])
    assert support.purpose.startswith("Student support")


def test_a_refused_request_records_nothing(client, tiered, district, other_school_principal):
    client.force_login(other_school_principal)
    [s4] = _student_ids(district, "S4")
    assert client.get(f"/d/riverside/attendance/students/{s4}/").status_code == 404
    assert _events(district) == []


def test_district_admins_filter_and_download_the_record(
    client, tiered, district, district_admin, principal, cabinet_member
):
    [s4] = _student_ids(district, "S4")
    client.force_login(principal)
    client.get(f"/d/riverside/attendance/students/{s4}/")
    client.force_login(cabinet_member)
    client.get("/d/riverside/attendance/?export=schools&format=csv")

    client.force_login(district_admin)
    page = client.get("/d/riverside/audit/").content.decode()
    assert "pat@riverside.org" in page and "carol@riverside.org" in page
    only_pat = client.get("/d/riverside/audit/?who=pat").content.decode()
    assert "pat@riverside.org" in only_pat and "carol@riverside.org" not in only_pat
    by_student = client.get(f"/d/riverside/audit/?student={s4}").content.decode()
    assert "pat@riverside.org" in by_student and "carol@riverside.org" not in by_student
    download = client.get("/d/riverside/audit/?action=export&format=csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert [r[1:3] for r in rows[1:]] == [["carol@riverside.org", "Exported"]]


def test_only_district_admins_read_it(client, district, principal, cabinet_member, outsider):
    for person, status in ((principal, 403), (cabinet_member, 403), (outsider, 404)):
        client.force_login(person)
        assert client.get("/d/riverside/audit/").status_code == status


def test_it_is_append_only(client, tiered, district, principal):
    client.force_login(principal)
    client.get(f"/d/riverside/attendance/schools/{tiered.pk}/")
    [event] = _events(district)
    with system_context(district, reason="test"):
        event.purpose = "nothing to see"
        with pytest.raises(AuditLogIsAppendOnly):
            event.save()
        with pytest.raises(AuditLogIsAppendOnly):
            event.delete()
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEvent.objects.update(purpose="nothing")
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEvent.objects.all().delete()
    [kept] = _events(district)
    assert kept.purpose == "Tiered list of Adams Elementary School"


def test_it_keeps_entries_for_the_retention_period(client, tiered, district, principal, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    client.force_login(principal)
    client.get(f"/d/riverside/attendance/schools/{tiered.pk}/")
    client.get(f"/d/riverside/attendance/schools/{tiered.pk}/?format=csv")
    old, recent = _events(district)
    # Written as an event 31 days old would have been: the model refuses updates.
    with system_context(district, reason="test"):
        AuditEvent.unscoped.filter(pk=old.pk)._raw_delete(AuditEvent.unscoped.db)
        AuditEvent.objects.create(
            district=district,
            at=timezone.now() - timedelta(days=31),
            action="view",
            object_type="tiering.student",
            purpose="an old view",
        )
    assert prune(now=timezone.now() + timedelta(days=1)) == 1
    assert [e.purpose for e in _events(district)] == [recent.purpose]
    call_command("prune_audit_log")
    assert [e.pk for e in _events(district)] == [recent.pk]
