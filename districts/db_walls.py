"""The database's own walls behind the scoped querysets (design.md §3, security-notes.md (a)).

Privileges: the app logs in as APP, a role that is no superuser, cannot bypass row-level
security, owns nothing and inherits nothing. Each transaction that touches tenant data switches
with `SET LOCAL ROLE` into one persona, whose grants say which tables it may touch at all
(partner and facilitator personas have none on student tables). OWNER owns the schema and is
used only by migrations.

Rows: every table with a district_id has row-level security enabled and forced, keyed on
settings written with `set_config(…, true)`: they belong to the transaction and vanish at its
end, so a pooled connection never carries one request's district into the next.

Each app walls its own tables in its own migrations, saying what each table is (`TenantTable`:
student data, school-scoped, operator-edited, partner-readable or -writable); `walls` does it
in one operation, `account_table_sql` serves a table of one account's rows. A table left
unwalled fails tests/test_db_walls.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, migrations, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver

OWNER = "attendance_owner"
APP = "attendance_app"
STAFF = "attendance_staff"  # district-wide roles: district administrators, cabinet
SCHOOL = "attendance_school"  # principals and school teams, limited to their schools
PARTNER = "attendance_partner"
FACILITATOR = "attendance_facilitator"
SYSTEM = "attendance_system"  # tasks, imports and commands acting for one whole district
OPERATOR = "attendance_operator"  # the operators' admin site and district set-up, across districts
PERSONAS = (STAFF, SCHOOL, PARTNER, FACILITATOR, SYSTEM, OPERATOR)

_DISTRICT = "NULLIF(current_setting('app.district_id', true), '')::bigint"
_USER = "NULLIF(current_setting('app.user_id', true), '')::bigint"
_SCHOOLS = "string_to_array(NULLIF(current_setting('app.school_ids', true), ''), ',')::bigint[]"
_OWN_MEMBERSHIP_IDS = "SELECT id FROM districts_membership WHERE user_id = " + _USER  # noqa: S608
CRUD = "SELECT, INSERT, UPDATE, DELETE"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Partners(StrEnum):
    """What partner staff (community organisations) may do with a tenant table's rows."""

    NONE = ""
    READ = "read"  # the district's schools and people beside the registry
    WRITE = "write"  # the registry they keep themselves


@dataclass(frozen=True)
class TenantTable:
    """What a table with a district_id is, which decides its walls (`tenant_table_sql`)."""

    name: str
    # Students' records or what is computed from them: never granted to partner or
    # facilitator personas (tests/test_db_walls.py checks).
    student_data: bool = False
    # Rows of one school (a school_id column): a school role sees only its own schools'.
    school_scoped: bool = False
    # Configuration the operators' admin site edits across districts.
    operators_edit: bool = False
    partners: Partners = Partners.NONE

    def __post_init__(self) -> None:
        if self.student_data and self.partners != Partners.NONE:
            raise ValueError(f"{self.name} holds student data: no partner persona may reach it.")


def tenant_table_sql(table: TenantTable) -> list[str]:
    """Row-level security and grants for one table with a district_id. Idempotent: a policy
    is replaced, a grant given again changes nothing."""
    t = _q(table.name)
    sql = [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        *_policy(
            "district_isolation",
            t,
            f"USING (district_id = {_DISTRICT}) WITH CHECK (district_id = {_DISTRICT})",
        ),
    ]
    if table.school_scoped:
        # Restrictive: ANDed with every other policy, so no permissive policy can widen it.
        sql += _policy(
            "school_scope",
            t,
            f"AS RESTRICTIVE TO {SCHOOL}"
            f" USING (school_id = ANY ({_SCHOOLS})) WITH CHECK (school_id = ANY ({_SCHOOLS}))",
        )
    if table.operators_edit:
        sql += _policy("operator_access", t, f"TO {OPERATOR} USING (true) WITH CHECK (true)")
    writers = [STAFF, SCHOOL, SYSTEM]
    if table.partners == Partners.WRITE:
        writers.append(PARTNER)
    elif table.partners == Partners.READ:
        sql.append(f"GRANT SELECT ON {t} TO {PARTNER}")
    if table.operators_edit:
        writers.append(OPERATOR)
    sql.append(f"GRANT {CRUD} ON {t} TO {', '.join(writers)}")
    return sql


