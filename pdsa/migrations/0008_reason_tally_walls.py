"""The chain's stored counts behind the district walls: computed from students' records, so no
partner or facilitator persona reaches them, and a school role reads only its schools' rows
(the district's row, school empty, stays the district roles')."""

from django.db import migrations

from districts import db_walls


class Migration(migrations.Migration):
    dependencies = [("pdsa", "0007_reason_tallies")]

    operations = [
        db_walls.walls(
            db_walls.TenantTable("pdsa_reasontally", student_data=True, school_scoped=True)
        ),
    ]
