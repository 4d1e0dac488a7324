"""Every tiering table behind the walls (districts/db_walls.py), and the import's ANALYZE.

Until issue 16 districts 0003 walled the tables of tiering 0001–0003 and created the ANALYZE
function, and this migration walled the recompute's tables and the notifications: databases
migrated then have all of it already. Each app now walls its own tables, so a fresh database
gets them here (before 0009 narrows the students' school policy) and the notifications in
districts 0007."""

from django.db import migrations

from districts import db_walls

TenantTable = db_walls.TenantTable
TABLES = [
    TenantTable("tiering_attendancecode", operators_edit=True),
    TenantTable("tiering_attendanceday", student_data=True, school_scoped=True),
    # Operators see the record of imports in their admin site, read-only.
    TenantTable("tiering_attendanceimport", student_data=True, operators_edit=True),
    TenantTable("tiering_attendancesummary", student_data=True, school_scoped=True),
    TenantTable("tiering_importprofile", operators_edit=True),
    TenantTable("tiering_ruleset", operators_edit=True),
    TenantTable("tiering_snapshot", student_data=True),
    TenantTable("tiering_standing", student_data=True, school_scoped=True),
    TenantTable("tiering_student", student_data=True, school_scoped=True),
    TenantTable("tiering_recomputeschedule"),
    TenantTable("tiering_recomputerun"),
]
# The tables an import fills, which it analyses before classifying (tiering/ingest.py).
ANALYZABLE_TABLES = (
    "tiering_student",
    "districts_school",
    "tiering_attendanceday",
    "tiering_attendancesummary",
)


class Migration(migrations.Migration):
    dependencies = [("tiering", "0004_recompute")]

    operations = [
        db_walls.walls(*TABLES),
        migrations.RunSQL(
            db_walls.analyze_function_sql(ANALYZABLE_TABLES),
            ["DROP FUNCTION IF EXISTS attendance_analyze(text)"],
        ),
    ]