def _policy(name: str, table: str, rest: str) -> list[str]:
    return [f"DROP POLICY IF EXISTS {name} ON {table}", f"CREATE POLICY {name} ON {table} {rest}"]


def walls(*tenant_tables: TenantTable, reference_tables: Sequence[str] = ()) -> migrations.RunSQL:
    """An app's tables behind the walls, in one operation of the app's own migration:

        operations = [
            db_walls.walls(
                db_walls.TenantTable("pdsa_cycle", student_data=True, school_scoped=True),
                db_walls.TenantTable("pdsa_template", operators_edit=True),
                reference_tables=["pdsa_changeidea"],
            )
        ]

    Tenant tables are those with a district_id; reference tables are global, read by
    everyone and edited by operators (`reference_table_sql`). Safe to run over walls that
    already stand. Reversing it takes the walls down."""
    forward: list[str] = []
    backward: list[str] = []
    for table in tenant_tables:
        forward += tenant_table_sql(table)
        backward += drop_tenant_table_sql(table.name)
    for table in reference_tables:
        forward += reference_table_sql(table)
        backward.append(f"REVOKE ALL ON {_q(table)} FROM {APP}, {', '.join(PERSONAS)}")
    return migrations.RunSQL([*forward, *sequences_sql()], backward)


_DISTRICT_TABLE_POLICIES = ("everyone_reads", "own_district", "operator_access")


def district_table_sql() -> list[str]:
    """Row-level security for the districts themselves: every persona reads them all (names,
    slugs, settings are no student data), but a district's own administrators and its tasks
    change only the district of their context; operators set districts up and delete them."""
    own = f"id = {_DISTRICT}"
    everyone_reads, own_district, operator_access = _DISTRICT_TABLE_POLICIES
    return [
        "ALTER TABLE districts_district ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE districts_district FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {everyone_reads} ON districts_district FOR SELECT USING (true)",
        f"CREATE POLICY {own_district} ON districts_district FOR UPDATE TO {STAFF}, {SYSTEM}"
        f" USING ({own}) WITH CHECK ({own})",
        f"CREATE POLICY {operator_access} ON districts_district TO {OPERATOR}"
        " USING (true) WITH CHECK (true)",
    ]


def own_membership_sql() -> list[str]:
    """Before a district is chosen the app reads the signed-in user's own memberships (which
    districts they may enter), and nobody else's."""
    personas = ", ".join((APP, *PERSONAS))
    return [
        f"GRANT SELECT ON districts_membership, districts_membershipschool TO {APP}",
        f"CREATE POLICY own_memberships ON districts_membership FOR SELECT TO {personas}"
        f" USING (user_id = {_USER})",
        f"CREATE POLICY own_memberships ON districts_membershipschool FOR SELECT TO {personas}"
        f" USING (membership_id IN ({_OWN_MEMBERSHIP_IDS}))",
    ]


def token_lookup_sql(table: str) -> list[str]:
    """Before a request's district is known, the app's own login reads the one API token whose
    secret the request presents (its digest in `app.token_digest`), and no other."""
    t = _q(table)
    digest = "NULLIF(current_setting('app.token_digest', true), '')"
    return [
        f"GRANT SELECT ON {t} TO {APP}",
        f"DROP POLICY IF EXISTS token_by_secret ON {t}",
        f"CREATE POLICY token_by_secret ON {t} FOR SELECT TO {APP}"
        f" USING (secret_digest = {digest})",
    ]


_PRESENTED_MEMBERSHIP_IDS = (
    "SELECT membership_id FROM districts_apitoken"
    " WHERE secret_digest = NULLIF(current_setting('app.token_digest', true), '')"
)
# Each table, and its column holding a membership's id.
TOKEN_MEMBERSHIP_TABLES = {
    "districts_membership": "id",
    "districts_membershipschool": "membership_id",
}


def token_membership_sql() -> list[str]:
    """With the one API token a request presents (`token_lookup_sql`), the app's own login
    reads that token's membership and its schools, and no other: the token, the role it acts
    with and its schools in one statement, before the district is known. The token's row is
    read through its own wall, so an unknown secret reads nothing."""
    return [
        statement
        for table, column in TOKEN_MEMBERSHIP_TABLES.items()
        for statement in _policy(
            "token_membership",
            _q(table),
            f"FOR SELECT TO {APP} USING ({_q(column)} IN ({_PRESENTED_MEMBERSHIP_IDS}))",
        )
    ]


