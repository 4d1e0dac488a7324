"""Pages and API reads from a real streaming replica (districts/replica.py, issue 22), built
from the test database's server by tests/replica.py on every run: the reads come from the
replica, the access record goes to the primary in the same request, the replica's rows stand
behind the same walls as the primary's, and a replica far behind says so on the page."""

from __future__ import annotations

import time

import pytest
from django.db import connections, transaction
from django.urls import reverse

from districts import db_walls
from districts.models import AuditEvent
from districts.replica import REPLICA, replica_reads
from districts.tenancy import system_context
from tests.factories import StudentFactory
from tests.reading import reading
from tests.workers import eventually
from tiering.models import Student

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])

NOTICE = "This page shows the data as it was"


def _rename(district, sis_id: str, last_name: str) -> None:
    with reading(district):
        Student.objects.filter(sis_id=sis_id).update(last_name=last_name)


def _views_recorded(district, path: str) -> int:
    with reading(district):
        return AuditEvent.objects.filter(path__startswith=path).count()


@pytest.fixture
def paused(replica):
    """The replica with its replay paused (it still receives the primary's changes): what
    the primary commits meanwhile is not on the replica until the test resumes it."""
    replica.caught_up()
    link = replica.admin()
    with link.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")

    def resume() -> None:
        with link.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
        replica.caught_up()

    try:
        yield resume
    finally:
        with link.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
        link.close()


def test_a_tiered_list_reads_the_replica_and_records_the_reading_on_the_primary(
    client, tiered, principal, district, school_a, paused
):
    page = reverse(
        "tiering:school", kwargs={"district_slug": "riverside", "school_id": school_a.pk}
    )
    client.force_login(principal)
    _rename(district, "S4", "Renamed-On-The-Primary")

    response = client.get(page)

    # The rows come from the replica, which has not replayed the rename ...
    assert response.status_code == 200
    assert "Dunn" in response.text
    assert "Renamed-On-The-Primary" not in response.text
    # ... and the access record of that very request is on the primary.
    assert _views_recorded(district, page) == 1
    paused()  # the replica replays the rename
    assert "Renamed-On-The-Primary" in client.get(page).text
    assert _views_recorded(district, page) == 2


def test_a_student_page_and_a_list_export_read_the_replica_too(
    client, tiered, principal, district, school_a, paused
):
    with reading(district):
        student_id = Student.objects.get(sis_id="S4").pk
    student_page = reverse(
        "tiering:student", kwargs={"district_slug": "riverside", "student_id": student_id}
    )
    export = reverse(
        "tiering:school", kwargs={"district_slug": "riverside", "school_id": school_a.pk}
    )
    client.force_login(principal)
    _rename(district, "S4", "Renamed-On-The-Primary")

    page = client.get(student_page).text
    csv = client.get(export, {"format": "csv"}).content.decode()

    for text in (page, csv):
        assert "Dunn" in text
        assert "Renamed-On-The-Primary" not in text
    # The student page's entries (its own, and its sections' from the apps above tiering),
    # and the export's, are on the primary.
    assert _views_recorded(district, student_page) > 0
    assert _views_recorded(district, f"{export}?format=csv") == 1


def test_the_apis_reads_come_from_the_replica_too(client, tiered, principal, district, paused):
    client.force_login(principal)
    _rename(district, "S4", "Renamed-On-The-Primary")
    api = reverse("api:standings", kwargs={"district_slug": "riverside"})

    names = {row["student"]["last_name"] for row in client.get(api).json()["results"]}

    assert "Dunn" in names
    assert "Renamed-On-The-Primary" not in names
    assert _views_recorded(district, api) == 1


def test_a_page_says_how_old_its_data_is_once_the_replica_is_far_enough_behind(
    client,
    settings,
    tiered,
    cabinet_member,
    district,
    replica,
    paused,
):
    client.force_login(cabinet_member)
    dashboard = reverse("tiering:dashboard", kwargs={"district_slug": "riverside"})
    _rename(district, "S4", "Renamed-On-The-Primary")
    link = replica.admin()

    def received() -> bool:
        with link.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()")
            return cursor.fetchone()[0]

    eventually(received, "the replica to receive the rename it does not replay")
    link.close()
    time.sleep(1.5)

    # Behind by a few seconds: under the default minute, nothing to say.
    assert NOTICE not in client.get(dashboard).text
    settings.REPLICA_LAG_NOTICE_SECONDS = 1
    assert NOTICE in client.get(dashboard).text
    paused()
    assert NOTICE not in client.get(dashboard).text


def test_an_unscoped_read_on_the_replica_sees_no_other_district(
    replica,
    district,
    other_district,
    school_a,
    other_school,
):
    with system_context(district, reason="test"):
        StudentFactory(district=district, school=school_a, sis_id="R1")
    with system_context(other_district, reason="test"):
        StudentFactory(district=other_district, school=other_school, sis_id="L1")
    replica.caught_up()

    with system_context(district, reason="test"), replica_reads():
        # Through the ORM's unscoped manager, routed to the replica ...
        assert Student.unscoped.all().db == REPLICA
        assert list(Student.unscoped.values_list("sis_id", flat=True)) == ["R1"]
        # ... and in plain SQL on the replica's connection, whose transaction carries the
        # same persona and tenant settings as the primary's, read-only.
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT current_user, current_setting('app.district_id'),"
                " current_setting('transaction_read_only')"
            )
            assert cursor.fetchone() == (db_walls.SYSTEM, str(district.pk), "on")
            cursor.execute("SELECT DISTINCT district_id FROM tiering_student")
            assert cursor.fetchall() == [(district.pk,)]
    # Outside any tenant context the app's login reaches no student on the replica at all.
    with transaction.atomic(using=REPLICA), connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (db_walls.APP,)
        with pytest.raises(Exception, match="permission denied"):
            cursor.execute("SELECT count(*) FROM tiering_student")


def test_a_school_role_reads_only_its_schools_on_the_replica(
    replica,
    district,
    school_a,
    school_b,
    principal,
):
    with system_context(district, reason="test"):
        StudentFactory(district=district, school=school_a, sis_id="A1")
        StudentFactory(district=district, school=school_b, sis_id="B1")
    replica.caught_up()
    state = db_walls.DbState(
        role=db_walls.SCHOOL,
        district_id=district.pk,
        school_ids=frozenset({school_a.pk}),
        user_id=principal.pk,
    )

    with transaction.atomic(), db_walls.entered(state), replica_reads():
        assert list(Student.unscoped.values_list("sis_id", flat=True)) == ["A1"]
