import pytest

from districts.tenancy import system_context
from selfassessment import services
from selfassessment.models import Assessment, ItemResponse, Rating


@pytest.fixture
def assessment(district, cabinet_member) -> Assessment:
    with system_context(district, reason="test fixture"):
        return services.assessment_create(
            district=district,
            created_by=cabinet_member,
            school_year="2026-27",
            title="Cabinet self-assessment",
        )


def agree_on(assessment: Assessment, ratings: dict[str, Rating], *, editor) -> None:
    """Records the team's consensus rating of the items named by key ("capacity-building-1")."""
    with system_context(assessment.district, reason="test"):
        for response in ItemResponse.objects.filter(assessment=assessment).select_related("item"):
            if response.item.key in ratings:
                services.field_save(
                    record=response,
                    field="consensus",
                    value=ratings[response.item.key],
                    base_revision=response.revision_of("consensus"),
                    editor=editor,
                )
