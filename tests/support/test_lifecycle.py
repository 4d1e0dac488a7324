"""A district's support records leave with its export and go with its deletion
(districts/lifecycle.py finds every table with a district, the support tables among them)."""

import json
import zipfile

from django.core.management import call_command

from districts.tenancy import system_context
from support.models import CaringConversation, ReferralTally, SupportChange

from ..security.world import world  # noqa: F401 — both districts, one of every object

SUPPORT_TABLES = (
    "support.caringconversation",
    "support.conversationreason",
    "support.attendanceplan",
    "support.studentintervention",
    "support.supportchange",
    "support.referraltally",
)


def test_the_export_holds_the_districts_support_records(world, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "riverside.zip"
    call_command("export_district", "riverside", output=str(path))
    with zipfile.ZipFile(path) as archive:
        rows = json.loads(archive.read("manifest.json"))["rows"]
        conversations = archive.read("tables/support.caringconversation.jsonl").decode()
        history = archive.read("tables/support.supportchange.jsonl").decode()
    assert all(rows[table] >= 1 for table in SUPPORT_TABLES), rows
    # Riverside's records only: Lakeview's conversation was recorded by Oscar.
    assert conversations.count("\n") == rows["support.caringconversation"] == 1
    assert '"action": "created"' in history


def test_deleting_the_district_deletes_its_support_records_only(
    world,  # noqa: F811
    district,
    other_district,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("delete_district", "riverside", confirm="riverside")
    with system_context(other_district, reason="test"):
        assert CaringConversation.unscoped.filter(district=other_district).count() == 1
        assert ReferralTally.unscoped.filter(district=other_district).count() == 1
    # The district's own context, after its deletion, finds nothing of it.
    district_id = district.pk
    with system_context(district, reason="test"):
        assert not SupportChange.unscoped.filter(district_id=district_id).exists()
        assert not CaringConversation.unscoped.filter(district_id=district_id).exists()
