"""The OpenAPI schema against the running application (issue 21): schemathesis generates
requests for every operation from the schema and sends them to a live server holding the
isolation matrix's two districts, once per persona's token. No answer may be a server error,
carry a status the schema does not list, or break the schema's response body.

Path parameters name the world's own objects (another id is a plain 404, which the matrix
covers); everything else — query strings, JSON bodies — is generated. Per-operation fuzzing
only: schemathesis' stateful mode is known for false positives."""

from __future__ import annotations

import importlib

import pytest
import requests
import schemathesis
from django.apps import apps as django_apps
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from districts.tenancy import operator_context
from selfassessment.models import TemplateVersion

from ..security.world import world  # noqa: F401 — the fixture
from .tokens import integration_token, personal_token

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Enough examples to try each operation's parameters and bodies, few enough that the six
# personas' runs take well under a minute of the suite.
EXAMPLES_PER_OPERATION = 5

PERSONAS = [
    "district_admin",
    "cabinet_member",
    "principal",
    "school_team_member",
    "pia",
    "integration",
]


@pytest.fixture
def reference_data(transactional_db, template):
    """A live server's test empties every table after it runs, the rows data migrations
    seeded included: put the self-assessment tool back as its migration writes it (the PDSA
    template's and the partner taxonomy's fixtures do their own)."""
    if not TemplateVersion.objects.exists():
        migration = importlib.import_module("selfassessment.migrations.0002_template_version_1")
        # Reference data is the operators' to write once migrations are done.
        with operator_context(reason="test fixture"):
            migration.seed_version_1(django_apps, None)


def test_every_operation_keeps_to_the_schema_for_every_persona(
    request,
    live_server,
    reference_data,
    world,  # noqa: F811
    district,
):
    """One world for the six runs: building it is most of the cost."""
    ids = world.ids["riverside"]
    path_parameters = {
        "district_slug": "riverside",
        "student_id": ids["student"],
        "entry_id": ids["entry"],
        "cycle_id": ids["cycle"],
        "assessment_id": ids["assessment"],
    }
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for persona in PERSONAS:
        if persona == "integration":
            secret = integration_token(request.getfixturevalue("district_admin"), district)
        else:
            secret = personal_token(request.getfixturevalue(persona), district)
        try:
            statuses = _fuzz(operations, live_server.url, secret, path_parameters)
        except Exception as error:
            error.add_note(f"As {persona}, with a token of theirs.")
            raise
        if persona == "integration":
            # An integration token imports: it reads no student, whatever it asks.
            reads = {label: codes for label, codes in statuses.items() if "student" in label}
            assert reads and all(codes == {403} for codes in reads.values()), reads
        else:
            # The run reached the operations, not only the walls.
            served = [label for label, codes in statuses.items() if codes & {200, 201}]
            assert len(served) >= 5, (persona, statuses)


def _fuzz(operations, base_url: str, secret: str, path_parameters: dict) -> dict[str, set[int]]:
    """Each operation's generated requests, checked; the statuses each operation answered."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {secret}"
    statuses: dict[str, set[int]] = {}
    for operation in operations:
        wanted = {k: v for k, v in path_parameters.items() if k in operation.path}

        @given(case=operation.as_strategy(path_parameters=wanted))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            # The same examples on every run: a failure in CI is one anyone can run again,
            # and a run's verdict does not depend on its luck.
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call_and_validate(base_url=base_url, session=session, checks=CHECKS)
            statuses.setdefault(case.operation.label, set()).add(response.status_code)

        check()
    return statuses
