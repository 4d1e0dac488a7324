"""Two imports of one district at the same time, in two transactions of their own: the students
they both name are merged one import after the other, never inserted twice."""

import threading
import time

import pandas as pd
from django.core.files import File
from django.db import connection

from districts.tenancy import system_context
from tests.sis import LAST_DAY, import_file
from tiering import services
from tiering.models import AttendanceImport, ImportStatus, Student

# A safety net for a test that would otherwise hang, not a timing assertion.
PATIENCE_S = 120


def _in_thread(target):
    outcome: dict[str, object] = {}

    def run():
        try:
            outcome["value"] = target()
        except Exception as error:  # reported by the assertions below
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
            " WHERE NOT l.granted AND a.datname = current_database())"
        )
        return cursor.fetchone()[0]


def test_a_second_import_waits_for_the_first_students_then_merges_into_them(
    transactional_db, district, sis_district, export
):
    with system_context(district, reason="test"):
        # What a district's first import also creates: two first imports at once would wait
        # on each other's codes and rule set before they reached their students.
        services.attendance_codes_ensure_defaults(district=district)
        services.rule_set_primary(district=district)
    with system_context(district, reason="test"), export.summary.open("rb") as upload:
        first = services.attendance_import_create(
            district=district,
            uploaded_by=None,
            upload=File(upload, name="summary.csv"),
            as_of=LAST_DAY,
        )
    imported, release = threading.Event(), threading.Event()

    def import_and_hold():
        # The whole import in one transaction that stays open until the test lets it commit:
        # its students are inserted but not yet visible to anyone else.
        with system_context(district, reason="test"):
            services.attendance_import_run(import_id=first.pk)
            imported.set()
            release.wait(PATIENCE_S)

    holder, held = _in_thread(import_and_hold)
    assert imported.wait(PATIENCE_S), held
    second, merged = _in_thread(lambda: import_file(district, export.roster))
    deadline = time.monotonic() + PATIENCE_S
    while not _someone_waits_on_a_lock():
        assert time.monotonic() < deadline, "the second import never waited for the first"
        time.sleep(0.05)
    release.set()
    holder.join(PATIENCE_S)
    second.join(PATIENCE_S)

    # Each import's thread also runs the recompute its commit queues (tasks run in-process
    # here), which may report troubles of its own: the imports are read from the database.
    with system_context(district, reason="test"):
        statuses = dict(AttendanceImport.objects.values_list("filename", "status"))
        students = Student.objects.for_district(district)
        assert statuses == {
            "summary.csv": ImportStatus.SUCCEEDED,
            "roster.csv": ImportStatus.SUCCEEDED,
        }, (held, merged)
        # One row per student of the roster, each with the roster's name.
        assert students.count() == len(pd.read_csv(export.roster, dtype=str))
        assert not students.filter(first_name="").exists()
