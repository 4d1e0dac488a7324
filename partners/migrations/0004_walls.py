"""The partner registry behind the walls (districts/db_walls.py): partner staff keep their own
organisation's entries, in their district. Databases migrated before issue 16 had these walls
from districts 0003; applying them again changes nothing there."""

from django.db import migrations

from districts import db_walls

KEPT_BY_PARTNERS = [
    "partners_partnerchange",
    "partners_partnerentry",
    "partners_partnerentryintervention",
    "partners_partnerentryreason",
    # Which schools a partner serves is read by every reader of the district, so it is not
    # narrowed to a school role's own schools.
    "partners_partnerentryschool",
    "partners_partnerorganization",
    "partners_partnerstafflink",
]


class Migration(migrations.Migration):
    dependencies = [("partners", "0003_merge_twin_absence_reasons")]

    operations = [
        db_walls.walls(
            *(db_walls.TenantTable(t, partners=db_walls.Partners.WRITE) for t in KEPT_BY_PARTNERS),
            reference_tables=["partners_absencereason", "partners_intervention"],
        )
    ]