def drop_token_membership_sql() -> list[str]:
    return [
        f"DROP POLICY IF EXISTS token_membership ON {_q(table)}"
        for table in TOKEN_MEMBERSHIP_TABLES
    ]


def reference_table_sql(table: str, *, app_writes: str = "") -> list[str]:
    """Grants for a global table: every persona reads it, operators edit it in the admin."""
    t = _q(table)
    sql = [
        f"GRANT SELECT ON {t} TO {APP}, {', '.join(PERSONAS)}",
        f"GRANT {CRUD} ON {t} TO {OPERATOR}",
    ]
    if app_writes:
        sql.append(f"GRANT {app_writes} ON {t} TO {APP}, {', '.join(PERSONAS)}")
    return sql


def account_table_sql(table: str, *, through: tuple[str, str] | None = None) -> list[str]:
    """Row-level security and grants for a global table whose rows each belong to one account
    (two-factor devices and their codes). The app's own login role reaches the signed-in
    user's rows only (`tenancy.own_rows`); operators list and delete them (resetting someone's
    lost phone) but change none; no district persona touches them. `through` names the
    (column, table) to follow when the table has no user_id of its own."""
    t = _q(table)
    if through is None:
        mine = f"user_id = {_USER}"
    else:
        column, parent = through
        mine = f"{_q(column)} IN (SELECT id FROM {_q(parent)} WHERE user_id = {_USER})"  # noqa: S608
    return [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY own_account ON {t} TO {APP} USING ({mine}) WITH CHECK ({mine})",
        f"CREATE POLICY operator_access ON {t} TO {OPERATOR} USING (true)",
        f"GRANT {CRUD} ON {t} TO {APP}",
        f"GRANT SELECT, DELETE ON {t} TO {OPERATOR}",
    ]


def drop_account_table_sql(table: str) -> list[str]:
    t = _q(table)
    return [
        *_without_row_security(t, "own_account", "operator_access"),
        f"REVOKE ALL ON {t} FROM {APP}, {OPERATOR}",
    ]


def drop_district_table_sql() -> list[str]:
    return _without_row_security("districts_district", *_DISTRICT_TABLE_POLICIES)


def _without_row_security(table: str, *policies: str) -> list[str]:
    return [
        *(f"DROP POLICY IF EXISTS {policy} ON {table}" for policy in policies),
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]


def sequences_sql() -> list[str]:
    return [
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {', '.join(PERSONAS)}",
    ]


def analyze_function_sql(tables: Sequence[str]) -> list[str]:
    """`attendance_analyze(table)`: ANALYZE needs ownership, so the tasks that fill these
    tables call this instead, for these tables only.

    SKIP_LOCKED: ANALYZE in a transaction holds its lock on the table until the transaction
    ends, and two ANALYZEs of one table exclude each other, so every other district's import
    waited at this step for the first one's whole import to commit. One that finds the table
    being analyzed goes on without: the other's fresh page and row counts (written in place,
    seen at once) already describe the table's size to the planner.

    A partition of one of these tables is allowed too: an import analyses the school year's
    partition it wrote rather than every year's (tiering migration 0018)."""
    allowed = ", ".join(f"'{t}'" for t in tables)
    return [
        "CREATE OR REPLACE FUNCTION attendance_analyze(target text) RETURNS void"
        " LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$"
        f" BEGIN IF target NOT IN ({allowed}) AND NOT EXISTS (SELECT FROM pg_inherits i"
        "   JOIN pg_class part ON part.oid = i.inhrelid JOIN pg_class parent ON parent.oid ="
        "   i.inhparent WHERE part.relnamespace = 'public'::regnamespace"
        f"   AND part.relname = target AND parent.relname IN ({allowed})) THEN"
        "   RAISE EXCEPTION 'attendance_analyze: % is not on the allow-list', target;"
        " END IF; EXECUTE format('ANALYZE (SKIP_LOCKED) %I', target); END $$",
        "REVOKE ALL ON FUNCTION attendance_analyze(text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION attendance_analyze(text) TO {SYSTEM}, {STAFF}",
    ]


