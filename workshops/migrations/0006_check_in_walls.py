"""Walls for the follow-up check-ins (migrations/0002_workshop_walls.py explains the workshop
tables' two keys):

- A check-in date belongs to no district, like a session: the facilitator persona sets the
  dates of its own workshops (adds and moves them; none is removed, a team may have reported
  at it), and the district personas read the dates of the workshops their district is invited
  to (the reminder task, as the system persona, among them).
- A team's reports, their action updates and its interim goal carry the district's id and
  stand behind the district walls; the facilitator persona reads them for its own workshops,
  and only while the district's invitation stands accepted, as it reads the plan. It writes
  none of them.
- The reminders sent are the district's alone: no facilitator reaches them.
"""

from django.db import migrations

from districts import db_walls

CHECK_IN = "workshops_checkin"
READ_BY_FACILITATOR = [
    "workshops_teamcheckin",
    "workshops_actionupdate",
    "workshops_interimgoal",
]
REMINDER = "workshops_checkinreminder"
WORKSHOP_IDS = (
    "string_to_array(NULLIF(current_setting('app.workshop_ids', true), ''), ',')::bigint[]"
)
FACILITATED = f"workshop_id = ANY ({WORKSHOP_IDS})"
# Subqueries run under the walls of the table they read; neither reads back here (no loop of
# policies): the workshop's and the invitation's facilitator policies read only settings, the
# invitation's district policy reads only settings.
VISIBLE_WORKSHOP = "workshop_id IN (SELECT id FROM workshops_workshop)"
INVITED = "workshop_id IN (SELECT workshop_id FROM workshops_invitation)"
ACCEPTED = "invitation_id IN (SELECT id FROM workshops_invitation WHERE status = 'accepted')"
FACILITATOR = db_walls.FACILITATOR
DISTRICT_PERSONAS = ", ".join((db_walls.STAFF, db_walls.SCHOOL, db_walls.SYSTEM))


def _policy(table: str, name: str, rest: str) -> list[str]:
    return [f"DROP POLICY IF EXISTS {name} ON {table}", f"CREATE POLICY {name} ON {table} {rest}"]


FORWARD = [
    f"ALTER TABLE {CHECK_IN} ENABLE ROW LEVEL SECURITY",
    f"ALTER TABLE {CHECK_IN} FORCE ROW LEVEL SECURITY",
    *_policy(
        CHECK_IN,
        "facilitated",
        f"TO {FACILITATOR} USING ({VISIBLE_WORKSHOP}) WITH CHECK ({VISIBLE_WORKSHOP})",
    ),
    f"GRANT SELECT, INSERT, UPDATE ON {CHECK_IN} TO {FACILITATOR}",
    *_policy(CHECK_IN, "invited", f"FOR SELECT TO {DISTRICT_PERSONAS} USING ({INVITED})"),
    f"GRANT SELECT ON {CHECK_IN} TO {DISTRICT_PERSONAS}",
]
for _table in READ_BY_FACILITATOR:
    FORWARD += [
        *_policy(
            _table,
            "facilitated",
            f"FOR SELECT TO {FACILITATOR} USING ({FACILITATED} AND {ACCEPTED})",
        ),
        f"GRANT SELECT ON {_table} TO {FACILITATOR}",
    ]

BACKWARD = [
    f"DROP POLICY IF EXISTS facilitated ON {CHECK_IN}",
    f"DROP POLICY IF EXISTS invited ON {CHECK_IN}",
    f"ALTER TABLE {CHECK_IN} NO FORCE ROW LEVEL SECURITY",
    f"ALTER TABLE {CHECK_IN} DISABLE ROW LEVEL SECURITY",
    f"REVOKE ALL ON {CHECK_IN} FROM {FACILITATOR}, {DISTRICT_PERSONAS}",
]
for _table in READ_BY_FACILITATOR:
    BACKWARD += [
        f"DROP POLICY IF EXISTS facilitated ON {_table}",
        f"REVOKE ALL ON {_table} FROM {FACILITATOR}",
    ]


class Migration(migrations.Migration):
    dependencies = [("workshops", "0005_check_ins")]

    operations = [
        db_walls.walls(
            *(db_walls.TenantTable(table) for table in (*READ_BY_FACILITATOR, REMINDER))
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
