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
TALLY = "support_referraltally"

SCHOOLS = "string_to_array(NULLIF(current_setting('app.school_ids', true), ''), ',')::bigint[]"
# Subqueries on tiering_student run under its walls: the reader's district and, for a school
# role, the students its schools' standings name.
READABLE_STUDENT = "student_id IN (SELECT id FROM tiering_student)"
STUDENT_AT_OWN_SCHOOL = (
    "student_id IN (SELECT id FROM tiering_student"  # noqa: S608 — constants only
    f" WHERE school_id = ANY ({SCHOOLS}))"
)


def forward_sql() -> list[str]:
    sql = []
    for table in STUDENT_RECORD_TABLES:
        sql += db_walls.tenant_table_sql(table, has_school=False)
        sql.append(
            f"CREATE POLICY school_scope ON {table} AS RESTRICTIVE TO {db_walls.SCHOOL}"
            f" USING ({READABLE_STUDENT}) WITH CHECK ({STUDENT_AT_OWN_SCHOOL})"
        )
    sql += db_walls.tenant_table_sql(TALLY, has_school=True)
    sql.append(f"GRANT SELECT ON {TALLY} TO {db_walls.PARTNER}")
    return [*sql, *db_walls.sequences_sql()]


def backward_sql() -> list[str]:
    sql = [f"REVOKE ALL ON {TALLY} FROM {db_walls.PARTNER}"]
    for table in [*STUDENT_RECORD_TABLES, TALLY]:
        sql += db_walls.drop_tenant_table_sql(table)
    return sql


class Migration(migrations.Migration):
    dependencies = [("support", "0001_support_records")]

    operations = [migrations.RunSQL(forward_sql(), backward_sql())]
