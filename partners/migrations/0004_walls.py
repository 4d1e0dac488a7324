"""The partner registry behind the walls (districts/db_walls.py): partner staff keep their own
organisation's entries, in their district. Databases migrated before issue 16 had these walls
from districts 0003; applying them again changes nothing there."""

from django.db import migrations

from districts import db_walls

KEPT_BY_PARTNERS = {"partners": db_walls.Partners.WRITE}
TABLES = [
    db_walls.TenantTable("partners_partnerchange", **KEPT_BY_PARTNERS),
    db_walls.TenantTable("partners_partnerentry", **KEPT_BY_PARTNERS),
    db_walls.TenantTable("partners_partnerentryintervention", **KEPT_BY_PARTNERS),
    db_walls.TenantTable("partners_partnerentryreason", **KEPT_BY_PARTNERS),
    # Which schools a partner serves is read by every reader of the district, so it is not
    # narrowed to a school role's own schools.
    db_walls.TenantTable("partners_partnerentryschool", **KEPT_BY_PARTNERS),
    db_walls.TenantTable("partners_partnerorganization", **KEPT_BY_PARTNERS),
    db_walls.TenantTable("partners_partnerstafflink", **KEPT_BY_PARTNERS),
]


class Migration(migrations.Migration):
    dependencies = [("partners", "0003_merge_twin_absence_reasons")]

    operations = [
        db_walls.walls(
            *TABLES, reference_tables=["partners_absencereason", "partners_intervention"]
        )
    ]
