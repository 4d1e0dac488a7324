"""The recompute's tables and the in-app notifications behind the same walls as every tenant
table. Partner staff read and mark their own notifications (the app narrows them to the
person), and never see a recompute."""

from django.db import migrations

from districts import db_walls

TABLES = ["tiering_recomputeschedule", "tiering_recomputerun", "districts_notification"]


def forward_sql() -> list[str]:
    sql = []
    for table in TABLES:
        sql += db_walls.tenant_table_sql(table, has_school=False)
    sql.append(f"GRANT SELECT, UPDATE ON districts_notification TO {db_walls.PARTNER}")
    return [*sql, *db_walls.sequences_sql()]


def backward_sql() -> list[str]:
    sql = [f"REVOKE ALL ON districts_notification FROM {db_walls.PARTNER}"]
    for table in TABLES:
        sql += db_walls.drop_tenant_table_sql(table)
    return sql


class Migration(migrations.Migration):
    dependencies = [
        ("tiering", "0004_recompute"),
        ("districts", "0007_notifications"),
    ]

    operations = [migrations.RunSQL(forward_sql(), backward_sql())]
