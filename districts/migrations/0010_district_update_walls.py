"""District administrators could UPDATE any district row: their persona's grant on
districts_district was not narrowed by row-level security, so only the app's own check kept
one district's settings out of another's hands."""

from django.db import migrations

from districts import db_walls


class Migration(migrations.Migration):
    dependencies = [("districts", "0009_two_factor")]

    operations = [
        migrations.RunSQL(db_walls.district_table_sql(), db_walls.drop_district_table_sql())
    ]
