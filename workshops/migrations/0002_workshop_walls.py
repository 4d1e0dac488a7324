"""The workshop tables behind the walls. A workshop spans districts, so its rows are keyed two
ways:

- A district's rows (invitation, consent, team, packet) carry its district_id and stand behind
  the district walls like every tenant table: its staff and its tasks reach its own rows only.
- The facilitator persona reaches them across districts, but only for the workshops named in
  `app.workshop_ids` (read from the facilitator's own rows when their context opens): it may
  invite (insert a pending invitation) and read the rest; consent, team and packet rows are
  written by the district alone. It holds no privilege on any student table.
- The workshop, its facilitators and sessions belong to no district: the facilitator persona
  reaches the workshops it facilitates (or created, so that a new one can be read back before
  its facilitator row exists); district personas read the workshops their district is invited to.

No policy here reads a table whose own policy reads back (no loop of policies): the workshop's
facilitator policy reads only settings, the others read the workshop or the invitation.
"""

from django.db import migrations

from districts import db_walls

WORKSHOP = "workshops_workshop"
FACILITATORS = "workshops_workshopfacilitator"
SESSION = "workshops_workshopsession"
INVITATION = "workshops_invitation"
DISTRICT_READ_ONLY = ["workshops_consent", "workshops_teammember", "workshops_packettable"]
GLOBAL_TABLES = [WORKSHOP, FACILITATORS, SESSION]
TENANT_TABLES = [INVITATION, *DISTRICT_READ_ONLY]

USER = "NULLIF(current_setting('app.user_id', true), '')::bigint"
WORKSHOP_IDS = (
    "string_to_array(NULLIF(current_setting('app.workshop_ids', true), ''), ',')::bigint[]"
)
FACILITATED = f"workshop_id = ANY ({WORKSHOP_IDS})"
# Subqueries run under the walls of the table they read.
VISIBLE_WORKSHOP = "workshop_id IN (SELECT id FROM workshops_workshop)"
INVITED = "workshop_id IN (SELECT workshop_id FROM workshops_invitation)"
FACILITATOR = db_walls.FACILITATOR
DISTRICT_PERSONAS = ", ".join((db_walls.STAFF, db_walls.SCHOOL, db_walls.SYSTEM))


def _policy(table: str, name: str, rest: str) -> list[str]:
    return [f"DROP POLICY IF EXISTS {name} ON {table}", f"CREATE POLICY {name} ON {table} {rest}"]


def _global_walls() -> list[str]:
    sql = []
    for table in GLOBAL_TABLES:
        sql += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
            f"GRANT SELECT ON {table} TO {DISTRICT_PERSONAS}",
        ]
    own_workshop = f"id = ANY ({WORKSHOP_IDS}) OR created_by_id = {USER}"
    sql += _policy(
        WORKSHOP,
        "facilitated",
        f"TO {FACILITATOR} USING ({own_workshop}) WITH CHECK ({own_workshop})",
    )
    sql += _policy(
        WORKSHOP,
        "invited",
        f"FOR SELECT TO {DISTRICT_PERSONAS}"  # noqa: S608 — constants only
        " USING (id IN (SELECT workshop_id FROM workshops_invitation))",
    )
    sql.append(f"GRANT SELECT, INSERT, UPDATE ON {WORKSHOP} TO {FACILITATOR}")
    sql += _policy(
        FACILITATORS,
        "facilitated",
        f"TO {FACILITATOR} USING (user_id = {USER} OR {VISIBLE_WORKSHOP})"
        f" WITH CHECK ({VISIBLE_WORKSHOP})",
    )
    sql.append(f"GRANT SELECT, INSERT, DELETE ON {FACILITATORS} TO {FACILITATOR}")
    sql += _policy(
        SESSION,
        "facilitated",
        f"TO {FACILITATOR} USING ({VISIBLE_WORKSHOP}) WITH CHECK ({VISIBLE_WORKSHOP})",
    )
    sql.append(f"GRANT {db_walls.CRUD} ON {SESSION} TO {FACILITATOR}")
    for table in (FACILITATORS, SESSION):
        sql += _policy(table, "invited", f"FOR SELECT TO {DISTRICT_PERSONAS} USING ({INVITED})")
    return sql


def _facilitator_reach() -> list[str]:
    sql = _policy(
        INVITATION,
        "facilitated",
        f"TO {FACILITATOR} USING ({FACILITATED}) WITH CHECK ({FACILITATED} AND status = 'pending')",
    )
    sql.append(f"GRANT SELECT, INSERT ON {INVITATION} TO {FACILITATOR}")
    for table in DISTRICT_READ_ONLY:
        sql += _policy(table, "facilitated", f"FOR SELECT TO {FACILITATOR} USING ({FACILITATED})")
        sql.append(f"GRANT SELECT ON {table} TO {FACILITATOR}")
    return sql


def _removed() -> list[str]:
    sql = []
    for table in GLOBAL_TABLES:
        sql += [
            f"DROP POLICY IF EXISTS facilitated ON {table}",
            f"DROP POLICY IF EXISTS invited ON {table}",
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
            f"REVOKE ALL ON {table} FROM {FACILITATOR}, {DISTRICT_PERSONAS}",
        ]
    for table in TENANT_TABLES:
        sql += [
            f"DROP POLICY IF EXISTS facilitated ON {table}",
            f"REVOKE ALL ON {table} FROM {FACILITATOR}",
        ]
    return sql


class Migration(migrations.Migration):
    dependencies = [("workshops", "0001_workshops")]

    operations = [
        db_walls.walls(*(db_walls.TenantTable(table) for table in TENANT_TABLES)),
        migrations.RunSQL([*_global_walls(), *_facilitator_reach()], _removed()),
    ]
