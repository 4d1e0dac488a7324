"""Apps above tiering learn when a district's bands change: after an import's digest step and
after a recompute, and not when an import fails."""

from datetime import date

import pytest

from districts.change_hooks import DistrictChangeHooks
from districts.tenancy import system_context
from tiering import bands_changed, recompute, tasks

from ..sis import import_file
from ..tiered import CURRENT, HEADER, ROSTER, write


@pytest.fixture
def heard(monkeypatch):
    """A hook registered for this test only (the apps' own hooks set aside)."""
    calls = []
    monkeypatch.setattr(bands_changed, "hooks", DistrictChangeHooks())
    bands_changed.hooks.register(lambda *, district_id: calls.append(district_id))
    return calls


def test_an_import_and_a_recompute_tell_the_hooks(
    district, school_year, school_a, school_b, tmp_path, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_file(district, write(tmp_path, "roster.csv", ROSTER), as_of=date(2026, 11, 20))
        import_file(district, write(tmp_path, "now.csv", CURRENT), as_of=date(2026, 11, 20))
    # The roster and the summary each took a snapshot and ran their digest step.
    assert heard == [district.pk, district.pk]
    with system_context(district, reason="test"):
        run = recompute.run_request(district=district, requested_by=None)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.recompute_run_queue(run=run)
    assert heard == [district.pk] * 3


def test_a_failed_import_tells_no_hook(
    district, school_year, school_a, tmp_path, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        # A school the district does not have: the import changes nothing.
        bad = write(tmp_path, "bad.csv", HEADER + "S1,999,3,40,1\n")
        record = import_file(district, bad, as_of=date(2026, 11, 20))
    assert record.status == "failed", record.errors
    assert heard == []
