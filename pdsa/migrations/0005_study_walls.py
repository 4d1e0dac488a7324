"""The stored Study behind the district walls. It holds aggregates only (no student's row), so
partner staff read it as they read the worksheet: only for the cycles naming one of their
organisation's registry entries; school roles read those of the cycles they may read. Both
restrictive, ANDed with the district's policy, as the worksheet's parts in 0002."""

from django.db import migrations

from districts import db_walls

STUDY = "pdsa_studyresult"
# Runs under pdsa_cycle's own walls: the partner's and the school role's cycles only.
VISIBLE_CYCLE = "cycle_id IN (SELECT id FROM pdsa_cycle)"


def _restrict(name: str, persona: str) -> str:
    return (
        f"CREATE POLICY {name} ON {STUDY} AS RESTRICTIVE TO {persona}"
        f" USING ({VISIBLE_CYCLE}) WITH CHECK ({VISIBLE_CYCLE})"
    )


class Migration(migrations.Migration):
    dependencies = [("pdsa", "0004_study_results")]

    operations = [
        db_walls.walls(db_walls.TenantTable(STUDY, partners=db_walls.Partners.READ)),
        migrations.RunSQL(
            [
                _restrict("partner_scope", db_walls.PARTNER),
                _restrict("school_cycles", db_walls.SCHOOL),
            ],
            [
                f"DROP POLICY IF EXISTS partner_scope ON {STUDY}",
                f"DROP POLICY IF EXISTS school_cycles ON {STUDY}",
            ],
        ),
    ]
