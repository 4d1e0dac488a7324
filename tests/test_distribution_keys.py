"""Ready to distribute by district_id (SCALING.md, security-notes.md (b)): a distributed
PostgreSQL such as Citus shards every tenant table on district_id, and refuses a primary key
or unique constraint without it and a foreign key that cannot carry it. Checked on the schema
itself, for every table with a district_id, so that a table added later is held to it too."""

from django.apps import apps
from django.db import connection

from districts.lifecycle import tenant_models
from districts.tenancy import system_context

# Unique keys that do not lead with district_id, and why each is still safe to distribute:
# each is one identity-numbered column, unique across districts by construction, so the same
# key led by district_id (what SCALING.md's move to Citus declares) holds the same rows.
SURROGATE_UNIQUE_KEYS = {
    # A cycle's one Study (a one-to-one): its cycle's identity number.
    ("pdsa_studyresult", ("cycle_id",)),
}


def _tenant_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
            " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')"
            " AND NOT c.relispartition AND a.attname = 'district_id' AND NOT a.attisdropped"
        )
        return sorted(row[0] for row in cursor.fetchall())


def _unique_keys(tables: list[str]) -> list[tuple[str, str, bool, tuple[str, ...], bool]]:
    """(table, index, is the primary key, its columns (expressions as ''), its first column
    is an identity column) for every unique index of these tables, constraint or not."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indexrelid::regclass::text, i.indisprimary,"
            " array_agg(coalesce(a.attname, '') ORDER BY k.ord),"
            " bool_or(k.ord = 1 AND a.attidentity <> '')"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
            " CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
            " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum"
            " WHERE i.indisunique AND c.relname = ANY(%s) GROUP BY 1, 2, 3 ORDER BY 1, 2",
            [tables],
        )
        return [(t, i, p, tuple(cols), identity) for t, i, p, cols, identity in cursor.fetchall()]


def test_every_tenant_tables_keys_lead_with_district_id_or_are_one_identity_number(db):
    tables = _tenant_tables()
    assert len(tables) >= 45 and "tiering_attendanceday" in tables
    keys = _unique_keys(tables)
    assert {table for table, *_ in keys} == set(tables)  # every table has a key
    exceptions = []
    for table, index, primary, columns, identity in keys:
        if columns[0] == "district_id":
            continue
        # Django's own key: the id every table numbers its rows with (one sequence, unique
        # across districts). A distributed table declares (district_id, id) in its place.
        if primary and columns == ("id",) and identity:
            continue
        if (table, columns) in SURROGATE_UNIQUE_KEYS:
            continue
        exceptions.append((table, index, columns))
    assert exceptions == [], "Lead these keys with district_id (or justify them above)."


def test_the_big_tables_keys_lead_with_district_id(db):
    """The bulk tables' keys, which their imports' merges rely on and which partitioning by
    school year (SCALING.md, the next step) will extend with its partition key, lead with
    district_id; the standings' primary key is Django's id and their unique key leads."""
    keys = {
        (table, primary): columns
        for table, _, primary, columns, _ in _unique_keys(
            ["tiering_attendanceday", "tiering_attendancesummary", "tiering_standing"]
        )
    }
    assert keys == {
        ("tiering_attendanceday", True): ("district_id", "student_id", "date"),
        ("tiering_attendancesummary", True): (
            "district_id",
            "school_year_id",
            "student_id",
            "school_id",
        ),
        ("tiering_standing", True): ("id",),
        ("tiering_standing", False): ("district_id", "snapshot_id", "school_id", "student_id"),
    }


def _references():
    """(model, field, referenced model) for every reference between models, including the
    bulk tables' references the database holds no constraint for."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None:
                yield model, field, field.related_model


def test_every_reference_between_tenant_tables_can_carry_district_id(db):
    """Citus allows a foreign key between two distributed tables only when it includes the
    distribution column, and from a distributed table to a reference table, never from a
    reference table to a distributed one."""
    tenant = set(tenant_models())
    between_tenants = 0
    for model, field, target in _references():
        if model in tenant and target in tenant:
            # Both rows carry a district_id, and the key referenced is the target's own id:
            # (district_id, <field>) can reference (district_id, id).
            assert field.target_field == target._meta.pk, (model, field.name)
            between_tenants += 1
        assert not (model not in tenant and target in tenant), (
            f"{model._meta.db_table}.{field.column} is global but names a district's row: "
            "a reference table cannot refer to a distributed one."
        )
    assert between_tenants >= 60


def test_every_reference_between_tenant_rows_stays_within_one_district(tiered, district):
    """So a composite foreign key (district_id, x_id) -> (district_id, id) would hold on the
    data, not only on the schema: under its own district's walls, no row names a row it
    cannot see (one of another district, or none at all)."""
    tenant = set(tenant_models())
    checked = 0
    with system_context(district, reason="test"), connection.cursor() as cursor:
        for model, field, target in _references():
            if model not in tenant or target not in tenant or field.name == "district":
                continue
            table, parent = model._meta.db_table, target._meta.db_table
            cursor.execute(
                f"SELECT count(*) FROM {table} c WHERE c.{field.column} IS NOT NULL"  # noqa: S608
                f" AND NOT EXISTS (SELECT FROM {parent} p WHERE p.id = c.{field.column}"
                " AND p.district_id = c.district_id)"
            )
            assert cursor.fetchone() == (0,), (table, field.column)
            checked += 1
    assert checked >= 60
