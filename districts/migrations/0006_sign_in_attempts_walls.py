"""django-axes keeps sign-in attempts in its own tables, written on the sign-in page, where
there is no district yet: the app's login role reads and writes them, and operators review
them in the admin. They hold email addresses and IP addresses, no student data."""

from django.db import migrations

from districts import db_walls

TABLES = [
    "axes_accessattempt",
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
]


def forward_sql() -> list[str]:
    sql = []
    for table in TABLES:
        sql += db_walls.reference_table_sql(table, app_writes="INSERT, UPDATE, DELETE")
    return [*sql, *db_walls.sequences_sql()]


def backward_sql() -> list[str]:
    everyone = ", ".join([db_walls.APP, *db_walls.PERSONAS])
    return [f"REVOKE ALL ON {table} FROM {everyone}" for table in TABLES]


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0005_audit_event_walls"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunSQL(forward_sql(), backward_sql())]
