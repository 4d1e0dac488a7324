"""The cohort for the districts' teams, where the districts agreed (ConsentItem.COHORT): each
team reads the districts that show theirs, side by side, under the names they chose and
suppressed; a district that shows nothing reads nothing, in the database too; withdrawing takes
a district out of every team's cohort at once."""

from django.db import connection
from django.urls import reverse

from districts.tenancy import system_context
from tests.pdsa.conftest import as_member
from workshops import selectors, services
from workshops.models import CohortTable, ConsentItem

from .conftest import accept

RIVERSIDE_SHOWS = [ConsentItem.BANDS, ConsentItem.BREAKDOWNS, ConsentItem.COHORT]
LAKEVIEW_SHOWS = [ConsentItem.BANDS, ConsentItem.COHORT, ConsentItem.NAME]


def _page(client, user, district, invitation) -> str:
    client.force_login(user)
    url = reverse(
        "district_workshops:cohort",
        kwargs={"district_slug": district.slug, "invitation_id": invitation.pk},
    )
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _rows_read_by(user, district_slug) -> int:
    """The cohort rows the database lets the user's persona read, the app's filters aside."""
    with as_member(user, district_slug), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM workshops_cohorttable")
        return cursor.fetchone()[0]


def test_each_team_reads_the_districts_that_show_theirs_under_the_chosen_names(
    client,
    tiered,
    riverside_invitation,
    lakeview_invitation,
    district,
    other_district,
    district_admin,
    outsider,
):
    accept(riverside_invitation, district, district_admin, RIVERSIDE_SHOWS)
    accept(lakeview_invitation, other_district, outsider, LAKEVIEW_SHOWS)

    lakeview_page = _page(client, outsider, other_district, lakeview_invitation)
    # Riverside is not named: its alias, its schools numbered, its small counts suppressed.
    assert "District A" in lakeview_page and "School 1" in lakeview_page
    assert "Riverside" not in lakeview_page and "Adams" not in lakeview_page
    assert "&lt; 10" in lakeview_page
    assert lakeview_page.index("band-chart") < lakeview_page.index("<table")

    # Riverside's team reads its own district as the others do (Lakeview has no figures yet).
    riverside_page = _page(client, district_admin, district, riverside_invitation)
    assert "District A" in riverside_page and "School 2" in riverside_page
    # What each row holds is the anonymised copy, not the district's own packet.
    with system_context(district, reason="test"):
        schools = CohortTable.objects.get(invitation=riverside_invitation, key="schools")
    assert {row["label"] for row in schools.figures["rows"]} == {"School 1", "School 2"}


def test_withdrawing_takes_the_district_out_of_every_teams_cohort_at_once(
    tiered,
    riverside_invitation,
    lakeview_invitation,
    district,
    other_district,
    district_admin,
    outsider,
):
    accept(riverside_invitation, district, district_admin, RIVERSIDE_SHOWS)
    accept(lakeview_invitation, other_district, outsider, LAKEVIEW_SHOWS)
    with as_member(outsider, "lakeview"):
        (group,) = selectors.team_cohort(invitation=lakeview_invitation)
        assert [d.label for d in group.districts] == ["District A"]
    assert _rows_read_by(outsider, "lakeview") > 1
    with system_context(district, reason="test"):
        services.consent_set(
            invitation=riverside_invitation,
            items=[ConsentItem.BANDS, ConsentItem.BREAKDOWNS],
            by=district_admin,
        )
    # No task has run: the withdrawal itself took Riverside's rows out.
    with as_member(outsider, "lakeview"):
        assert selectors.team_cohort(invitation=lakeview_invitation) == []
    assert _rows_read_by(outsider, "lakeview") == 0


def test_a_district_that_shows_nothing_reads_nothing_in_the_database_too(
    client,
    tiered,
    riverside_invitation,
    lakeview_invitation,
    district,
    other_district,
    district_admin,
    outsider,
):
    accept(riverside_invitation, district, district_admin, RIVERSIDE_SHOWS)
    accept(lakeview_invitation, other_district, outsider, [ConsentItem.BANDS])
    assert _rows_read_by(outsider, "lakeview") == 0
    page = _page(client, outsider, other_district, lakeview_invitation)
    assert "does not show the other districts’ teams its figures" in page
    assert "District A" not in page
    # Riverside's own staff read their own rows, as any of their district's.
    assert _rows_read_by(district_admin, "riverside") > 0
