"""The summaries' partitions leave half of each page free, and attendance_analyze may analyze
the standings.

A district's summary every two weeks gives every total again: ingest updates them in place,
and an update that finds room on its row's page writes no index entry (a heap-only tuple).
500,000 totals updated took 3.6 s with the room, 6.7 s without it, where deleting and
inserting them again took 5.4 s. The room is half a page so that a new version of every row
fits beside the old one; the old ones are pruned from the page by the next access after the
import commits, so each re-import finds the room again. Summaries are one row per student and
school a year, so the doubled size is small beside the daily rows and the standings.

The band tallies counted from a snapshot just written were planned for the empty partition
the stale statistics described (an index probe of the students per standing, 3.6 s of a
500,000-student import): take_all analyzes the standings it wrote."""

from django.db import migrations

from districts import db_walls

# As in 0018.
ANALYZABLE_BEFORE = (
    "tiering_student",
    "districts_school",
    "tiering_attendanceday",
    "tiering_attendancesummary",
)
ANALYZABLE_TABLES = (*ANALYZABLE_BEFORE, "tiering_standing")
SUMMARY_FILLFACTOR = 50

# 0018's function, with {summary_storage} run on each summaries' partition it makes.
YEAR_PARTITIONS_FUNCTION = """
CREATE OR REPLACE FUNCTION attendance_year_partitions(first_day date, last_day date) RETURNS void
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
      IF parent = 'tiering_attendancesummary' THEN
        EXECUTE format('ALTER TABLE public.%I {summary_storage}', part);
      END IF;
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
"""

# The partitions already there: their pages from now on.
EXISTING_SUMMARIES = """
DO $$
DECLARE part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits
              WHERE inhparent = 'public.tiering_attendancesummary'::regclass LOOP
    EXECUTE format('ALTER TABLE %s {summary_storage}', part);
  END LOOP;
END $$;
"""

WITH_ROOM = f"SET (fillfactor = {SUMMARY_FILLFACTOR})"
PACKED = "RESET (fillfactor)"


def _storage(sql: str, storage: str) -> str:
    return sql.replace("{summary_storage}", storage)


class Migration(migrations.Migration):
    dependencies = [("tiering", "0019_last_dates_stored_with_each_snapshot")]

    operations = [
        migrations.RunSQL(
            [
                _storage(YEAR_PARTITIONS_FUNCTION, WITH_ROOM),
                _storage(EXISTING_SUMMARIES, WITH_ROOM),
            ],
            [_storage(YEAR_PARTITIONS_FUNCTION, PACKED), _storage(EXISTING_SUMMARIES, PACKED)],
        ),
        migrations.RunSQL(
            db_walls.analyze_function_sql(ANALYZABLE_TABLES),
            db_walls.analyze_function_sql(ANALYZABLE_BEFORE),
        ),
    ]
