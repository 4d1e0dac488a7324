"""The support records behind the same walls as every student table: the district's, and for
school roles the students they may read (tiering_student's own walls, so the records follow a
student who transfers within the district); a school role writes only for students now at its
schools. Partner staff and facilitators have no privilege on them; partner staff read only the
referral counts, which name nobody."""

from django.db import migrations

from districts import db_walls

STUDENT_RECORD_TABLES = [
    "support_caringconversation",
    "support_conversationreason",
    "support_attendanceplan",
    "support_studentintervention",
    "support_supportchange",
]

SCHOOLS = "string_to_array(NULLIF(current_setting('app.school_ids', true), ''), ',')::bigint[]"
# Subqueries on tiering_student run under its walls: the reader's district and, for a school
# role, the students its schools' standings name.
READABLE_STUDENT = "student_id IN (SELECT id FROM tiering_student)"
STUDENT_AT_OWN_SCHOOL = (
    "student_id IN (SELECT id FROM tiering_student"  # noqa: S608 — constants only
    f" WHERE school_id = ANY ({SCHOOLS}))"
)


def _student_scope() -> list[str]:
    return [
        f"CREATE POLICY school_scope ON {table} AS RESTRICTIVE TO {db_walls.SCHOOL}"
        f" USING ({READABLE_STUDENT}) WITH CHECK ({STUDENT_AT_OWN_SCHOOL})"
        for table in STUDENT_RECORD_TABLES
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0001_support_records"),
        ("tiering", "0009_school_roles_read_students_who_left"),
    ]

    operations = [
        db_walls.walls(
            *(db_walls.TenantTable(table, student_data=True) for table in STUDENT_RECORD_TABLES),
            db_walls.TenantTable(
                "support_referraltally", school_scoped=True, partners=db_walls.Partners.READ
            ),
        ),
        migrations.RunSQL(
            _student_scope(),
            [f"DROP POLICY IF EXISTS school_scope ON {table}" for table in STUDENT_RECORD_TABLES],
        ),
    ]
