"""The access record behind the same walls as every tenant table, and append-only in the
database too: personas may read and add entries, only the system persona may delete them
(retention pruning and a district's deletion at contract end), nobody may change one."""

from django.db import migrations

from districts import db_walls

TABLE = "districts_auditevent"
WRITERS = [db_walls.STAFF, db_walls.SCHOOL, db_walls.PARTNER, db_walls.SYSTEM]


def forward_sql() -> list[str]:
    return [
        f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY district_isolation ON {TABLE}"
        " USING (district_id = NULLIF(current_setting('app.district_id', true), '')::bigint)"
        " WITH CHECK (district_id = NULLIF(current_setting('app.district_id', true), '')::bigint)",
        f"GRANT SELECT, INSERT ON {TABLE} TO {', '.join(WRITERS)}",
        f"GRANT DELETE ON {TABLE} TO {db_walls.SYSTEM}",
        *db_walls.sequences_sql(),
    ]


def backward_sql() -> list[str]:
    return [
        f"REVOKE ALL ON {TABLE} FROM {', '.join(WRITERS)}",
        f"DROP POLICY IF EXISTS district_isolation ON {TABLE}",
        f"ALTER TABLE {TABLE} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {TABLE} DISABLE ROW LEVEL SECURITY",
    ]


class Migration(migrations.Migration):
    dependencies = [("districts", "0004_audit_event")]

    operations = [migrations.RunSQL(forward_sql(), backward_sql())]
