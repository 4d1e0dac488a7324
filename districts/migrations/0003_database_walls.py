"""Row-level security and per-persona grants on every table that exists at this point
(districts/db_walls.py explains the design). Runs as the owner role; the roles themselves come
from `manage.py db_roles`, which migrate checks for first."""

from django.db import migrations

from districts import db_walls

# Frozen here as they are now: tables added later get their own migration.
TENANT_TABLES = {
    # table: has a school_id column
    "districts_membership": False,
    "districts_membershipschool": True,
    "districts_school": False,
    "districts_schoolyear": False,
    "partners_partnerchange": False,
    "partners_partnerentry": False,
    "partners_partnerentryintervention": False,
    "partners_partnerentryreason": False,
    "partners_partnerentryschool": True,
    "partners_partnerorganization": False,
    "partners_partnerstafflink": False,
    "selfassessment_assessment": False,
    "selfassessment_itemresponse": False,
    "selfassessment_memberrating": False,
    "selfassessment_priority": False,
    "selfassessment_reflection": False,
    "tiering_attendancecode": False,
    "tiering_attendanceday": True,
    "tiering_attendanceimport": False,
    "tiering_attendancesummary": True,
    "tiering_importprofile": False,
    "tiering_ruleset": False,
    "tiering_snapshot": False,
    "tiering_standing": True,
    "tiering_student": True,
}
REFERENCE_TABLES = [
    "auth_group",
    "auth_group_permissions",
    "auth_permission",
    "districts_user_groups",
    "districts_user_user_permissions",
    "django_admin_log",
    "django_content_type",
    "partners_absencereason",
    "partners_intervention",
    "selfassessment_ingredient",
    "selfassessment_item",
    "selfassessment_reflectionquestion",
    "selfassessment_templateversion",
]
EVERYONE = f"{db_walls.APP}, {', '.join(db_walls.PERSONAS)}"


def forward_sql() -> list[str]:
    sql = []
    for table, has_school in TENANT_TABLES.items():
        sql += db_walls.tenant_table_sql(table, has_school=has_school)
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
    sql += db_walls.analyze_function_sql()
    return sql


def backward_sql() -> list[str]:
    sql = ["DROP FUNCTION IF EXISTS attendance_analyze(text)"]
    for table in TENANT_TABLES:
        sql += db_walls.drop_tenant_table_sql(table)
    for table in [*REFERENCE_TABLES, "districts_user", "districts_district", "django_session"]:
        sql.append(f"REVOKE ALL ON {table} FROM {EVERYONE}")
    sql.append(f"REVOKE ALL ON django_migrations FROM {EVERYONE}")
    sql.append(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {EVERYONE}")
    return sql


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0002_tenant_district_index_covered_by_constraints"),
        ("tiering", "0003_summary_references_covered_by_key"),
        ("selfassessment", "0002_template_version_1"),
        ("partners", "0002_seed_taxonomy"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunSQL(forward_sql(), backward_sql())]
