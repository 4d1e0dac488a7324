"""Named personas shared by every test (design.md §2a): two districts, two schools in the
first, one person per role, and an outsider who belongs only to the other district."""

import hashlib
import os
import threading
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core.signals import request_finished
from django.db import connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from attendance_platform.celery import app as celery_app
from districts import db_walls
from districts.roles import Role
from districts.tenancy import operator_context

from .factories import (
    DistrictFactory,
    MembershipFactory,
    SchoolFactory,
    SchoolYearFactory,
    UserFactory,
)
from .redis_database import empty_claimed_database
from .replica import replica  # noqa: F401 — shared fixture
from .sis import export, generated, sis_district  # noqa: F401 — shared fixtures
from .tiered import tiered  # noqa: F401 — shared fixture
from .workers import broker  # noqa: F401 — shared fixture

# Property tests (the import's fuzzing above all) run a modest number of examples so that the
# suite stays fast; HYPOTHESIS_PROFILE=fuzz runs many more, for a long search. Files are read
# and imported for real, so no example has a deadline.
hypothesis_settings.register_profile(
    "default", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile(
    "fuzz", parent=hypothesis_settings.get_profile("default"), max_examples=2_000
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# The partner registry's organisations, entries and linked partner staff, for its page and
# browser tests alike; the 2x10 template; a persona of every role (tests/requesters.py).
pytest_plugins = ["tests.partners.fixtures", "tests.pdsa.fixtures", "tests.requesters"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings_tox_suffix():
    # Two checkouts testing against one server would both create and drop `test_<name>`: the
    # test database is named after this checkout too (pytest-xdist then adds `_gw0`, `_gw1`).
    database = settings.DATABASES["default"]
    checkout = hashlib.sha256(str(Path(__file__).resolve().parents[1]).encode()).hexdigest()
    database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_{checkout[:8]}"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # The test database is created, migrated and dropped by DATABASE_URL's account as the
    # owner role, like a deployment's migrations ...
    db_walls.use_owner()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    # ... and every test runs as the app's login role, which row-level security binds (the
    # owner and superusers would pass through it unseen).
    db_walls.use_app()
    yield
    db_walls.use_owner()


@pytest.fixture
def admin_user(db, django_user_model):
    # pytest-django's operator account (same address and password), created the way the
    # operators' commands create accounts.
    with operator_context(reason="test fixture"):
        return django_user_model.objects.create_superuser("admin@example.com", "password")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests that check the production hasher restore it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    # Most tests run tasks in-process (with django_capture_on_commit_callbacks); the ones that
    # prove the real thing use `celery_worker`, a worker thread on the real Redis broker.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def celery_worker(transactional_db):
    if not celery_app.conf.broker_url:
        pytest.fail("Celery integration tests need Redis: set REDIS_URL, or use ./run test.")
    celery_app.conf.task_always_eager = False
    empty_claimed_database()  # what earlier tests left belongs to other databases
    task_postrun.connect(_close_side_thread_connections, weak=False)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        task_postrun.disconnect(_close_side_thread_connections)


@pytest.fixture(scope="session", autouse=True)
def _live_server_threads_close_their_connections():
    request_finished.connect(_close_side_thread_connections, weak=False)
    yield
    request_finished.disconnect(_close_side_thread_connections)


def _close_side_thread_connections(**_) -> None:
    # After each task of the in-process worker's thread, and each request of the live server's
    # (the journeys', the API schema test's: a thread per client connection, waiting there for
    # the next request while Chromium or a requests session keeps it alive). Either thread
    # would keep its database connection (DATABASE_CONN_MAX_AGE) until it ended and the
    # garbage collector found it, and the test database could not be dropped at the end of the
    # run ("being accessed by other users": three sessions from the worker, six after the
    # schema test, with the collector off). The tests' own thread keeps its connection.
    if threading.current_thread() is not threading.main_thread():
        connections.close_all()


@pytest.fixture
def district(db):
    return DistrictFactory(name="Riverside Unified School District", slug="riverside")


@pytest.fixture
def other_district(db):
    return DistrictFactory(name="Lakeview School District", slug="lakeview")


@pytest.fixture
def school_year(district):
    return SchoolYearFactory(district=district)


@pytest.fixture
def school_a(district):
    return SchoolFactory(district=district, sis_code="101", name="Adams Elementary School")


@pytest.fixture
def school_b(district):
    return SchoolFactory(district=district, sis_code="102", name="Banneker Elementary School")


@pytest.fixture
def other_school(other_district):
    return SchoolFactory(district=other_district, sis_code="101", name="Lakeview Elementary")


def _member(district, role, *, email, name, schools=()):
    return MembershipFactory(
        district=district, role=role, schools=schools, user__email=email, user__full_name=name
    ).user


@pytest.fixture
def district_admin(district):
    return _member(district, Role.DISTRICT_ADMIN, email="alice@riverside.org", name="Alice Admin")


@pytest.fixture
def cabinet_member(district):
    return _member(district, Role.CABINET_MEMBER, email="carol@riverside.org", name="Carol Cabinet")


@pytest.fixture
def principal(district, school_a):
    return _member(
        district,
        Role.PRINCIPAL,
        email="pat@riverside.org",
        name="Pat Principal",
        schools=[school_a],
    )


@pytest.fixture
def other_school_principal(district, school_b):
    return _member(
        district, Role.PRINCIPAL, email="bob@riverside.org", name="Bob Banneker", schools=[school_b]
    )


@pytest.fixture
def school_team_member(district, school_a):
    return _member(
        district, Role.SCHOOL_TEAM, email="tess@riverside.org", name="Tess Team", schools=[school_a]
    )


@pytest.fixture
def partner_staff(district):
    return _member(district, Role.PARTNER_STAFF, email="pia@youthclub.org", name="Pia Partner")


@pytest.fixture
def facilitator(db):
    return UserFactory(
        email="fran@workshops.org", full_name="Fran Facilitator", is_facilitator=True
    )


@pytest.fixture
def felix(db):
    """A facilitator of another workshop: Fran's workshops are no business of his."""
    return UserFactory(email="felix@workshops.org", full_name="Felix Other", is_facilitator=True)


@pytest.fixture
def outsider(other_district, other_school):
    return _member(
        other_district, Role.DISTRICT_ADMIN, email="oscar@lakeview.org", name="Oscar Outsider"
    )
