"""The database's walls behind the scoped querysets (districts/db_walls.py): each is tested on
its own, against the real PostgreSQL, as the app's login role."""

import importlib
from binascii import unhexlify
from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from districts import api_tokens, db_walls, two_factor
from districts.models import District, Membership, School
from districts.tenancy import (
    TenantContextMissing,
    context_for_membership,
    operator_context,
    own_rows,
    system_context,
    tenant_context,
    token_rows,
)
from support.models import CaringConversation
from tiering.models import Student

from .api.tokens import integration_token, personal_token
from .factories import StudentFactory
from .reading import reading
from .sis import import_file
from .support.factories import conversation
from .tiered import MOVE, ROSTER, write

# Students' records and what is computed from them (the tables each app's migration walls
# with student_data=True): no partner or facilitator persona may reach them.
STUDENT_TABLES = [
    "tiering_attendanceday",
    "tiering_attendanceimport",
    "tiering_attendancesummary",
    "tiering_bandtally",
    "tiering_snapshot",
    "tiering_standing",
    "tiering_student",
    "support_attendanceplan",
    "support_caringconversation",
    "support_conversationreason",
    "support_studentintervention",
    "support_supportchange",
    "pdsa_participant",
    "pdsa_participantsession",
    "pdsa_reasontally",
]
# Which schools a partner serves is read by every reader of the district (partners 0004).
UNSCOPED_SCHOOL_TABLES = {"partners_partnerentryschool"}


def _one(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _tenant_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
            " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')"
            # A partition has no walls of its own but none may read it (tiering migration
            # 0017; tests/tiering/test_partitions.py): its parent's are the walls.
            " AND NOT c.relispartition"
            " AND a.attname = 'district_id' AND NOT a.attisdropped ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def _as_member(user, district):
    with reading(district):
        membership = Membership.unscoped.get(user=user, district=district)
    return tenant_context(context_for_membership(membership))


@pytest.fixture
def students_in_both(tiered, other_district, other_school):
    StudentFactory(district=other_district, sis_id="L1", school=other_school)


# --- Privileges


def test_tests_run_as_the_app_role_which_cannot_get_past_row_security(db):
    user, session_user = _one("SELECT current_user, session_user")
    assert user == session_user == db_walls.APP
    flags = _one(
        "SELECT rolsuper, rolbypassrls, rolinherit, rolcreatedb, rolcreaterole FROM pg_roles"
        " WHERE rolname = current_user"
    )
    assert flags == (False, False, False, False, False)
    owned = _one(
        "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles"
        " WHERE rolname = current_user)"
    )
    assert owned == (0,)
    assert _one("SELECT row_security_active('tiering_student')") == (True,)


def test_the_owner_owns_every_table_and_no_persona_can_bypass_row_security(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            " AND relkind IN ('r', 'p', 'v', 'm') AND pg_get_userbyid(relowner) <> %s",
            [db_walls.OWNER],
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s) AND (rolsuper OR rolbypassrls)",
            [[db_walls.OWNER, *db_walls.PERSONAS]],
        )
        assert cursor.fetchall() == []


@pytest.mark.parametrize("table", STUDENT_TABLES)
def test_a_partner_reading_a_student_table_gets_permission_denied(table, district, partner_staff):
    with _as_member(partner_staff, district):
        assert _one("SELECT current_user") == (db_walls.PARTNER,)
        denied = pytest.raises(DatabaseError, match=f"permission denied for table {table}")
        with denied, transaction.atomic():
            _one(f"SELECT count(*) FROM {table}")  # noqa: S608 — a constant


@pytest.mark.parametrize("table", STUDENT_TABLES)
def test_the_facilitator_persona_has_no_privilege_on_student_tables(table, db):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {db_walls.FACILITATOR}")
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            assert _one("SELECT has_table_privilege(%s, %s)", [table, privilege]) == (False,)
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            _one(f"SELECT count(*) FROM {table}")  # noqa: S608 — a constant


def _walls_of(tables: list[str]) -> tuple[list, list]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, policyname, permissive, roles, cmd, qual, with_check"
            " FROM pg_policies WHERE tablename = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        policies = cursor.fetchall()
        cursor.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity, relacl::text FROM pg_class"
            " WHERE relname = ANY(%s) ORDER BY 1",
            [tables],
        )
        return policies, cursor.fetchall()


