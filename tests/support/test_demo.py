"""The demo school's support records (support/demo.py through seed_demo): about 40 Severe and
Extreme students with conversations, reasons and interventions, a few still waiting for a
first contact, a few check-ins overdue, referrals to the demo's partners; the same every run."""

from datetime import date

from districts.models import District
from districts.tenancy import system_context
from support.demo import RECORDED
from support.models import (
    AttendancePlan,
    CaringConversation,
    ConversationReason,
    ReferralTally,
    StudentIntervention,
)
from tests.test_seed_demo import AS_OF, _seed
from tiering.models import Snapshot, Standing


def _records():
    district = District.objects.get(slug="cedar-valley")
    with system_context(district, reason="test"):
        # The review point the support demo read: the demo's 2x10 attendance, imported after
        # it, takes a second one on the same date.
        snapshot = (
            Snapshot.objects.filter(as_of=AS_OF, rule_set__is_primary=True)
            .order_by("created_at")
            .first()
        )
        school = CaringConversation.objects.values_list("student__school", flat=True).first()
        chronic = set(
            Standing.objects.filter(
                snapshot=snapshot,
                school=school,
                student__school=school,
                band__in=["severe_chronic", "extreme_chronic"],
            ).values_list("student_id", flat=True)
        )
        return {
            "chronic": chronic,
            "contacted": set(CaringConversation.objects.values_list("student_id", flat=True)),
            "reasons": ConversationReason.objects.count(),
            "overdue": AttendancePlan.objects.filter(next_check_in__lt=AS_OF).count(),
            "interventions": sorted(
                StudentIntervention.objects.values_list(
                    "student__sis_id", "intervention__code", "tier", "partner_organization__name"
                )
            ),
            "tallies": sorted(
                ReferralTally.objects.values_list("organization__name", "month", "referrals")
            ),
        }


def test_the_demo_school_shows_a_realistic_mix_of_support(db, tmp_path):
    _seed(tmp_path)
    first = _records()
    assert len(first["contacted"]) == min(RECORDED, len(first["chronic"]))
    assert first["contacted"] <= first["chronic"]
    # Some Severe or Extreme students have had no Caring Conversation yet.
    assert first["chronic"] - first["contacted"]
    assert first["reasons"] >= len(first["contacted"])
    assert 1 <= first["overdue"] < len(first["contacted"]) // 2
    referred = [i for i in first["interventions"] if i[3]]
    assert referred and len(referred) < len(first["interventions"])
    assert sum(n for _, _, n in first["tallies"]) == len({i[0] for i in referred})
    assert all(month <= date(2026, 11, 1) for _, month, _ in first["tallies"])

    _seed(tmp_path)
    assert _records() == first
