"""Row-level security and per-persona grants on every table that exists at this point
(districts/db_walls.py explains the design). Runs as the owner role; the roles themselves come
from `manage.py db_roles`, which migrate checks for first."""

from django.db import migrations

from districts import db_walls

# Frozen here as they are now: tables added later get their own migration. Each app walls its
# own tables: until issue 16 this migration also walled the tiering, partners and
# self-assessment tables of the time, and databases migrated then keep those walls; those
# apps' own migrations now (re)apply them (tiering 0005, partners 0004, selfassessment 0003).
# Operators set up the district's schools and people; partner staff read them beside the
# registry.
SET_UP = {"operators_edit": True, "partners": db_walls.Partners.READ}
TENANT_TABLES = [
    db_walls.TenantTable("districts_membership", **SET_UP),
    db_walls.TenantTable("districts_membershipschool", school_scoped=True, **SET_UP),
    db_walls.TenantTable("districts_school", **SET_UP),
    db_walls.TenantTable("districts_schoolyear", **SET_UP),
]
REFERENCE_TABLES = [
    "auth_group",
    "auth_group_permissions",
    "auth_permission",
    "districts_user_groups",
    "districts_user_user_permissions",
    "django_admin_log",
    "django_content_type",
]
EVERYONE = f"{db_walls.APP}, {', '.join(db_walls.PERSONAS)}"


def forward_sql() -> list[str]:
    sql = []
    for table in TENANT_TABLES:
        sql += db_walls.tenant_table_sql(table)
    sql += db_walls.own_membership_sql()
    for table in REFERENCE_TABLES:
        sql += db_walls.reference_table_sql(table)
    # Signing in updates last_login; a password reset writes the password.
    sql += db_walls.reference_table_sql("districts_user", app_writes="UPDATE")
    sql.append(
        "GRANT INSERT ON districts_user TO"
        f" {db_walls.STAFF}, {db_walls.SYSTEM}, {db_walls.OPERATOR}"
    )
    sql += db_walls.reference_table_sql("districts_district")
    sql.append(f"GRANT UPDATE ON districts_district TO {db_walls.STAFF}, {db_walls.SYSTEM}")
    sql += db_walls.reference_table_sql("django_session", app_writes="INSERT, UPDATE, DELETE")
    # Django compares applied migrations at start-up.
    sql.append(f"GRANT SELECT ON django_migrations TO {EVERYONE}")
    sql += db_walls.sequences_sql()
    return sql


def backward_sql() -> list[str]:
    sql = []
    for table in TENANT_TABLES:
        sql += db_walls.drop_tenant_table_sql(table.name)
    for table in [*REFERENCE_TABLES, "districts_user", "districts_district", "django_session"]:
        sql.append(f"REVOKE ALL ON {table} FROM {EVERYONE}")
    sql.append(f"REVOKE ALL ON django_migrations FROM {EVERYONE}")
    sql.append(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {EVERYONE}")
    return sql


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0002_tenant_district_index_covered_by_constraints"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunSQL(forward_sql(), backward_sql())]