def test_an_apps_walls_applied_again_over_standing_ones_change_nothing(transactional_db):
    # Databases migrated before each app walled its own tables had them from districts 0003.
    walls = importlib.import_module("partners.migrations.0004_walls")
    tenant_tables = [table.name for table in walls.TABLES]
    tables = [*tenant_tables, "partners_absencereason", "partners_intervention"]
    operation = walls.Migration.operations[0]
    with db_walls.owner_connection(), transaction.atomic():
        before = _walls_of(tables)
        with connection.cursor() as cursor:
            for statement in operation.sql:
                cursor.execute(statement)
        after = _walls_of(tables)
        transaction.set_rollback(True)
    assert after == before
    assert len(before[0]) == len(tenant_tables)  # one district policy each


def test_a_table_of_student_data_cannot_be_opened_to_partners():
    with pytest.raises(ValueError, match="student data"):
        db_walls.TenantTable("pdsa_cycle", student_data=True, partners=db_walls.Partners.READ)


def test_imports_analyze_only_the_allowed_tables(district):
    with system_context(district, reason="test"):
        _one("SELECT attendance_analyze('tiering_student')")
        refused = pytest.raises(DatabaseError, match="not on the allow-list")
        with refused, transaction.atomic():
            _one("SELECT attendance_analyze('districts_user')")


# --- Rows


def test_every_table_with_a_district_id_has_forced_row_security_and_grants(db):
    tables = _tenant_tables()
    assert "tiering_student" in tables and len(tables) >= 25
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
            " EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public'"
            "  AND p.tablename = c.relname AND p.policyname = 'district_isolation'"
            "  AND p.qual LIKE '%%app.district_id%%' AND p.with_check LIKE '%%app.district_id%%'),"
            " has_table_privilege(%s, c.oid, 'SELECT')"
            " FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
            " AND c.relname = ANY(%s)",
            [db_walls.STAFF, tables],
        )
        unprotected = [row[0] for row in cursor.fetchall() if row[1:] != (True, True, True, True)]
    assert unprotected == [], (
        "These tables have a district_id but no forced row-level security, district policy or "
        "persona grants: add a migration calling districts.db_walls.walls for them."
    )


def test_every_table_is_granted_to_some_role_of_the_app(db):
    roles = [db_walls.APP, *db_walls.PERSONAS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
            " AND c.relkind IN ('r', 'p') AND NOT EXISTS (SELECT 1 FROM unnest(%s::text[]) r"
            " WHERE has_table_privilege(r, c.oid, 'SELECT'))",
            [roles],
        )
        assert cursor.fetchall() == []


