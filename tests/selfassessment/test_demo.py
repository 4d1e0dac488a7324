from datetime import date

from districts.tenancy import system_context
from selfassessment import selectors
from selfassessment.demo import DEMO_TITLE, seed_demo_assessments
from selfassessment.models import Assessment, AssessmentStatus, ItemResponse, MemberRating


def _state(district):
    with system_context(district, reason="test"):
        return (
            sorted(Assessment.objects.values_list("school_year", "status", "title")),
            ItemResponse.objects.exclude(consensus="").count(),
            MemberRating.objects.count(),
        )


def test_the_demo_has_last_years_finalised_assessment_and_this_years_in_progress(
    district, cabinet_member, district_admin, client
):
    with system_context(district, reason="test"):
        seed_demo_assessments(district=district, school_year="2026–27")
        previous = Assessment.objects.get(school_year="2025–26", title=DEMO_TITLE)
        current = Assessment.objects.get(school_year="2026–27", title=DEMO_TITLE)
        assert previous.status == AssessmentStatus.FINALISED
        assert current.status == AssessmentStatus.IN_PROGRESS
        assert current.started_from == previous
        # The plan carried into 2026–27 aims at dates in 2026–27, not last year's.
        carried_dates = set(
            ItemResponse.objects.filter(assessment=current, target_date__isnull=False).values_list(
                "target_date", flat=True
            )
        )
        assert carried_dates == {date(2027, 3, 31)}
        comparison = selectors.comparison_with(assessment=current, previous=previous)
        assert comparison.moved_up
        assert selectors.assessment_progress(assessment=current).rated == 18
    client.force_login(cabinet_member)
    page = client.get(f"/d/riverside/self-assessment/{current.pk}/results/").content.decode()
    assert "What moved up" in page and "Against" in page


def test_seeding_the_demo_again_changes_nothing(district, cabinet_member, district_admin):
    with system_context(district, reason="test"):
        seed_demo_assessments(district=district, school_year="2026–27")
    first = _state(district)
    with system_context(district, reason="test"):
        seed_demo_assessments(district=district, school_year="2026–27")
    assert _state(district) == first


def test_seeding_again_moves_a_demo_plans_dates_carried_before_they_moved(
    district, cabinet_member, district_admin
):
    with system_context(district, reason="test"):
        seed_demo_assessments(district=district, school_year="2026–27")
        current = Assessment.objects.get(school_year="2026–27", title=DEMO_TITLE)
        # As the demo was seeded when a carried plan kept last year's dates.
        ItemResponse.objects.filter(assessment=current, target_date__isnull=False).update(
            target_date=date(2026, 3, 31)
        )
        seed_demo_assessments(district=district, school_year="2026–27")
        dates = set(
            ItemResponse.objects.filter(assessment=current, target_date__isnull=False).values_list(
                "target_date", flat=True
            )
        )
    assert dates == {date(2027, 3, 31)}
