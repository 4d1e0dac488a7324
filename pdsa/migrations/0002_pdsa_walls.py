"""The PDSA tables behind the district walls, and two more.

The worksheet (change ideas, cycles, questions, steps, schools, reasons, interventions,
partner entries) is no student data: partner staff read it, but only the cycles naming one of
their organisation's registry entries. School roles read the cycles naming one of their
schools, or that they started (a cycle is written before the schools it names). Both are
restrictive policies, ANDed with the district's.

The participants and their sessions are student data, walled as support's records: the
district's, and for school roles the students they may read, written only for students now at
their schools. Partner staff and facilitators have no privilege on them.
"""

from django.db import migrations

from districts import db_walls

CYCLE = "pdsa_cycle"
CHANGE_IDEA = "pdsa_changeidea"
SCHOOLS_NAMED = "pdsa_cycleschool"
PARTNERS_NAMED = "pdsa_cyclepartnerentry"
# The worksheet's parts, each read with its cycle.
CYCLE_PARTS = [
    "pdsa_learningquestion",
    "pdsa_planstep",
    "pdsa_cyclereason",
    "pdsa_cycleintervention",
]
WORKSHEET_TABLES = [CHANGE_IDEA, CYCLE, *CYCLE_PARTS, SCHOOLS_NAMED, PARTNERS_NAMED]
STUDENT_RECORD_TABLES = ["pdsa_participant", "pdsa_participantsession"]
TEMPLATE = "pdsa_cycletemplate"

USER = "NULLIF(current_setting('app.user_id', true), '')::bigint"
SCHOOLS = "string_to_array(NULLIF(current_setting('app.school_ids', true), ''), ',')::bigint[]"
OWN_ORGANIZATION_ENTRIES = (
    "entry_id IN (SELECT id FROM partners_partnerentry WHERE organization_id IN"  # noqa: S608
    " (SELECT organization_id FROM partners_partnerstafflink WHERE membership_id IN"
    f" (SELECT id FROM districts_membership WHERE user_id = {USER}"
    " AND role = 'partner_staff')))"
)
OWN_ROW = "created_by_id = " + USER
# Subqueries run under the walls of the table they read.
VISIBLE_CYCLE = "cycle_id IN (SELECT id FROM pdsa_cycle)"
READABLE_STUDENT = "student_id IN (SELECT id FROM tiering_student)"
STUDENT_AT_OWN_SCHOOL = (
    "student_id IN (SELECT id FROM tiering_student"  # noqa: S608 — constants only
    f" WHERE school_id = ANY ({SCHOOLS}))"
)


def _restrict(table: str, name: str, persona: str, condition: str, *, select_only=False) -> str:
    command = " FOR SELECT" if select_only else ""
    check = "" if select_only else f" WITH CHECK ({condition})"
    return (
        f"CREATE POLICY {name} ON {table} AS RESTRICTIVE{command} TO {persona}"
        f" USING ({condition}){check}"
    )


def _scopes() -> list[str]:
    partner, school = db_walls.PARTNER, db_walls.SCHOOL
    return [
        _restrict(PARTNERS_NAMED, "partner_scope", partner, OWN_ORGANIZATION_ENTRIES),
        _restrict(
            CYCLE, "partner_scope", partner, "id IN (SELECT cycle_id FROM pdsa_cyclepartnerentry)"
        ),
        _restrict(
            CHANGE_IDEA, "partner_scope", partner, "id IN (SELECT change_idea_id FROM pdsa_cycle)"
        ),
        *(
            _restrict(table, "partner_scope", partner, VISIBLE_CYCLE)
            for table in (*CYCLE_PARTS, SCHOOLS_NAMED)
        ),
        # SELECT only: a new cycle is inserted (and read back) before the schools it names.
        _restrict(
            CYCLE,
            "school_cycles",
            school,
            "id IN (SELECT cycle_id FROM pdsa_cycleschool) OR " + OWN_ROW,  # noqa: S608
            select_only=True,
        ),
        _restrict(
            CHANGE_IDEA,
            "school_cycles",
            school,
            "id IN (SELECT change_idea_id FROM pdsa_cycle) OR " + OWN_ROW,  # noqa: S608
            select_only=True,
        ),
        # Not on the schools named: the cycle's own policy reads them (no loop of policies).
        *(
            _restrict(table, "school_cycles", school, VISIBLE_CYCLE)
            for table in (*CYCLE_PARTS, PARTNERS_NAMED)
        ),
        *(
            f"CREATE POLICY school_scope ON {table} AS RESTRICTIVE TO {school}"
            f" USING ({READABLE_STUDENT}) WITH CHECK ({STUDENT_AT_OWN_SCHOOL})"
            for table in STUDENT_RECORD_TABLES
        ),
    ]


def _scopes_removed() -> list[str]:
    return [
        f"DROP POLICY IF EXISTS {name} ON {table}"
        for table in [*WORKSHEET_TABLES, *STUDENT_RECORD_TABLES]
        for name in ("partner_scope", "school_cycles", "school_scope")
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("pdsa", "0001_cycles"),
        ("partners", "0003_merge_twin_absence_reasons"),
        ("support", "0002_support_walls"),
    ]

    operations = [
        db_walls.walls(
            *(
                db_walls.TenantTable(
                    table, school_scoped=table == SCHOOLS_NAMED, partners=db_walls.Partners.READ
                )
                for table in WORKSHEET_TABLES
            ),
            *(db_walls.TenantTable(table, student_data=True) for table in STUDENT_RECORD_TABLES),
            reference_tables=[TEMPLATE],
        ),
        migrations.RunSQL(_scopes(), _scopes_removed()),
    ]
