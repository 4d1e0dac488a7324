"""attendance_analyze skips a table another transaction is analyzing (districts/db_walls.py
analyze_function_sql): imports of different districts no longer wait on each other."""

from django.db import migrations

from districts import db_walls

# As in 0005_recompute_walls.
ANALYZABLE_TABLES = (
    "tiering_student",
    "districts_school",
    "tiering_attendanceday",
    "tiering_attendancesummary",
)


class Migration(migrations.Migration):
    dependencies = [("tiering", "0014_standings_by_student")]

    operations = [
        migrations.RunSQL(db_walls.analyze_function_sql(ANALYZABLE_TABLES), migrations.RunSQL.noop)
    ]
