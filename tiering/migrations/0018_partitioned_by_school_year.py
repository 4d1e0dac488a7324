"""The big tables partitioned by school year (issue 22.1, SCALING.md).

- `tiering_attendanceday` by RANGE on `date`, one partition per July–June reporting year
  (`tiering_attendanceday_2026_27` holds July 1, 2026 to June 30, 2027);
- `tiering_attendancesummary` and `tiering_standing` by LIST on a new `reporting_year`, the
  reporting year of the school year they belong to (districts.models.reporting_year: its first
  day's), one value per partition. LIST rather than RANGE: the key is one whole year, so a
  list names each partition's year exactly and a row of a year with no partition is refused
  rather than slipped into a neighbour's range. `tiering_snapshot` gets the same column, so a
  read of a snapshot's standings names their partition without a join (Standing.snapshot).

Keys hold the partition key and still lead with district_id: days `(district_id,
student_id, date)` as before; summaries `(district_id, school_year_id, student_id, school_id,
reporting_year)`; standings `(district_id, id, reporting_year)` and their unique
`(district_id, snapshot_id, school_id, student_id, reporting_year)`. The standings' `id` keeps
numbering from its own sequence (PostgreSQL before 17 has no identity column on a partitioned
table), so the ORM's primary key stays `id`, unique on its own.

Partitions are created when a school year is added or its dates change, by a trigger on
`districts_schoolyear` calling `attendance_year_partitions(first_day, last_day)`, an owner's
function: the app's roles create nothing. Each partition is created apart and then attached,
which locks its parent only against other DDL, not against reads or writes. A day outside
every school year never reaches the tables (the import refuses it, ingest.validate).

Walls stay on the parents. A partition named directly is not a way round them: it has forced
row security with no policy and no grant, so every persona gets "permission denied", and the
owner itself reads nothing there.

A populated database is converted: the old tables are renamed, the partitioned ones created
with a partition for every school year and every date on record, the rows copied across and
the old tables dropped. It takes as long as copying the three tables once."""

# The statements below are built from this module's constants only (table and column names).
# ruff: noqa: S608

from django.db import migrations, models

from districts import db_walls

TenantTable = db_walls.TenantTable
PARTITIONED = [
    TenantTable("tiering_attendanceday", student_data=True, school_scoped=True),
    TenantTable("tiering_attendancesummary", student_data=True, school_scoped=True),
    TenantTable("tiering_standing", student_data=True, school_scoped=True),
]
# Read or written across districts while the rows move (the owner is under their forced row
# security otherwise, and would see none).
MOVED_UNDER_OWNER = ["districts_schoolyear", "tiering_snapshot"]
# As in 0015.
ANALYZABLE_TABLES = (
    "tiering_student",
    "districts_school",
    "tiering_attendanceday",
    "tiering_attendancesummary",
)
REPORTING_YEAR = "extract(year FROM {day} - interval '6 months')::smallint"

YEAR_PARTITIONS_FUNCTION = """
CREATE FUNCTION attendance_year_partitions(first_day date, last_day date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  year int;
  parent text;
  part text;
  locked boolean := false;
BEGIN
  FOR year IN extract(year FROM first_day - interval '6 months')::int
           .. extract(year FROM last_day - interval '6 months')::int LOOP
    FOREACH parent IN ARRAY ARRAY['tiering_attendanceday', 'tiering_attendancesummary',
                                  'tiering_standing'] LOOP
      part := format('%s_%s_%s', parent, year, lpad(((year + 1) % 100)::text, 2, '0'));
      CONTINUE WHEN to_regclass('public.' || quote_ident(part)) IS NOT NULL;
      -- Only when one is missing (imports of different districts must not wait on each
      -- other): two transactions adding the same year at once, the second waits, then finds
      -- it made.
      IF NOT locked THEN
        PERFORM pg_advisory_xact_lock(hashtext('tiering.year_partitions'));
        locked := true;
        CONTINUE WHEN to_regclass('public.' || quote_ident(part)) IS NOT NULL;
      END IF;
      EXECUTE format('CREATE TABLE public.%I (LIKE public.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                     part, parent);
      -- Named directly, a partition answers to its own policies only: none, and no grant.
      EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', part);
      EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', part);
      EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC', part);
      IF parent = 'tiering_attendanceday' THEN
        EXECUTE format('ALTER TABLE public.%I ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
                       parent, part, make_date(year, 7, 1), make_date(year + 1, 7, 1));
      ELSE
        EXECUTE format('ALTER TABLE public.%I ATTACH PARTITION public.%I FOR VALUES IN (%s)',
                       parent, part, year);
      END IF;
    END LOOP;
  END LOOP;
END $$;
REVOKE ALL ON FUNCTION attendance_year_partitions(date, date) FROM PUBLIC;
-- Imports and recomputes make sure of their year's partitions too (ingest.year_partitions):
-- a year retired (its partitions dropped) and imported again gets them back.
GRANT EXECUTE ON FUNCTION attendance_year_partitions(date, date)
  TO attendance_system, attendance_staff;

CREATE FUNCTION attendance_school_year_partitions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  PERFORM attendance_year_partitions(NEW.first_day, NEW.last_day);
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION attendance_school_year_partitions() FROM PUBLIC;
"""