def test_every_table_of_a_students_rows_is_tested_as_student_data(db):
    """A new app's table that holds a student_id is student data: it joins STUDENT_TABLES, so
    the partner and facilitator tests above cover it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
            " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')"
            " AND a.attname = 'student_id' AND NOT a.attisdropped ORDER BY 1"
        )
        with_students = {row[0] for row in cursor.fetchall()}
    assert with_students <= set(STUDENT_TABLES)


def test_school_tables_are_narrowed_to_a_school_roles_schools(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_policies WHERE policyname = 'school_scope'"
            " AND permissive = 'RESTRICTIVE' AND roles = %s::name[]",
            [[db_walls.SCHOOL]],
        )
        scoped = {row[0] for row in cursor.fetchall()}
    # A table of a school's rows, or of a student's (support records follow the student,
    # whatever school wrote them), is narrowed for school roles.
    for table in _tenant_tables():
        narrowable = _one(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = %s::regclass"
            " AND attname IN ('school_id', 'student_id') AND NOT attisdropped",
            [table],
        ) != (0,)
        expected = narrowable and table not in UNSCOPED_SCHOOL_TABLES
        assert (table in scoped) == expected, table


def test_no_context_means_no_rows_in_the_database_and_an_error_in_the_app(students_in_both):
    with pytest.raises(TenantContextMissing):
        list(Student.objects.all())
    # The bare login role holds no privilege on tenant tables but its own memberships ...
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        _one("SELECT count(*) FROM tiering_student")
    assert _one("SELECT count(*) FROM districts_membership") == (0,)
    # ... and a persona without a district setting reads no row of any of them.
    for persona in (db_walls.STAFF, db_walls.SYSTEM, db_walls.SCHOOL):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL ROLE {persona}")
            for table in _tenant_tables():
                assert _one(f"SELECT count(*) FROM {table}")  # noqa: S608 — a constant == (0,), (persona, table)  # noqa: S608
    with reading("riverside"):
        assert Student.unscoped.count() == 10


def test_an_unscoped_queryset_sees_only_the_contexts_district(students_in_both, district):
    with system_context(district, reason="test"):
        assert Student.unscoped.count() == 10
        assert not Student.unscoped.filter(sis_id="L1").exists()


def test_an_unscoped_queryset_planted_in_a_view_cannot_read_another_district(
    client, district_admin, students_in_both, settings
):
    settings.ROOT_URLCONF = "tests.planted_urls"
    client.force_login(district_admin)
    sis_ids = client.get("/d/riverside/planted/students/").json()["sis_ids"]
    assert sis_ids == sorted(f"S{n}" for n in range(1, 11))


def test_a_principal_sees_only_students_of_their_schools(students_in_both, principal, district):
    with _as_member(principal, district):
        assert _one("SELECT current_user") == (db_walls.SCHOOL,)
        ids = set(Student.unscoped.values_list("sis_id", flat=True))
    assert ids == {f"S{n}" for n in range(1, 9)}  # S9 and S10 are at Banneker


def test_a_write_into_another_district_is_rejected(district, other_district, other_school):
    with system_context(district, reason="test"):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            School.unscoped.create(
                district=other_district, sis_code="999", name="Planted", low_grade=0, high_grade=5
            )
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Student.unscoped.create(district=other_district, sis_id="X", school=other_school)
    with reading(other_district):
        assert not School.unscoped.filter(sis_code="999").exists()


def test_a_principal_cannot_write_a_student_into_another_school(tiered, principal, district):
    banneker = tiered_school(district, "102")
    rejected = pytest.raises(DatabaseError, match="row-level security")
    with _as_member(principal, district), rejected, transaction.atomic():
        Student.unscoped.create(district=district, sis_id="X", school=banneker)


def test_a_principal_reads_a_student_who_left_their_school_but_cannot_write_them(
    tiered, principal, district, tmp_path
):
    # Gus Gray (S7) moves from Adams to Banneker: Adams' standings still name him.
    record = import_file(district, write(tmp_path, "move.csv", MOVE))
    assert record.status == "succeeded", record.errors
    with _as_member(principal, district):
        seen = set(Student.unscoped.values_list("sis_id", flat=True))
        gray = Student.unscoped.get(sis_id="S7")
        rejected = pytest.raises(DatabaseError, match="row-level security")
        with rejected, transaction.atomic():
            Student.unscoped.filter(pk=gray.pk).update(first_name="Changed")
    # S9 and S10 were never at Adams.
    assert seen == {f"S{n}" for n in range(1, 9)}
    assert gray.school_id == tiered_school(district, "102").pk


# --- A school role's walls read their sets once per statement (tiering 0013, support 0003)

SET_FUNCTIONS = ("attendance_own_school_students", "attendance_students_named_by_own_standings")


def _sis_ids(district, function):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {function}()")  # noqa: S608 — a constant
        ids = [row[0] for row in cursor.fetchall()]
    with reading(district):
        return set(Student.unscoped.filter(pk__in=ids).values_list("sis_id", flat=True))


def test_the_walls_sets_are_a_school_roles_own_schools_students_and_no_other(
    tiered, principal, district, other_district, other_school, tmp_path
):
    record = import_file(district, write(tmp_path, "move.csv", MOVE))  # S7 to Banneker
    assert record.status == "succeeded", record.errors
    StudentFactory(district=other_district, sis_id="S1", school=other_school)
    with _as_member(principal, district):
        now_at_adams = _sis_ids(district, "attendance_own_school_students")
        named_at_adams = _sis_ids(district, "attendance_students_named_by_own_standings")
    assert now_at_adams == {f"S{n}" for n in range(1, 9)} - {"S7"}
    assert named_at_adams == {f"S{n}" for n in range(1, 9)}
    # Settings naming Adams in another district's context (a forged one) find nothing: the
    # functions' reads are under the district walls, forced on their owner too.
    adams = tiered_school(district, "101")
    forged = db_walls.DbState(
        role=db_walls.SCHOOL, district_id=other_district.pk, school_ids=frozenset({adams.pk})
    )
    with transaction.atomic(), db_walls.entered(forged):
        for function in SET_FUNCTIONS:
            assert _one(f"SELECT count(*) FROM {function}()") == (0,), function  # noqa: S608


@pytest.mark.parametrize("persona", [db_walls.STAFF, db_walls.SYSTEM, db_walls.PARTNER, None])
def test_only_the_school_persona_may_call_the_walls_set_functions(persona, tiered, district):
    state = db_walls.DbState(role=persona, district_id=district.pk)
    for function in SET_FUNCTIONS:
        denied = pytest.raises(DatabaseError, match=f"permission denied for function {function}")
        with denied, transaction.atomic(), db_walls.entered(state):
            _one(f"SELECT count(*) FROM {function}()")  # noqa: S608 — a constant


def test_a_principal_reads_support_records_of_their_schools_students_now_and_no_other(
    tiered, principal, district_admin, district, outsider, other_district, other_school, tmp_path
):
    for sis_id in ("S4", "S5", "S9"):  # S9 is at Banneker
        conversation(student_of(district, sis_id), staff=district_admin, held_on=date(2026, 11, 2))
    elsewhere = StudentFactory(district=other_district, sis_id="S4", school=other_school)
    conversation(elsewhere, staff=outsider, held_on=date(2026, 11, 2))

    def read_by_principal():
        with _as_member(principal, district):
            return set(CaringConversation.unscoped.values_list("student__sis_id", flat=True))

    assert read_by_principal() == {"S4", "S5"}
    # S4 moves to Banneker: the records go with them, out of Adams' reach.
    moved = ROSTER.replace("S4,Di,Dunn,3,101,", "S4,Di,Dunn,3,102,")
    assert import_file(district, write(tmp_path, "moved.csv", moved)).status == "succeeded"
    assert read_by_principal() == {"S5"}
    with _as_member(principal, district):
        rejected = pytest.raises(DatabaseError, match="row-level security")
        with rejected, transaction.atomic():
            CaringConversation.unscoped.create(
                district=district,
                student=student_of(district, "S9"),
                held_on=date(2026, 11, 3),
                with_whom="family",
                staff=principal,
                recorded_by=principal,
            )


def student_of(district, sis_id):
    with reading(district):
        return Student.unscoped.get(sis_id=sis_id)


def tiered_school(district, sis_code):
    with reading(district):
        return School.unscoped.get(sis_code=sis_code)


def test_operators_reach_configuration_across_districts_but_no_student(students_in_both):
    with operator_context(reason="test"):
        assert School.unscoped.count() == 3
        denied = pytest.raises(DatabaseError, match="permission denied for table tiering_student")
        with denied, transaction.atomic():
            Student.unscoped.count()


@pytest.mark.parametrize("persona", ["district_admin", "system"])
def test_a_district_changes_only_its_own_district_row(
    persona, district, other_district, district_admin
):
    context = (
        _as_member(district_admin, district)
        if persona == "district_admin"
        else system_context(district, reason="test")
    )
    with context:
        assert District.objects.count() == 2  # names and settings are readable by everyone
        assert District.objects.filter(pk=other_district.pk).update(name="Taken") == 0
        assert District.objects.filter(pk=district.pk).update(name="Renamed") == 1
    with operator_context(reason="test"):
        names = dict(District.objects.values_list("slug", "name"))
        assert District.objects.filter(pk=other_district.pk).update(name="By an operator") == 1
    assert names == {"riverside": "Renamed", "lakeview": "Lakeview School District"}


TWO_FACTOR_TABLES = ("otp_totp_totpdevice", "otp_static_staticdevice", "otp_static_statictoken")


def test_two_factor_secrets_are_reachable_only_by_their_own_user(
    district, district_admin, principal
):
    for user in (district_admin, principal):
        secret = two_factor.new_secret()
        two_factor.two_factor_enable(
            user=user, secret=secret, code=f"{TOTP(unhexlify(secret)).token():06d}"
        )
    with own_rows(principal):
        assert _one("SELECT array_agg(DISTINCT user_id) FROM otp_totp_totpdevice") == (
            [principal.pk],
        )
        assert _one("SELECT count(*) FROM otp_static_statictoken") == (10,)
        planted = pytest.raises(DatabaseError, match="row-level security")
        with planted, transaction.atomic():
            TOTPDevice.objects.create(user=district_admin, name="Planted")
    # No signed-in user, no rows; and no district persona may touch them at all.
    for table in TWO_FACTOR_TABLES:
        assert _one(f"SELECT count(*) FROM {table}") == (0,)  # noqa: S608 — a constant
    with _as_member(district_admin, district):
        for table in TWO_FACTOR_TABLES:
            denied = pytest.raises(DatabaseError, match=f"permission denied for table {table}")
            with denied, transaction.atomic():
                _one(f"SELECT count(*) FROM {table}")  # noqa: S608 — a constant
    # Operators list and delete them (a lost phone), and change none.
    with operator_context(reason="test"):
        assert _one("SELECT count(*) FROM otp_totp_totpdevice") == (2,)
        denied = pytest.raises(DatabaseError, match="permission denied")
        with denied, transaction.atomic():
            _one("UPDATE otp_totp_totpdevice SET key = 'ab'")


# --- Settings belong to the transaction


def _settings():
    return _one(
        "SELECT current_user, current_setting('app.district_id', true),"
        " current_setting('app.school_ids', true), current_setting('app.user_id', true)"
    )


BARE = (db_walls.APP, "", "", "")


def test_a_presented_token_reads_its_own_membership_and_schools_and_no_other(
    district, principal, other_school_principal, district_admin, school_a
):
    """Before the district is known, the app's login reads with a token's digest that token's
    membership and its schools (api_access reads them with the token), and nobody else's."""
    secret = personal_token(principal, district)
    personal_token(other_school_principal, district)
    with own_rows(principal):
        [membership] = Membership.unscoped.filter(user=principal).values_list("pk", flat=True)
    membership_sql = "SELECT array_agg(id) FROM districts_membership"
    schools_sql = (
        "SELECT array_agg(membership_id), array_agg(school_id) FROM districts_membershipschool"
    )
    with token_rows(api_tokens.digest(secret)):
        assert _one(membership_sql) == ([membership],)
        assert _one(schools_sql) == ([membership], [school_a.pk])
    for digest in (
        api_tokens.digest("apt_not-a-token"),
        api_tokens.digest(integration_token(district_admin, district)),
    ):
        with token_rows(digest):
            assert _one(membership_sql) == (None,)
            assert _one(schools_sql) == (None, None)


