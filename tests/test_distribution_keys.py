"""Ready to distribute by district_id (SCALING.md, security-notes.md (b)): a distributed
PostgreSQL such as Citus shards every tenant table on district_id, and refuses a primary key
or unique constraint without it and a foreign key that cannot carry it. Checked on the schema
itself, for every table with a district_id, so that a table added later is held to it too."""

from django.apps import apps
from django.db import connection, models

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
    """The bulk tables' keys, which their imports' merges rely on, lead with district_id and
    hold their partition key (tiering migration 0017: a key on a partitioned table must): the
    days' date was in theirs already; the summaries' and standings' reporting_year comes last,
    one value within a partition. The standings' primary key is no longer Django's id alone,
    which a partitioned table cannot have, but (district_id, id, reporting_year): the ORM still
    names a standing by its id, numbered from one sequence and so unique on its own."""
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
            "reporting_year",
        ),
        ("tiering_standing", True): ("district_id", "id", "reporting_year"),
        ("tiering_standing", False): (
            "district_id",
            "snapshot_id",
            "school_id",
            "student_id",
            "reporting_year",
        ),
    }


def _references():
    """(model, field, referenced model) for every reference between models, including the
    bulk tables' references the database holds no constraint for, and references over more
    than one column (a standing's snapshot: its id and reporting year)."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignObject) and field.related_model is not None:
                yield model, field, field.related_model


def _columns(field) -> tuple[list[str], list[str]]:
    """The columns a reference reads in its row and in the row it names."""
    return (
        [f.column for f in field.local_related_fields],
        [f.column for f in field.foreign_related_fields],
    )


def test_every_reference_between_tenant_tables_can_carry_district_id(db):
    """Citus allows a foreign key between two distributed tables only when it includes the
    distribution column, and from a distributed table to a reference table, never from a
    reference table to a distributed one."""
    tenant = set(tenant_models())
    between_tenants = 0
    for model, field, target in _references():
        if model in tenant and target in tenant:
            # Both rows carry a district_id, and the key referenced holds the target's own
            # id: (district_id, <field>) can reference (district_id, id), and a standing's
            # (district_id, snapshot_id, reporting_year) its snapshot's (district_id, id,
            # reporting_year).
            assert target._meta.pk.column in _columns(field)[1], (model, field.name)
            between_tenants += 1
        assert not (model not in tenant and target in tenant), (
            f"{model._meta.db_table}.{field.name} is global but names a district's row: "
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
            own, named = _columns(field)
            matches = " AND ".join(f"p.{t} = c.{o}" for o, t in zip(own, named, strict=True))
            cursor.execute(
                f"SELECT count(*) FROM {table} c WHERE c.{own[0]} IS NOT NULL"  # noqa: S608
                f" AND NOT EXISTS (SELECT FROM {parent} p WHERE {matches}"
                " AND p.district_id = c.district_id)"
            )
            assert cursor.fetchone() == (0,), (table, field.name)
            checked += 1
    assert checked >= 60
