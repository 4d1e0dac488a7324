"""The self-assessment behind the walls (districts/db_walls.py): a district's assessments are
its own; the template they answer is shared by every district. Databases migrated before
issue 16 had these walls from districts 0003; applying them again changes nothing there."""

from django.db import migrations

from districts import db_walls


class Migration(migrations.Migration):
    dependencies = [("selfassessment", "0002_template_version_1")]

    operations = [
        db_walls.walls(
            db_walls.TenantTable("selfassessment_assessment"),
            db_walls.TenantTable("selfassessment_itemresponse"),
            db_walls.TenantTable("selfassessment_memberrating"),
            db_walls.TenantTable("selfassessment_priority"),
            db_walls.TenantTable("selfassessment_reflection"),
            reference_tables=[
                "selfassessment_ingredient",
                "selfassessment_item",
                "selfassessment_reflectionquestion",
                "selfassessment_templateversion",
            ],
        )
    ]