def test_leaving_a_context_gives_back_the_enclosing_one(district, other_district, principal):
    with _as_member(principal, district):
        inner = _settings()
        with system_context(other_district, reason="nested"):
            assert _settings() == (db_walls.SYSTEM, str(other_district.pk), "", "")
        assert _settings() == inner
        with pytest.raises(RuntimeError), system_context(other_district, reason="failing"):
            raise RuntimeError
        assert _settings() == inner
    assert _settings() in (BARE, (db_walls.APP, None, None, None))


@pytest.mark.django_db(transaction=True)
def test_a_reused_connection_carries_no_tenant_setting_after_a_request(
    district_admin, students_in_both, settings, caplog
):
    settings.ROOT_URLCONF = "tests.planted_urls"
    connection.close()
    kept = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 600  # pooled: the connection outlives requests
    try:
        client = Client(raise_request_exception=False)
        client.force_login(district_admin)
        pid = _one("SELECT pg_backend_pid()")
        assert client.get("/d/riverside/planted/students/").status_code == 200
        assert _one("SELECT pg_backend_pid()") == pid
        assert _settings() in (BARE, (db_walls.APP, None, None, None))
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            _one("SELECT count(*) FROM tiering_student")

        assert client.get("/d/riverside/planted/failure/").status_code == 500
        # The view's own error is what the log says, not a second one from leaving the
        # tenant context inside a transaction already marked for rollback.
        assert "a view that fails inside the tenant context" in caplog.text
        assert "TransactionManagementError" not in caplog.text
        assert _one("SELECT pg_backend_pid()") == pid
        assert _settings() in (BARE, (db_walls.APP, None, None, None))
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            _one("SELECT count(*) FROM tiering_student")
    finally:
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = kept


@pytest.mark.django_db(transaction=True)
def test_two_districts_requests_on_one_persistent_connection_see_only_their_own(
    district_admin, outsider, students_in_both, settings
):
    """DATABASE_CONN_MAX_AGE keeps a connection for request after request, whoever makes them:
    safe because every tenant setting and persona is local to the request's transaction."""
    settings.ROOT_URLCONF = "tests.planted_urls"
    connection.close()
    kept = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 600
    try:
        riverside, lakeview = Client(), Client()
        riverside.force_login(district_admin)
        lakeview.force_login(outsider)
        pid = _one("SELECT pg_backend_pid()")
        first = riverside.get("/d/riverside/planted/students/").json()["sis_ids"]
        assert first and "L1" not in first
        assert _one("SELECT pg_backend_pid()") == pid
        # An unscoped read by the next request, another district's, on the same connection.
        assert lakeview.get("/d/lakeview/planted/students/").json() == {"sis_ids": ["L1"]}
        assert lakeview.get("/d/riverside/planted/students/").status_code == 404
        assert _one("SELECT pg_backend_pid()") == pid
        assert _settings() in (BARE, (db_walls.APP, None, None, None))
    finally:
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = kept
