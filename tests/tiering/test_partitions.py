"""The big tables partitioned by school year (tiering migration 0018, SCALING.md): each page
reads one year's partition, a partition named directly is no way round the walls, partitions
come with their school year, a re-import touches its own year only, and the migration converts
a populated database."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from districts import db_walls
from districts.lifecycle import district_delete
from districts.models import SchoolYear, reporting_year
from districts.services import school_year_create
from districts.tenancy import system_context
from tiering.ingest import partition
from tiering.models import Student

from ..api.tokens import personal_token, token_client
from ..sis import import_file
from ..tiered import CURRENT, LAST_YEAR, write

BIG_TABLES = ("tiering_attendanceday", "tiering_attendancesummary", "tiering_standing")
# Each school's last date on record, over every year by design (a school with nothing this
# year shows last year's last date, stale): stored with each snapshot, else computed once per
# import and cached (selectors.data_freshness), so no request after the first reads it.
ONCE_PER_IMPORT = (
    'MAX("tiering_attendanceday"."date")',
    'MAX("tiering_attendancesummary"."as_of")',
)
# Reads that span the years by design: the student page's band history lists the student's
# standing at every snapshot on record (selectors.band_history), one statement.
EVERY_YEAR = {"student page": 1}
BEFORE_PARTITIONING = ("tiering", "0017_band_tallies_stored_with_each_snapshot")


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _partitions() -> list[tuple[str, str]]:
    """(parent, partition) for every partition of the big tables."""
    return _rows(
        "SELECT parent.relname, part.relname FROM pg_inherits i"
        " JOIN pg_class part ON part.oid = i.inhrelid"
        " JOIN pg_class parent ON parent.oid = i.inhparent"
        " WHERE parent.relname = ANY(%s) ORDER BY 1, 2",
        [list(BIG_TABLES)],
    )


def _partitions_read(statement: str) -> dict[str, set[str]]:
    """The partitions of each big table the plan of ``statement`` reads."""
    (plan,) = _rows(f"EXPLAIN (FORMAT JSON) {statement}")[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    read: dict[str, set[str]] = {}

    def walk(node: dict) -> None:
        name = node.get("Relation Name", "")
        for table in BIG_TABLES:
            if name.startswith(f"{table}_"):
                read.setdefault(table, set()).add(name)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return read


# The hot reads: every page and download reading standings, summaries or days in bulk.
def _pages(tiered, district, principal, cabinet_member, district_admin):
    with system_context(district, reason="test"):
        student = Student.objects.get(sis_id="S1")
    school = f"/d/riverside/attendance/schools/{tiered.pk}/"
    api = token_client(personal_token(district_admin, district))
    return {
        "tiered list": (principal, school),
        "tiered list, filtered": (principal, f"{school}?band=severe_chronic&grade=3"),
        "tiered list export": (principal, f"{school}?export=csv"),
        "principal's home": (principal, "/d/riverside/"),
        "dashboard": (cabinet_member, "/d/riverside/attendance/"),
        "dashboard export": (cabinet_member, "/d/riverside/attendance/?export=grade&format=csv"),
        "schools": (cabinet_member, "/d/riverside/attendance/schools/"),
        "student page": (principal, f"/d/riverside/attendance/students/{student.pk}/"),
        "PDSA chain": (principal, f"/d/riverside/pdsa/chain/schools/{tiered.pk}/"),
        "PDSA new cycle": (principal, "/d/riverside/pdsa/new/"),
        "API standings": (api, "/api/v1/districts/riverside/standings/"),
    }


def test_every_hot_read_reads_one_school_years_partition(
    client, tiered, district, principal, cabinet_member, district_admin
):
    """Two school years on record: no statement of these pages reads both years' partitions
    of a big table (a read by snapshot alone probed every year's, and the list slowed 1.4–2
    times)."""
    assert len({name for parent, name in _partitions() if parent == "tiering_standing"}) >= 2
    pages = _pages(tiered, district, principal, cabinet_member, district_admin)
    checked = 0
    for page, (who, url) in pages.items():
        if who is not pages["API standings"][0]:
            client.force_login(who)
            who = client
        with CaptureQueriesContext(connection) as captured:
            response = who.get(url)
        assert response.status_code == 200, page
        statements = [
            query["sql"]
            for query in captured.captured_queries
            if query["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
            and any(table in query["sql"] for table in BIG_TABLES)
            and not any(once in query["sql"] for once in ONCE_PER_IMPORT)
        ]
        checked += len(statements)
        every_year = []
        with system_context(district, reason="test"):
            for statement in statements:
                for table, read in _partitions_read(statement).items():
                    if len(read) > 1:
                        every_year.append((table, sorted(read), statement[:600]))
        assert len(every_year) == EVERY_YEAR.get(page, 0), (page, every_year)
    # Some reads to check, at least one a page (the dashboard's figures come from the stored
    # band tallies, so it reads fewer big tables than the list).
    assert checked >= len(pages)


@pytest.mark.django_db(transaction=True)
def test_a_partition_named_directly_is_refused_to_every_persona(tiered, district):
    """Row security and grants stand on the parents only: through a partition the parent's
    policies would not apply, so no persona may read one, and even the owner sees no row."""
    named = partition("tiering_standing", 2026)
    for persona in db_walls.PERSONAS:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {persona}")
            cursor.execute("SELECT set_config('app.district_id', %s, true)", [str(district.pk)])
            with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                cursor.execute(f"SELECT * FROM {named}")  # noqa: S608 — a constant name
    with db_walls.owner_connection(), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {named}")  # noqa: S608
        assert cursor.fetchone() == (0,)
    with system_context(district, reason="test"):
        # Through the parent the walls hold as before: the district's own rows, all of them.
        assert _rows("SELECT count(*) FROM tiering_standing WHERE reporting_year = 2026")[0][0]


def test_every_partition_forces_row_security_with_no_policy_and_no_grant(tiered):
    partitions = [name for _, name in _partitions()]
    assert len(partitions) >= 6
    rows = _rows(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
        " (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname),"
        " c.relacl::text, pg_get_userbyid(c.relowner)"
        " FROM pg_class c WHERE c.relname = ANY(%s) ORDER BY 1",
        [partitions],
    )
    for name, enabled, forced, policies, acl, owner in rows:
        assert (enabled, forced, policies, owner) == (True, True, 0, db_walls.OWNER), name
        # The owner's own entry at most (PostgreSQL writes it out once any grant is revoked).
        assert acl is None or acl == f"{{{db_walls.OWNER}=arwdDxt/{db_walls.OWNER}}}", name


def test_a_new_school_year_brings_its_partitions(district):
    """Created with the school year (the trigger on districts_schoolyear), for each reporting
    year its dates cross; a year already there is left as it is."""
    with system_context(district, reason="test"):
        year = school_year_create(
            district=district,
            label="2031–32",
            first_day=date(2031, 8, 20),
            last_day=date(2032, 6, 10),
            instructional_days=180,
        )
        assert year.reporting_year == 2031
        names = {name for _, name in _partitions()}
        assert {partition(table, 2031) for table in BIG_TABLES} <= names
        assert partition("tiering_attendanceday", 2032) not in names
        # A school year moved to end in the next reporting year gets its days' partition too.
        SchoolYear.objects.filter(pk=year.pk).update(last_day=date(2032, 7, 20))
        assert partition("tiering_attendanceday", 2032) in {name for _, name in _partitions()}


def test_a_years_summaries_leave_room_to_update_their_totals_in_place(district):
    """A summary again updates every total: half of each page is left free for the new
    versions, so that they are written beside the old ones with no index entry (tiering
    migration 0020). The days and standings, only ever inserted, are packed."""
    with system_context(district, reason="test"):
        school_year_create(
            district=district,
            label="2032–33",
            first_day=date(2032, 8, 20),
            last_day=date(2033, 6, 10),
            instructional_days=180,
        )
        options = dict(
            _rows(
                "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)",
                [[partition(table, 2032) for table in BIG_TABLES]],
            )
        )
    assert options == {
        partition("tiering_attendanceday", 2032): None,
        partition("tiering_attendancesummary", 2032): ["fillfactor=50"],
        partition("tiering_standing", 2032): None,
    }


def test_a_day_outside_the_school_year_is_refused_with_its_row(tiered, district, tmp_path):
    """No day reaches a year with no partition: the import names the row instead."""
    daily = "student_id,school_code,date,attendance_code\nS1,101,2040-09-03,P\n"
    record = import_file(district, write(tmp_path, "far.csv", daily))
    assert record.status == "failed"
    assert [error["value"] for error in record.errors] == ["2040-09-03"]
    assert "Add the school year first" in record.errors[0]["reason"]


def _row_versions(table: str, year: int) -> list[tuple]:
    return _rows(
        f"SELECT ctid::text, xmin::text FROM {table} WHERE reporting_year = %s ORDER BY 1",  # noqa: S608
        [year],
    )


def test_reimporting_a_year_touches_only_that_years_partition(tiered, district, tmp_path):
    with system_context(district, reason="test"):
        before = {t: _row_versions(t, 2025) for t in BIG_TABLES[1:]}
        current = _row_versions("tiering_attendancesummary", 2026)
    assert all(before.values()) and current
    again = CURRENT.replace("S10,102,5,40,0", "S10,102,5,40,1")
    record = import_file(district, write(tmp_path, "again.csv", again), as_of=date(2026, 11, 27))
    assert record.status == "succeeded", record.errors
    with system_context(district, reason="test"):
        # Last year's rows are the same row versions, where they were.
        assert {t: _row_versions(t, 2025) for t in BIG_TABLES[1:]} == before
        assert _row_versions("tiering_attendancesummary", 2026) != current


def test_deleting_a_district_empties_its_rows_from_every_partition(
    tiered, district, other_district, other_school, tmp_path
):
    with system_context(other_district, reason="test"):
        school_year_create(
            district=other_district,
            label="2026–27",
            first_day=date(2026, 8, 17),
            last_day=date(2027, 6, 4),
            instructional_days=180,
        )
    kept = import_file(
        other_district,
        write(
            tmp_path, "other.csv", "student_id,school_code,days_enrolled,days_absent\nL1,101,50,2\n"
        ),
        as_of=date(2026, 11, 20),
    )
    assert kept.status == "succeeded", kept.errors
    district_delete(district=district)
    for each, expected in ((district, 0), (other_district, 1)):
        with system_context(each, reason="test"):
            counts = [_rows(f"SELECT count(*) FROM {t}")[0][0] for t in BIG_TABLES[1:]]  # noqa: S608
            assert counts == [expected, expected], each


def _contents(district) -> dict[str, list[tuple]]:
    with system_context(district, reason="test"):
        return {
            "days": _rows(
                "SELECT district_id, student_id, school_id, date, category, absent_fraction"
                " FROM tiering_attendanceday ORDER BY 1, 2, 4"
            ),
            "summaries": _rows(
                "SELECT district_id, school_year_id, student_id, school_id, days_enrolled,"
                " days_absent, as_of FROM tiering_attendancesummary ORDER BY 1, 2, 3, 4"
            ),
            "standings": _rows(
                "SELECT id, district_id, snapshot_id, student_id, school_id, band,"
                " days_enrolled, days_absent FROM tiering_standing ORDER BY 1"
            ),
        }


def _migrate(targets) -> None:
    with db_walls.owner_connection() as owner:
        executor = MigrationExecutor(owner)
        executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_partitions_a_populated_database(tiered, district):
    """Back to before partitioning (its reverse keeps every row), a day on record outside any
    school year added there, then forward again: every row is where it was, in its year's
    partition, and the standings go on numbering after the last."""
    _migrate([BEFORE_PARTITIONING])
    with system_context(district, reason="test"):
        student, school = _rows("SELECT id, school_id FROM tiering_student LIMIT 1")[0]
        _rows(
            "INSERT INTO tiering_attendanceday"
            " (district_id, student_id, school_id, date, category) VALUES (%s, %s, %s, %s, 1)"
            " RETURNING date",
            [district.pk, student, school, date(2019, 9, 3)],
        )
    before = _contents(district)
    assert all(before.values())
    _migrate(None)
    assert _contents(district) == before
    with system_context(district, reason="test"):
        placed = _rows(
            "SELECT 'tiering_attendanceday', tableoid::regclass::text, date"
            " FROM tiering_attendanceday"
            " UNION ALL SELECT 'tiering_attendancesummary', tableoid::regclass::text,"
            " (SELECT first_day FROM districts_schoolyear y WHERE y.id = school_year_id)"
            " FROM tiering_attendancesummary"
            " UNION ALL SELECT 'tiering_standing', s.tableoid::regclass::text, y.first_day"
            " FROM tiering_standing s JOIN tiering_snapshot sn ON sn.id = s.snapshot_id"
            " JOIN districts_schoolyear y ON y.id = sn.school_year_id"
        )
        assert {table for table, _, _ in placed} == set(BIG_TABLES)
        for table, where, day in placed:
            assert where == partition(table, reporting_year(day)), (table, day)
        last = max(row[0] for row in before["standings"])
        assert _rows("SELECT nextval('tiering_standing_id_seq')")[0][0] > last


@pytest.mark.django_db(transaction=True)
def test_a_retired_year_leaves_the_others_whole_and_comes_back_if_imported_again(
    client, tiered, district, cabinet_member, tmp_path
):
    """Retention as SCALING.md describes it: last year's partitions detached and dropped by
    the owner. This year's rows and pages are as they were; last year's snapshots read as
    empty; and an import into the retired year makes its partitions again rather than fail."""
    with system_context(district, reason="test"):
        kept = {t: _row_versions(t, 2026) for t in BIG_TABLES[1:]}
    client.force_login(cabinet_member)
    page = client.get("/d/riverside/attendance/")
    with db_walls.owner_connection(), connection.cursor() as cursor:
        for table in BIG_TABLES:
            cursor.execute(f"ALTER TABLE {table} DETACH PARTITION {partition(table, 2025)}")
            cursor.execute(f"DROP TABLE {partition(table, 2025)}")
    with system_context(district, reason="test"):
        assert {t: _row_versions(t, 2026) for t in BIG_TABLES[1:]} == kept
        assert _row_versions("tiering_standing", 2025) == []
    again = client.get("/d/riverside/attendance/")
    assert (page.status_code, again.status_code) == (200, 200)
    record = import_file(
        district,
        write(tmp_path, "last-year-again.csv", LAST_YEAR.replace("S7,101,3,40,0", "S7,101,3,40,1")),
        as_of=date(2025, 11, 21),
    )
    assert record.status == "succeeded", record.errors
    with system_context(district, reason="test"):
        assert _row_versions("tiering_standing", 2025)