SCHOOL_YEAR_TRIGGER = """
CREATE TRIGGER school_year_partitions AFTER INSERT OR UPDATE OF first_day, last_day
ON districts_schoolyear FOR EACH ROW EXECUTE FUNCTION attendance_school_year_partitions()
"""

DAYS = "date, category, absent_fraction, district_id, school_id, student_id"
SUMMARY = (
    "days_enrolled, days_absent, excused, unexcused, suspension, tardy, as_of,"
    " district_id, school_id, school_year_id, student_id"
)
STANDING = (
    "id, grade, days_enrolled, days_absent, excused, unexcused, suspension, tardy, band,"
    " district_id, school_id, snapshot_id, student_id"
)

# CREATE TABLE … AS (the reverse) keeps types, not NOT NULL.
SUMMARY_NOT_NULL = (
    *("days_enrolled", "days_absent", "as_of"),
    *("district_id", "school_id", "school_year_id", "student_id"),
)
STANDING_NOT_NULL = ("id", "days_enrolled", "days_absent", "band", "district_id", "snapshot_id")
STANDING_NOT_NULL += ("student_id",)


def _forward() -> list[str]:
    sql = [YEAR_PARTITIONS_FUNCTION]
    sql += [f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY" for t in MOVED_UNDER_OWNER]
    sql += [
        "ALTER TABLE tiering_snapshot ADD COLUMN reporting_year smallint",
        f"""UPDATE tiering_snapshot s SET reporting_year = {REPORTING_YEAR.format(day="y.first_day")}
            FROM districts_schoolyear y WHERE y.id = s.school_year_id""",
        "ALTER TABLE tiering_snapshot ALTER COLUMN reporting_year SET NOT NULL",
    ]
    for table in PARTITIONED:
        old = f"{table.name}_unpartitioned"
        sql += [
            f"ALTER TABLE {table.name} NO FORCE ROW LEVEL SECURITY",
            f"ALTER TABLE {table.name} RENAME TO {old}",
            f"ALTER TABLE {old} RENAME CONSTRAINT {table.name}_pkey TO {old}_pkey",
        ]
    sql += [
        "ALTER TABLE tiering_standing_unpartitioned RENAME CONSTRAINT"
        " standing_one_per_school_and_student TO standing_unpartitioned_one_per_key",
        "ALTER INDEX standing_by_student RENAME TO standing_unpartitioned_by_student",
        "ALTER SEQUENCE tiering_standing_id_seq RENAME TO tiering_standing_unpartitioned_id_seq",
        # Days: the key already holds the date.
        """CREATE TABLE tiering_attendanceday (LIKE tiering_attendanceday_unpartitioned
             INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (date)""",
        """ALTER TABLE tiering_attendanceday ADD CONSTRAINT tiering_attendanceday_pkey
             PRIMARY KEY (district_id, student_id, date)""",
        """CREATE TABLE tiering_attendancesummary (LIKE tiering_attendancesummary_unpartitioned
             INCLUDING DEFAULTS INCLUDING CONSTRAINTS, reporting_year smallint NOT NULL)
           PARTITION BY LIST (reporting_year)""",
        """ALTER TABLE tiering_attendancesummary ADD CONSTRAINT tiering_attendancesummary_pkey
             PRIMARY KEY (district_id, school_year_id, student_id, school_id, reporting_year)""",
        """CREATE TABLE tiering_standing (LIKE tiering_standing_unpartitioned
             INCLUDING DEFAULTS INCLUDING CONSTRAINTS, reporting_year smallint NOT NULL)
           PARTITION BY LIST (reporting_year)""",
        "CREATE SEQUENCE tiering_standing_id_seq OWNED BY tiering_standing.id",
        """ALTER TABLE tiering_standing ALTER COLUMN id
             SET DEFAULT nextval('tiering_standing_id_seq')""",
        """ALTER TABLE tiering_standing ADD CONSTRAINT tiering_standing_pkey
             PRIMARY KEY (district_id, id, reporting_year)""",
        """ALTER TABLE tiering_standing ADD CONSTRAINT standing_one_per_school_and_student
             UNIQUE NULLS NOT DISTINCT
             (district_id, snapshot_id, school_id, student_id, reporting_year)""",
        """CREATE INDEX standing_by_student ON tiering_standing
             (district_id, snapshot_id, student_id)""",
        # A partition for every school year, and for any day on record outside them.
        "SELECT attendance_year_partitions(first_day, last_day) FROM districts_schoolyear",
        """SELECT attendance_year_partitions(min(date), max(date))
           FROM tiering_attendanceday_unpartitioned HAVING count(*) > 0""",
        f"""INSERT INTO tiering_attendanceday ({DAYS})
            SELECT {DAYS} FROM tiering_attendanceday_unpartitioned""",
        f"""INSERT INTO tiering_attendancesummary ({SUMMARY}, reporting_year)
            SELECT {", ".join(f"f.{c.strip()}" for c in SUMMARY.split(","))},
                   {REPORTING_YEAR.format(day="y.first_day")}
            FROM tiering_attendancesummary_unpartitioned f
            JOIN districts_schoolyear y ON y.id = f.school_year_id""",
        f"""INSERT INTO tiering_standing ({STANDING}, reporting_year)
            SELECT {", ".join(f"s.{c.strip()}" for c in STANDING.split(","))}, sn.reporting_year
            FROM tiering_standing_unpartitioned s
            JOIN tiering_snapshot sn ON sn.id = s.snapshot_id""",
        """SELECT setval('tiering_standing_id_seq',
             greatest((SELECT last_value FROM tiering_standing_unpartitioned_id_seq),
                      (SELECT coalesce(max(id), 0) FROM tiering_standing), 1))""",
    ]
    sql += [f"DROP TABLE {table.name}_unpartitioned" for table in PARTITIONED]
    sql += [f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY" for t in MOVED_UNDER_OWNER]
    # Autovacuum never analyses a partitioned table itself: the planner's estimates of joins
    # with the parents need statistics of their own (imports analyse their partitions).
    sql += [f"ANALYZE {table.name}" for table in PARTITIONED]
    sql += [SCHOOL_YEAR_TRIGGER]
    return sql


def _backward() -> list[str]:
    sql = [
        "DROP TRIGGER school_year_partitions ON districts_schoolyear",
        *[f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY" for t in MOVED_UNDER_OWNER],
    ]
    for table in PARTITIONED:
        sql += [
            f"ALTER TABLE {table.name} NO FORCE ROW LEVEL SECURITY",
            f"ALTER TABLE {table.name} RENAME TO {table.name}_partitioned",
            f"""ALTER TABLE {table.name}_partitioned RENAME CONSTRAINT {table.name}_pkey
                TO {table.name}_partitioned_pkey""",
        ]
    sql += [
        """ALTER TABLE tiering_standing_partitioned RENAME CONSTRAINT
             standing_one_per_school_and_student TO standing_partitioned_one_per_key""",
        "ALTER INDEX standing_by_student RENAME TO standing_partitioned_by_student",
        """ALTER SEQUENCE tiering_standing_id_seq
             RENAME TO tiering_standing_partitioned_id_seq""",
        f"""CREATE TABLE tiering_attendanceday AS
            SELECT {DAYS} FROM tiering_attendanceday_partitioned""",
        """ALTER TABLE tiering_attendanceday ADD CONSTRAINT tiering_attendanceday_pkey
             PRIMARY KEY (district_id, student_id, date)""",
        f"""CREATE TABLE tiering_attendancesummary AS
            SELECT {SUMMARY} FROM tiering_attendancesummary_partitioned""",
        """ALTER TABLE tiering_attendancesummary ADD CONSTRAINT tiering_attendancesummary_pkey
             PRIMARY KEY (district_id, school_year_id, student_id, school_id)""",
        """ALTER TABLE tiering_attendancesummary ADD CONSTRAINT
             attendance_summary_absent_within_enrolled
             CHECK (days_absent >= 0 AND days_absent <= days_enrolled)""",
        *[
            f"ALTER TABLE tiering_attendancesummary ALTER COLUMN {c} SET NOT NULL"
            for c in SUMMARY_NOT_NULL
        ],
        f"""CREATE TABLE tiering_standing AS
            SELECT {STANDING} FROM tiering_standing_partitioned""",
        *[f"ALTER TABLE tiering_standing ALTER COLUMN {c} SET NOT NULL" for c in STANDING_NOT_NULL],
        """ALTER TABLE tiering_standing ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY""",
        """SELECT setval(pg_get_serial_sequence('tiering_standing', 'id'),
             greatest((SELECT last_value FROM tiering_standing_partitioned_id_seq),
                      (SELECT coalesce(max(id), 0) FROM tiering_standing), 1))""",
        "ALTER TABLE tiering_standing ADD CONSTRAINT tiering_standing_pkey PRIMARY KEY (id)",
        """ALTER TABLE tiering_standing ADD CONSTRAINT standing_one_per_school_and_student
             UNIQUE NULLS NOT DISTINCT (district_id, snapshot_id, school_id, student_id)""",
        """CREATE INDEX standing_by_student ON tiering_standing
             (district_id, snapshot_id, student_id)""",
        *[
            f"ALTER TABLE tiering_attendanceday ALTER COLUMN {c} SET NOT NULL"
            for c in ("date", "category", "district_id", "school_id", "student_id")
        ],
        *[f"DROP TABLE {table.name}_partitioned" for table in PARTITIONED],
        "ALTER TABLE tiering_snapshot DROP COLUMN reporting_year",
        *[f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY" for t in MOVED_UNDER_OWNER],
        "DROP FUNCTION attendance_school_year_partitions()",
        "DROP FUNCTION attendance_year_partitions(date, date)",
    ]
    # The walls again, on the plain tables (reversing the walls' operation below took them
    # down from the partitioned ones first).
    for table in PARTITIONED:
        sql += db_walls.tenant_table_sql(table)
    return [*sql, *db_walls.sequences_sql()]


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0012_api_tokens"),
        ("tiering", "0017_band_tallies_stored_with_each_snapshot"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(_forward(), _backward()),
                # The parents' walls, as 0005 built them on the plain tables (and again on
                # the plain tables when this migration is reversed).
                db_walls.walls(*PARTITIONED),
                migrations.RunSQL(
                    db_walls.analyze_function_sql(ANALYZABLE_TABLES), migrations.RunSQL.noop
                ),
            ],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="standing", name="standing_one_per_school_and_student"
                ),
                migrations.RemoveIndex(model_name="standing", name="standing_by_student"),
                migrations.AddField(
                    model_name="attendancesummary",
                    name="reporting_year",
                    field=models.SmallIntegerField(),
                ),
                migrations.AddField(
                    model_name="snapshot",
                    name="reporting_year",
                    field=models.SmallIntegerField(),
                ),
                migrations.AddField(
                    model_name="standing",
                    name="reporting_year",
                    field=models.SmallIntegerField(),
                ),
                migrations.AddField(
                    model_name="standing",
                    name="snapshot_id",
                    field=models.BigIntegerField(),
                ),
                migrations.AlterField(
                    model_name="attendancesummary",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "district",
                        "school_year",
                        "student",
                        "school",
                        "reporting_year",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                migrations.AlterField(
                    model_name="standing",
                    name="snapshot",
                    field=models.ForeignObject(
                        from_fields=("snapshot_id", "reporting_year"),
                        on_delete=models.deletion.CASCADE,
                        related_name="standings",
                        to="tiering.snapshot",
                        to_fields=("id", "reporting_year"),
                    ),
                ),
                migrations.AddIndex(
                    model_name="standing",
                    index=models.Index(
                        fields=["district", "snapshot_id", "student"], name="standing_by_student"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="standing",
                    constraint=models.UniqueConstraint(
                        fields=("district", "snapshot_id", "school", "student", "reporting_year"),
                        name="standing_one_per_school_and_student",
                        nulls_distinct=False,
                    ),
                ),
            ],
        )
    ]
