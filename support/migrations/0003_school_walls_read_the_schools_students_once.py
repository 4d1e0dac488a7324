"""A school role's walls on support records name the students now at its schools, read once per
statement through the district's index of students by school (tiering 0013), instead of "the
students tiering_student's walls let it read".

Those walls (tiering 0009) include the students its schools' standings name; in a support
table's policy they were planned as a scan of the district's students that built the school's
whole set of standings, once per support table in the statement: the tiered list's one query
for its support columns took 100–120 ms of a 190 ms page on the demo, and 1 s loaded.

What a school role reads is unchanged where the app looks (SupportQuerySet narrows to the
students now at its schools, and the records follow a student who transfers), and is now what
the database allows too: the rule it already had for writing. The students come from
`attendance_own_school_students()` (db_walls.school_set_function_sql), which reads the
district's students at the caller's own schools: those a school role reads in tiering_student
anyway."""

from django.db import migrations

from districts import db_walls

STUDENT_RECORD_TABLES = [
    "support_caringconversation",
    "support_conversationreason",
    "support_attendanceplan",
    "support_studentintervention",
    "support_supportchange",
]
OWN_SCHOOL_STUDENTS = "attendance_own_school_students"
STUDENT_AT_OWN_SCHOOL = f"student_id IN (SELECT {OWN_SCHOOL_STUDENTS}())"

# As 0002 left them.
SCHOOLS = "string_to_array(NULLIF(current_setting('app.school_ids', true), ''), ',')::bigint[]"
READABLE_STUDENT = "student_id IN (SELECT id FROM tiering_student)"
STUDENT_AT_OWN_SCHOOL_BEFORE = (
    "student_id IN (SELECT id FROM tiering_student"  # noqa: S608 — constants only
    f" WHERE school_id = ANY ({SCHOOLS}))"
)


def _student_scope(using: str, check: str) -> list[str]:
    return [
        sql
        for table in STUDENT_RECORD_TABLES
        for sql in (
            f"DROP POLICY IF EXISTS school_scope ON {table}",
            f"CREATE POLICY school_scope ON {table} AS RESTRICTIVE TO {db_walls.SCHOOL}"
            f" USING ({using}) WITH CHECK ({check})",
        )
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0002_support_walls"),
        ("tiering", "0016_school_walls_read_their_sets_once"),
    ]

    operations = [
        migrations.RunSQL(
            [
                *db_walls.school_set_function_sql(
                    OWN_SCHOOL_STUDENTS,
                    "SELECT id FROM tiering_student"
                    " WHERE district_id = district AND school_id = ANY (schools)",
                ),
                *_student_scope(STUDENT_AT_OWN_SCHOOL, STUDENT_AT_OWN_SCHOOL),
            ],
            [
                *_student_scope(READABLE_STUDENT, STUDENT_AT_OWN_SCHOOL_BEFORE),
                f"DROP FUNCTION IF EXISTS {OWN_SCHOOL_STUDENTS}()",
            ],
        )
    ]
