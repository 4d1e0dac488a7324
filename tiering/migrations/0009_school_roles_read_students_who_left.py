"""A school role reads the students its schools' standings name, not only those whose latest
enrollment is there: a student who transferred out is still counted in the school's bands for
the days they attended, so the tiered list must be able to show them (issue 15). Writing is
narrowed as before: a school role writes only students of its own schools.

The standings subquery runs under the standings' own walls (the district, the reader's
schools), and is planned as one hashed set per statement, built only when a student outside
the reader's schools is met: on the demo, 13,288 standings of Greenfield in 18 ms."""

from django.db import migrations

from districts import db_walls

SCHOOLS = "string_to_array(NULLIF(current_setting('app.school_ids', true), ''), ',')::bigint[]"
OWN_SCHOOL = f"school_id = ANY ({SCHOOLS})"
DISTRICT = "NULLIF(current_setting('app.district_id', true), '')::bigint"
# The district's snapshots as an array, so that the standings' (district, snapshot, school, …)
# key is searched once per snapshot for the reader's schools: scanning the district's whole
# key range for them took 3 times as long on the demo, and grows with the district, not the
# school.
STANDING_AT_OWN_SCHOOL = (
    "id IN (SELECT student_id FROM tiering_standing"  # noqa: S608 — constants only
    f" WHERE district_id = {DISTRICT}"
    f" AND snapshot_id = ANY (ARRAY(SELECT id FROM tiering_snapshot WHERE district_id = {DISTRICT}))"
    f" AND school_id = ANY ({SCHOOLS}))"
)


def _policy(using: str) -> list[str]:
    return [
        "DROP POLICY school_scope ON tiering_student",
        f"CREATE POLICY school_scope ON tiering_student AS RESTRICTIVE TO {db_walls.SCHOOL}"
        f" USING ({using}) WITH CHECK ({OWN_SCHOOL})",
    ]


class Migration(migrations.Migration):
    dependencies = [("tiering", "0008_import_attempts")]

    operations = [
        migrations.RunSQL(_policy(f"{OWN_SCHOOL} OR {STANDING_AT_OWN_SCHOOL}"), _policy(OWN_SCHOOL))
    ]
