"""District administrators could UPDATE any district row: their persona's grant on
districts_district was not narrowed by row-level security, so only the app's own check kept
one district's settings out of another's hands."""

from django.db import migrations

from districts import db_walls


def backward_sql() -> list[str]:
    return [
        "DROP POLICY IF EXISTS everyone_reads ON districts_district",
        "DROP POLICY IF EXISTS own_district ON districts_district",
        "DROP POLICY IF EXISTS operator_access ON districts_district",
        "ALTER TABLE districts_district NO FORCE ROW LEVEL SECURITY",
        "ALTER TABLE districts_district DISABLE ROW LEVEL SECURITY",
    ]


class Migration(migrations.Migration):
    dependencies = [("districts", "0009_two_factor")]

    operations = [migrations.RunSQL(db_walls.district_table_sql(), backward_sql())]
