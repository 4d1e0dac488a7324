"""Walls for worktime (migrations/0002_workshop_walls.py explains the workshop tables' two
keys):

- A team's plan rows carry the district's id and stand behind the district walls; the
  facilitator persona reads them for its own workshops (`app.workshop_ids`), and only while
  the district's invitation stands accepted: a district that declines takes its plan out of
  every facilitator's reach at once. The facilitator writes none of them.
- A cohort PDF belongs to no district: only the workshop's facilitators reach its builds
  (their background task runs as the facilitator persona too). No district persona touches it.
"""

from django.db import migrations

from districts import db_walls

PLAN = "workshops_planaction"
COHORT_PDF = "workshops_cohortpdf"
WORKSHOP_IDS = (
    "string_to_array(NULLIF(current_setting('app.workshop_ids', true), ''), ',')::bigint[]"
)
FACILITATED = f"workshop_id = ANY ({WORKSHOP_IDS})"
# The subquery runs under the invitation table's own facilitator policy, which reads only
# settings: no loop of policies.
ACCEPTED = "invitation_id IN (SELECT id FROM workshops_invitation WHERE status = 'accepted')"
FACILITATOR = db_walls.FACILITATOR


def _policy(table: str, name: str, rest: str) -> list[str]:
    return [f"DROP POLICY IF EXISTS {name} ON {table}", f"CREATE POLICY {name} ON {table} {rest}"]


FORWARD = [
    *_policy(
        PLAN, "facilitated", f"FOR SELECT TO {FACILITATOR} USING ({FACILITATED} AND {ACCEPTED})"
    ),
    f"GRANT SELECT ON {PLAN} TO {FACILITATOR}",
    f"ALTER TABLE {COHORT_PDF} ENABLE ROW LEVEL SECURITY",
    f"ALTER TABLE {COHORT_PDF} FORCE ROW LEVEL SECURITY",
    *_policy(
        COHORT_PDF,
        "facilitated",
        f"TO {FACILITATOR} USING ({FACILITATED}) WITH CHECK ({FACILITATED})",
    ),
    f"GRANT SELECT, INSERT, UPDATE ON {COHORT_PDF} TO {FACILITATOR}",
]
BACKWARD = [
    f"DROP POLICY IF EXISTS facilitated ON {PLAN}",
    f"REVOKE ALL ON {PLAN} FROM {FACILITATOR}",
    f"DROP POLICY IF EXISTS facilitated ON {COHORT_PDF}",
    f"ALTER TABLE {COHORT_PDF} NO FORCE ROW LEVEL SECURITY",
    f"ALTER TABLE {COHORT_PDF} DISABLE ROW LEVEL SECURITY",
    f"REVOKE ALL ON {COHORT_PDF} FROM {FACILITATOR}",
]


class Migration(migrations.Migration):
    dependencies = [("workshops", "0003_worktime")]

    operations = [
        db_walls.walls(db_walls.TenantTable(PLAN)),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
