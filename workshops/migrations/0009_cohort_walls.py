"""Walls for the cohort tables (migrations/0002_workshop_walls.py explains the workshop tables'
two keys). A cohort table carries the id of the district whose figures it holds and stands
behind the district walls, which its own district's personas write through. One more policy
lets the district personas of another district read it, for the workshops whose consent rows
of their own district include "cohort": a district that shows the cohort nothing reads nothing
of it, and one that withdraws stops reading at once. The subquery runs under the consent
table's own policies, which read only settings: no loop of policies. The facilitator reads the
packets themselves and holds no privilege here.
"""

from django.db import migrations

from districts import db_walls

COHORT = "workshops_cohorttable"
READERS = ", ".join((db_walls.STAFF, db_walls.SCHOOL))
SHOWN = "workshop_id IN (SELECT workshop_id FROM workshops_consent WHERE item = 'cohort')"

FORWARD = [
    f"DROP POLICY IF EXISTS cohort_teams ON {COHORT}",
    f"CREATE POLICY cohort_teams ON {COHORT} FOR SELECT TO {READERS} USING ({SHOWN})",
]
BACKWARD = [f"DROP POLICY IF EXISTS cohort_teams ON {COHORT}"]


class Migration(migrations.Migration):
    dependencies = [("workshops", "0008_cohort_table")]

    operations = [
        db_walls.walls(db_walls.TenantTable(COHORT)),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