def school_set_function_sql(name: str, query: str, *, parameters: str = "") -> list[str]:
    """`name()`: the ids `query` selects, for a school role's walls to read once per statement
    (`id IN (SELECT name())`) rather than through other tables' walls. SECURITY DEFINER, so
    the tables it reads are under their district walls only (row security is forced on the
    owner too), never their school walls; `query` must narrow to the caller's own schools
    itself, with the variables `district` and `schools` (its tenant settings, read into
    variables first: written into the query, conditions calling current_setting would not be
    searched by index under row security, and the district would be scanned). STABLE: it
    reads. Only the school persona may execute it.

    With `parameters` ("cycle_ids bigint[]"), `query` reads them too: which of the rows a
    school role names answer a question its school walls would hide the answer to (pdsa
    0009), the ids returned being some of those it passed, never the hidden rows'."""
    signature = f"{name}({parameters})"
    return [
        f"CREATE OR REPLACE FUNCTION {signature} RETURNS SETOF bigint"
        " LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$"
        f" DECLARE district bigint := {_DISTRICT}; schools bigint[] := {_SCHOOLS};"
        f" BEGIN RETURN QUERY {query}; END $$",
        f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {signature} TO {SCHOOL}",
    ]


def drop_tenant_table_sql(table: str) -> list[str]:
    t = _q(table)
    return [
        *_without_row_security(
            t, "district_isolation", "school_scope", "operator_access", "own_memberships"
        ),
        f"REVOKE ALL ON {t} FROM {APP}, {', '.join(PERSONAS)}",
    ]


# --- Roles (cluster-wide) and per-database preparation; need a superuser or CREATEROLE.


