"""A school role runs a cycle only when the cycle names no school but its own, which its walls
cannot tell it: they show it only its own schools' rows of pdsa_cycleschool (0002), so a cycle
naming Adams and Banneker read, as Adams' principal, as naming Adams alone, and Adams'
principal ran it (edited its worksheet, added Adams' students to it).

`pdsa_cycles_naming_other_schools(cycle_ids)` answers, of the cycles given, which name a
school outside the caller's own, and nothing of which school: the ids it returns are some of
those it was given. SECURITY DEFINER (db_walls.school_set_function_sql), it reads
pdsa_cycleschool under the district wall only (forced on its owner too), the current
district's rows only. It answers only for cycles naming one of the caller's schools, those a
school role reads anyway (a cycle naming none is not one it runs); and the schools are the
caller's tenant settings, never an argument, so no set of schools can be tried against a
cycle to learn which it names."""

from django.db import migrations

from districts import db_walls

NAMING_OTHER_SCHOOLS = "pdsa_cycles_naming_other_schools"
CYCLE_IDS = "cycle_ids bigint[]"
CYCLES_NAMING_OWN_AND_OTHER_SCHOOLS = (
    "SELECT DISTINCT other.cycle_id FROM pdsa_cycleschool other"
    " WHERE other.district_id = district AND other.cycle_id = ANY (cycle_ids)"
    " AND other.school_id <> ALL (schools)"
    " AND EXISTS (SELECT FROM pdsa_cycleschool own WHERE own.district_id = district"
    " AND own.cycle_id = other.cycle_id AND own.school_id = ANY (schools))"
)


class Migration(migrations.Migration):
    dependencies = [("pdsa", "0008_reason_tally_walls")]

    operations = [
        migrations.RunSQL(
            db_walls.school_set_function_sql(
                NAMING_OTHER_SCHOOLS, CYCLES_NAMING_OWN_AND_OTHER_SCHOOLS, parameters=CYCLE_IDS
            ),
            [f"DROP FUNCTION IF EXISTS {NAMING_OTHER_SCHOOLS}({CYCLE_IDS})"],
        ),
    ]
