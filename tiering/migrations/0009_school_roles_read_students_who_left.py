"""A school role reads the students its schools' standings name, not only those whose latest
enrollment is there: a student who transferred out is still counted in the school's bands for
the days they attended, so the tiered list must be able to show them (issue 15). Writing is
narrowed as before: a school role writes only students of its own schools.

The standings subquery runs under the standings' own walls (the district, the reader's
schools), and is planned as one hashed set per statement, not a lookup per student."""

from django.db import migrations

from districts import db_walls

SCHOOLS = "string_to_array(NULLIF(current_setting('app.school_ids', true), ''), ',')::bigint[]"
OWN_SCHOOL = f"school_id = ANY ({SCHOOLS})"
# The standing's district too, so the scan can use the (district, snapshot, …) key.
STANDING_AT_OWN_SCHOOL = (
    "id IN (SELECT student_id FROM tiering_standing"  # noqa: S608 — constants only
    " WHERE district_id = NULLIF(current_setting('app.district_id', true), '')::bigint"
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
