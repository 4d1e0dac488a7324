"""Each snapshot's students per band, stored as it is taken (tiering.models.BandTally): the
stored figures are the ones its standings give, the pages show the same figures whether they
read them stored or count them (a snapshot taken before they were stored), and a school role
reads only its schools' tallies. Each school's last date with attendance data (the dashboard's
data freshness) is stored with them, and read only while no import has come since."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from districts.tenancy import system_context
from tests.test_db_walls import _as_member
from tiering import selectors, snapshots
from tiering.models import (
    AttendanceDay,
    AttendanceImport,
    AttendanceSummary,
    BandTally,
    Snapshot,
    Standing,
)


def _json(value):
    """A figure as it reads back from a JSON column (tuples become lists)."""
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


def _refreshed(district) -> Snapshot:
    """What the worker does after each import (recompute._recompute): the breakdowns an import
    since made out of date counted again."""
    with system_context(district, reason="test"):
        current = selectors.current_snapshot(snapshots=Snapshot.objects.all())
        snapshots.tallies_refresh(district=district, snapshot=current)
    return current


def test_every_snapshot_stores_the_counts_its_standings_give(district, tiered):
    with system_context(district, reason="test"):
        taken = list(Snapshot.objects.all())
        assert len(taken) == 3
        standings = Standing.objects.all()
        for snapshot in taken:
            tallies = {t.school_id: t for t in BandTally.objects.filter(snapshot=snapshot)}
            district_tally = tallies.pop(None)
            assert district_tally.counts == selectors.live_band_counts(
                standings=standings, snapshot=snapshot, school=None
            )
            assert {school_id: t.counts for school_id, t in tallies.items()} == (
                selectors.live_school_counts(standings=standings, snapshot=snapshot)
            )
            assert all(t.groups == {} for t in tallies.values())
        current = selectors.current_snapshot(snapshots=Snapshot.objects.all())
        district_tally = BandTally.objects.get(snapshot=current, school=None)
        assert district_tally.last_dates_as_of_import == selectors.latest_import_now()
        last_dates = selectors.live_last_dates(
            days=AttendanceDay.objects.all(), summaries=AttendanceSummary.objects.all()
        )
        assert len(last_dates) == 2
        assert district_tally.last_dates == {
            str(pk): day.isoformat() for pk, day in last_dates.items()
        }
        assert district_tally.counts == {
            "satisfactory": 3,
            "at_risk": 1,
            "moderate_chronic": 2,
            "severe_chronic": 2,
            "extreme_chronic": 1,
            "not_yet_rated": 1,
        }
        # Last year's snapshot was taken before the roster brought the students'
        # demographics: its breakdowns are out of date until the worker counts them again.
        version = selectors.demographics_version_now()
        stale = BandTally.objects.filter(school=None).exclude(groups_as_of_import=version)
        assert stale.count() == 2
    _refreshed(district)
    with system_context(district, reason="test"):
        for snapshot in taken:
            tally = BandTally.objects.get(snapshot=snapshot, school=None)
            assert tally.groups_as_of_import == version
            assert tally.groups == _json(
                selectors.live_breakdowns(standings=standings, snapshot=snapshot)
            )


def _dashboard_figures(client):
    response = client.get("/d/riverside/attendance/")
    assert response.status_code == 200
    context = response.context

    def row(r):
        return (r.counts, r.last_year.counts if r.last_year else None, r.trend)

    return {
        "district": context["comparison"].current.counts,
        "last_year": context["comparison"].last_year.counts,
        "previous": context["comparison"].previous.counts,
        "schools": {r.school.pk: row(r) for r in context["school_rows"]},
        "groups": {
            dimension.key: {r.label: row(r) for r in rows}
            for dimension, rows in context["breakdowns"]
        },
        "freshness": [(f.school.pk, f.last_date, f.stale) for f in context["freshness"]],
        "export": client.get("/d/riverside/attendance/?export=grade&format=csv").content,
    }


def test_the_dashboard_shows_the_same_figures_stored_or_counted(
    client, cabinet_member, district, tiered
):
    client.force_login(cabinet_member)
    stored = _dashboard_figures(client)
    with system_context(district, reason="test"):
        BandTally.objects.all().delete()
    cache.clear()
    counted = _dashboard_figures(client)
    assert stored == counted
    assert stored["district"]  # figures, not two empty pages


def test_the_dashboard_reads_stored_tallies_not_standings(client, cabinet_member, district, tiered):
    _refreshed(district)
    client.force_login(cabinet_member)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/d/riverside/attendance/").status_code == 200
    read = [q["sql"] for q in captured.captured_queries]
    assert any('FROM "tiering_bandtally"' in sql for sql in read)
    assert not any('FROM "tiering_standing"' in sql for sql in read), "\n".join(read)
    # Nor every day and summary of the district for each school's last date.
    assert not any(
        'FROM "tiering_attendanceday"' in sql or 'FROM "tiering_attendancesummary"' in sql
        for sql in read
    ), "\n".join(read)


def test_stored_last_dates_are_not_read_once_another_import_came(
    client, cabinet_member, district, tiered
):
    client.force_login(cabinet_member)
    cache.clear()
    stored = _dashboard_figures(client)["freshness"]
    with system_context(district, reason="test"):
        # An upload waiting for its preview: it may change any school's last date once it runs.
        AttendanceImport.objects.create(
            district=district, filename="later.csv", sha256="0" * 64, size_bytes=1
        )
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        counted = _dashboard_figures(client)["freshness"]
    assert any(
        'MAX("tiering_attendancesummary"."as_of")' in q["sql"] for q in captured.captured_queries
    )
    assert counted == stored
    assert {last for _, last, _ in stored} != {None}


def test_a_school_role_reads_only_its_schools_tallies(district, tiered, principal, school_a):
    with system_context(district, reason="test"):
        every_school = set(
            BandTally.objects.exclude(school=None).values_list("school_id", flat=True)
        )
    assert len(every_school) == 2
    with _as_member(principal, district):
        assert set(BandTally.objects.visible().values_list("school_id", flat=True)) == {school_a.pk}
        # The database's wall says the same to an unscoped read.
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT school_id FROM tiering_bandtally")
            assert cursor.fetchall() == [(school_a.pk,)]