def ensure_roles(cursor, *, app_password: str | None) -> None:
    # Processes starting together (runserver and its reloader) would race to create a role.
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext('attendance_platform.db_roles'))")

    def create(role: str, attributes: str) -> None:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        verb = "ALTER" if cursor.fetchone() else "CREATE"
        cursor.execute(f"{verb} ROLE {role} {attributes}")

    create(OWNER, "NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
    create(APP, "LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION")
    if app_password:
        cursor.execute(f"ALTER ROLE {APP} PASSWORD %s", [app_password])
    for persona in PERSONAS:
        create(persona, "NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
        cursor.execute(f"GRANT {persona} TO {APP}")
    # The login that runs migrations switches into the owner; a superuser may anyway.
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")
    if not cursor.fetchone()[0]:
        cursor.execute(f"GRANT {OWNER} TO session_user")


def prepare_database(cursor) -> None:
    """Give the owner the schema and whatever an earlier, pre-walls migrate created."""
    cursor.execute(f"ALTER SCHEMA public OWNER TO {OWNER}")
    cursor.execute(
        "SELECT c.relname, c.relkind FROM pg_class c"
        " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'S', 'v', 'p')"
        " AND pg_get_userbyid(c.relowner) <> %s"
        # Sequences owned by a column follow their table.
        " AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d"
        "  WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))",
        [OWNER],
    )
    for name, kind in cursor.fetchall():
        noun = {"S": "SEQUENCE", "v": "VIEW"}.get(kind, "TABLE")
        cursor.execute(f"ALTER {noun} {_q(name)} OWNER TO {OWNER}")
    cursor.execute(
        "SELECT p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace"
        " AND pg_get_userbyid(p.proowner) <> %s",
        [OWNER],
    )
    for (function,) in cursor.fetchall():
        cursor.execute(f"ALTER FUNCTION {function} OWNER TO {OWNER}")


def missing_roles(cursor) -> list[str]:
    roles = [OWNER, APP, *PERSONAS]
    cursor.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [roles])
    present = {row[0] for row in cursor.fetchall()}
    return [role for role in roles if role not in present]


class RolesMissing(RuntimeError):
    pass


# --- Which login a connection uses: the app's, or (db_roles, migrations, flush) the account
# DATABASE_URL names, which for migrations and flush switches into the owner role.

_admin_aliases: dict[str, bool] = {}  # alias -> switch into the owner role


def app_password() -> str:
    return settings.DATABASE_APP_LOGIN["PASSWORD"]


def _switch(alias: str, *, admin: bool, as_owner: bool = True) -> None:
    connection = connections[alias]
    connection.close()
    connection.settings_dict.update(
        settings.DATABASE_ADMIN_LOGIN if admin else settings.DATABASE_APP_LOGIN
    )
    if admin:
        _admin_aliases[alias] = as_owner
    else:
        _admin_aliases.pop(alias, None)


def use_owner(alias: str = DEFAULT_DB_ALIAS) -> None:
    _switch(alias, admin=True)


def use_app(alias: str = DEFAULT_DB_ALIAS) -> None:
    _switch(alias, admin=False)


@contextmanager
def owner_connection(alias: str = DEFAULT_DB_ALIAS, *, as_owner: bool = True):
    """The connection signed in with DATABASE_URL's account; as_owner=False keeps that
    account's own rights (creating roles)."""
    if alias in _admin_aliases:
        yield connections[alias]
        return
    _switch(alias, admin=True, as_owner=as_owner)
    try:
        yield connections[alias]
    finally:
        use_app(alias)


def is_owner_connection(alias: str) -> bool:
    return alias in _admin_aliases


@receiver(connection_created)
def _become_owner(sender, connection, **kwargs) -> None:
    if not _admin_aliases.get(connection.alias):
        return
    with connection.cursor() as cursor:
        if OWNER in missing_roles(cursor):
            raise RolesMissing(
                f"The database role {OWNER} does not exist: run `manage.py db_roles` (with "
                "DATABASE_URL naming an account that may create roles), then migrate again."
            )
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")
        if cursor.fetchone()[0]:
            # A database created since db_roles ran (a test database) gets its schema here.
            prepare_database(cursor)
        cursor.execute(f"SET ROLE {OWNER}")


# --- Per-transaction persona and settings.


@dataclass(frozen=True)
class DbState:
    role: str | None  # None: the bare login role
    district_id: int | None = None
    school_ids: frozenset[int] | None = None
    user_id: int | None = None
    # The workshops a facilitator facilitates (workshops/context.py), across districts.
    workshop_ids: frozenset[int] | None = None
    # The digest of the API token a request presents: the one token row the app may read
    # before it knows the district (districts/api_access.py).
    token_digest: str | None = None


_state: ContextVar[DbState | None] = ContextVar("db_walls_state", default=None)


def current_state() -> DbState | None:
    """The state the primary's open transaction is in (None outside any)."""
    return _state.get()


def apply(state: DbState | None, using: str = DEFAULT_DB_ALIAS) -> None:
    """Switch the open transaction to `state`; None returns to the bare login role."""
    state = state or DbState(role=None)
    schools = ",".join(str(s) for s in sorted(state.school_ids or ()))
    workshops = ",".join(str(w) for w in sorted(state.workshop_ids or ()))
    with connections[using].cursor() as cursor:
        # One round trip for both (psycopg2 sends them as one query): every transaction of
        # every request begins with it.
        cursor.execute(
            f"SET LOCAL ROLE {state.role or 'NONE'};"
            " SELECT set_config('app.district_id', %s, true),"
            " set_config('app.school_ids', %s, true), set_config('app.user_id', %s, true),"
            " set_config('app.workshop_ids', %s, true), set_config('app.token_digest', %s, true)",
            [
                "" if state.district_id is None else str(state.district_id),
                schools,
                "" if state.user_id is None else str(state.user_id),
                workshops,
                state.token_digest or "",
            ],
        )


@contextmanager
def transaction_as(state: DbState, using: str = DEFAULT_DB_ALIAS):
    """A transaction under `state` (a savepoint, inside one already open). A whole transaction
    takes its settings with it when it ends, so nothing is given back after it: two statements
    fewer, on every request's few transactions."""
    whole = not connections[using].in_atomic_block
    with transaction.atomic(using=using), entered(state, using, give_back=not whole):
        yield


@contextmanager
def entered(state: DbState, using: str = DEFAULT_DB_ALIAS, *, give_back: bool = True):
    """Inside an open transaction: apply `state`, and on the way out give back the enclosing
    one (a settled savepoint keeps SET LOCAL values until the whole transaction ends), unless
    the caller ends the transaction right after (`give_back=False`)."""
    if is_owner_connection(using):
        # Migrations run as the owner; their data steps need no persona.
        yield
        return
    outer = _state.get()
    token = _state.set(state)
    apply(state, using)
    try:
        yield
    except BaseException:
        # The enclosing atomic block rolls back to its savepoint, which restores the settings.
        _state.reset(token)
        raise
    _state.reset(token)
    if not give_back or connections[using].needs_rollback:
        # Marked for rollback (a page answering 5xx): the rollback restores the settings, and
        # any statement before it would fail.
        return
    apply(outer, using)
