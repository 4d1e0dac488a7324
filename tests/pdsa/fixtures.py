"""The 2x10 template as a fixture for every test, the browser journeys' included (registered in
tests/conftest.py)."""

import importlib

import pytest
from django.apps import apps

from districts.tenancy import operator_context
from pdsa.models import CycleTemplate

TEMPLATE_CODE = "2x10-relationship-strategy"


@pytest.fixture
def template(db):
    """The source's 2x10 example, as pdsa/migrations/0003_template_2x10.py seeds it. Browser
    tests run on a live server whose teardown empties every table, migration-seeded rows
    included: seed it again."""
    if not CycleTemplate.objects.filter(code=TEMPLATE_CODE).exists():
        # Reference data is the operators' to write once migrations are done.
        with operator_context(reason="test fixture"):
            importlib.import_module("pdsa.migrations.0003_template_2x10").seed(apps, None)
    return CycleTemplate.objects.get(code=TEMPLATE_CODE)
