"""A district set up like the synthetic generator's, and a way to import its files: fixtures
shared by the tiering tests and the browser journeys (registered in tests/conftest.py)."""

from datetime import date
from pathlib import Path

import pytest

from districts.models import Grade, SchoolYear
from districts.services import school_create, school_year_create
from districts.tenancy import system_context
from tiering import synthetic, tasks
from tiering.models import AttendanceImport

FIRST_DAY = date(2025, 8, 18)
# The generated files cover the whole year; a summary's totals run to its last day.
LAST_DAY = synthetic.school_calendar(first_day=FIRST_DAY).last_day


@pytest.fixture(scope="session")
def generated():
    # 1,500 students: enough schools of one level that some students transfer.
    return synthetic.generate_district(seed=11, students=1500, first_day=FIRST_DAY)


@pytest.fixture(scope="session")
def export(generated, tmp_path_factory) -> synthetic.ExportFiles:
    return synthetic.write_export(generated, tmp_path_factory.mktemp("sis-export"))


@pytest.fixture
def sis_district(district, generated) -> SchoolYear:
    """The `district` persona with the generator's schools and school year."""
    with system_context(district, reason="test fixture"):
        for spec in generated.schools:
            school_create(
                district=district,
                sis_code=spec.sis_code,
                name=spec.name,
                low_grade=Grade.from_label(spec.low_grade),
                high_grade=Grade.from_label(spec.high_grade),
            )
        return school_year_create(
            district=district,
            label="2025–26",
            first_day=generated.calendar.first_day,
            last_day=generated.calendar.last_day,
            instructional_days=len(generated.calendar.instructional_days),
        )


def import_file(district, path: Path, **options) -> AttendanceImport:
    """Imports through the same service path as the command, and returns the finished record."""
    options.setdefault("as_of", LAST_DAY)
    return tasks.attendance_import_now(district=district, path=path, reason="test", **options)
