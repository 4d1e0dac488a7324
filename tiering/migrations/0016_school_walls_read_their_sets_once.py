"""A school role's walls read the sets they need once per statement, through an index, and the
planner knows it (issue 22: pages at scale).

tiering_student's wall for school roles (0009) reads "a student now at our schools, or one our
schools' standings name". Its standings subquery was costed as built again on every row a
nested loop looked up, so the tiered list's query joined the school's standings to the
students by scanning the district's students, checking the wall on each: 0.2 s of a 50,000-
student district's list, growing with the district rather than the school. The set now comes
from `attendance_students_named_by_own_standings()`, which the planner costs as one cheap set,
so the list looks its students up by key; it is still built only when a student outside the
reader's schools is met.

`student_by_school` indexes a district's students by their school now, for the support
records' walls (support 0003), which ask for a school's students once per statement.

Both sets come from SECURITY DEFINER functions in PL/pgSQL (db_walls.school_set_function_sql),
which read the tenant settings into variables first: a policy's own conditions are searched
by index, but the same conditions written in a function's query, run as the owner on whom row
security is forced, would not be (they call functions PostgreSQL does not know to be
leakproof) and scanned the district."""

from django.db import migrations, models

from districts import db_walls

SCHOOLS = "string_to_array(NULLIF(current_setting('app.school_ids', true), ''), ',')::bigint[]"
OWN_SCHOOL = f"school_id = ANY ({SCHOOLS})"
NAMED_BY_OWN_STANDINGS = "attendance_students_named_by_own_standings"
STANDINGS_OF_OWN_SCHOOLS = (
    "SELECT student_id FROM tiering_standing WHERE district_id = district"
    " AND snapshot_id = ANY (ARRAY(SELECT id FROM tiering_snapshot WHERE district_id = district))"
    " AND school_id = ANY (schools)"
)

# As 0009 left it.
DISTRICT = "NULLIF(current_setting('app.district_id', true), '')::bigint"
STANDING_AT_OWN_SCHOOL_BEFORE = (
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
    dependencies = [
        ("districts", "0012_api_tokens"),
        ("tiering", "0015_analyze_skips_a_table_being_analyzed"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="student",
            index=models.Index(fields=["district", "school"], name="student_by_school"),
        ),
        migrations.RunSQL(
            [
                *db_walls.school_set_function_sql(NAMED_BY_OWN_STANDINGS, STANDINGS_OF_OWN_SCHOOLS),
                *_policy(f"{OWN_SCHOOL} OR id IN (SELECT {NAMED_BY_OWN_STANDINGS}())"),
            ],
            [
                *_policy(f"{OWN_SCHOOL} OR {STANDING_AT_OWN_SCHOOL_BEFORE}"),
                f"DROP FUNCTION IF EXISTS {NAMED_BY_OWN_STANDINGS}()",
            ],
        ),
    ]
