"""A district's data, whole: exported into one zip, then deleted at contract end without
leaving a row that carries its id, and without touching any other district."""

import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from districts.lifecycle import tenant_models
from districts.models import District, User
from districts.tenancy import system_context
from tiering.models import AttendanceImport, Standing

from ..security.world import world  # noqa: F401 — both districts, one of every object


@pytest.fixture(autouse=True)
def _own_media_folder(settings, tmp_path):
    # Uploads of earlier test runs' districts with the same id would otherwise share it.
    settings.MEDIA_ROOT = tmp_path / "media"


def _rows_of(district) -> dict[str, int]:
    """Rows with the district's id in every tenant table, read in its context as the
    database walls require (the district row itself may already be gone)."""
    counts = {}
    district_id = district.pk
    with system_context(district, reason="test"), connection.cursor() as cursor:
        for model in tenant_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT count(*) FROM {table} WHERE district_id = %s", [district_id])  # noqa: S608
            counts[model._meta.label_lower] = cursor.fetchone()[0]
    return counts


def test_every_table_with_a_district_is_covered():
    labels = {model._meta.label_lower for model in tenant_models()}
    assert {"tiering.student", "tiering.attendanceday", "partners.partnerentry"} <= labels
    assert "districts.district" not in labels


def test_it_exports_every_row_the_district_holds(world, district, tmp_path):  # noqa: F811
    path = tmp_path / "riverside.zip"
    call_command("export_district", "riverside", output=str(path))
    expected = _rows_of(district)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for table, count in expected.items():
            lines = archive.read(f"tables/{table}.jsonl").decode().splitlines()
            assert len(lines) == count == manifest["rows"][table], table
        students = archive.read("tables/tiering.student.jsonl").decode()
        people = archive.read("tables/districts.user.jsonl").decode()
        uploads = [n for n in archive.namelist() if n.startswith("uploads/")]
    assert "Ames" in students and "Lakeview" not in students
    assert "alice@riverside.org" in people and "oscar@lakeview.org" not in people
    assert "argon2" not in people and "md5" not in people  # no password hashes
    assert expected["tiering.standing"] > 0 and expected["partners.partnerentry"] > 0
    with system_context(district, reason="test"):
        imported = AttendanceImport.unscoped.filter(district=district)
        assert len(uploads) == imported.exclude(status="duplicate").count()


def test_it_deletes_every_row_with_the_districts_id(
    world,  # noqa: F811
    district,
    other_district,
    facilitator,
    settings,
    django_capture_on_commit_callbacks,
):
    lakeview_before = _rows_of(other_district)
    riverside_before = _rows_of(district)
    uploads = settings.MEDIA_ROOT / "imports" / str(district.pk)
    assert any(uploads.iterdir())
    pk = district.pk

    with pytest.raises(CommandError, match="nothing was deleted"):
        call_command("delete_district", "riverside", confirm="lakeview")
    assert _rows_of(district) == riverside_before

    with django_capture_on_commit_callbacks(execute=True):
        call_command("delete_district", "riverside", confirm="riverside")

    assert set(_rows_of(district).values()) == {0}
    assert not District.objects.filter(pk=pk).exists()
    assert not uploads.exists()
    assert _rows_of(other_district) == lakeview_before
    with system_context(other_district, reason="test"):
        assert Standing.unscoped.filter(district=other_district).exists()
    assert not User.objects.filter(email="alice@riverside.org").exists()
    assert User.objects.filter(pk=facilitator.pk).exists()
    assert User.objects.filter(email="oscar@lakeview.org").exists()


def test_it_refuses_an_unknown_district(db, tmp_path):
    with pytest.raises(CommandError, match="No district with slug 'nowhere'"):
        call_command("export_district", "nowhere", output=str(tmp_path / "x.zip"))
