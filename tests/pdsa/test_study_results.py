"""A cycle's stored Study on the hand-made school (handmade.py): Cy Cole (S3) and Di Dunn (S4),
Severe third-graders at the Oct 16 review point, take part in a test over Oct 19-30; Ada Ames
(S1), the one other Severe third-grader, is the comparison group. Every expected figure is
worked out beside it."""

from datetime import date

import psycopg2
import pytest
from django.db import DatabaseError, connection, transaction

from districts.tenancy import system_context
from pdsa import services, tasks
from pdsa.models import Cycle, StudyResult, StudySource

from ..databases import database_url
from ..sis import import_file
from ..tiered import CURRENT, PREVIOUS, ROSTER, write
from .conftest import as_member
from .handmade import GROUP, GROUP_MARKS, GROUP_ROSTER, daily, import_days, two_by_ten

NOV_13 = date(2026, 11, 13)
NAMES = ("Cole", "Dunn", "Ames", "Cy ", "Di ", "Ada ")


@pytest.fixture
def to_oct_16(district, school_year, school_a, school_b, tmp_path):
    """The roster and the days up to the Friday before the test."""
    import_days(district, tmp_path, date(2026, 10, 16))
    return school_a


@pytest.fixture
def cycle(to_oct_16, district, principal, club_entry):
    """The Adams team's test with S3 and S4, naming the youth club (so Pia reads it)."""
    return two_by_ten(district, to_oct_16, principal, partner_entries=[club_entry])


@pytest.fixture
def to_nov_13(cycle, district, tmp_path):
    record = import_file(district, write(tmp_path, "to-nov-13.csv", daily(NOV_13)), as_of=NOV_13)
    assert record.status == "succeeded", record.errors
    return cycle


def _refresh(cycle: Cycle) -> StudyResult:
    with system_context(cycle.district, reason="test"):
        services.cycle_study_refresh(cycle=Cycle.objects.get(pk=cycle.pk))
        return StudyResult.objects.get(cycle=cycle)


def test_the_stored_study_holds_the_figures_worked_out_by_hand(to_nov_13, district):
    result = _refresh(to_nov_13)
    assert result.source == StudySource.DAILY and result.note == ""
    assert (result.participants_n, result.comparison_n) == (2, 1)
    assert result.start_as_of == date(2026, 10, 16)
    # Before: Oct 5-16 (10 days); during: the test's 9 days (Oct 28 a holiday); after: Nov 2-13,
    # complete for two weeks, ten of the twenty a month needs.
    assert [(w["name"], w["first"], w["last"], w["progress"]) for w in result.windows] == [
        ("before", "2026-10-05", "2026-10-16", "10 school days"),
        ("during", "2026-10-19", "2026-10-30", "9 school days"),
        ("two weeks after", "2026-11-02", "2026-11-13", "10 school days"),
        ("one month after", "2026-11-02", "2026-11-13", "in progress, 10 of 20 days"),
    ]
    participants, comparison = result.groups["participants"], result.groups["comparison"]
    # Before: S3 4 unexcused of 10 (60%), S4 a suspension, an unexcused and an excused day of
    # 10 (70%): 7 of 20 days, mean rate 65%, both chronic.
    assert participants[0] == {
        "n": 2,
        "enrolled": 20,
        "absent": 7,
        "kinds": {"excused": 1, "unexcused": 5, "suspension": 1, "partial": 0},
        "rate": 65.0,
        "chronic": 2,
    }
    # During: S3 one excused day of 9 (88.9%, chronic at 11%), S4 none (100%): mean 94.4%.
    assert (participants[1]["absent"], participants[1]["rate"], participants[1]["chronic"]) == (
        1,
        94.4,
        1,
    )
    # After: S3 half a day of 10 (95%), S4 none (in-school suspension and a tardy are not
    # absences): 97.5%, nobody chronic.
    assert participants[2] == {
        "n": 2,
        "enrolled": 20,
        "absent": 0.5,
        "kinds": {"excused": 0, "unexcused": 0, "suspension": 0, "partial": 0.5},
        "rate": 97.5,
        "chronic": 0,
    }
    # S1: 2 of 10 before (80%), none during, 2 of 10 after (80%).
    assert [(g["absent"], g["rate"], g["chronic"]) for g in comparison] == [
        (2, 80.0, 1),
        (0, 100.0, 0),
        (2, 80.0, 1),
        (2, 80.0, 1),
    ]
    # Participants +32.5 points, S1 no change: a difference in differences of 32.5 points,
    # the same one month after (no later day yet); descriptive only with 2 and 1 students.
    two_weeks, one_month = result.comparisons
    assert two_weeks["window"] == "two weeks after" and one_month["window"] == "one month after"
    assert two_weeks["participants"] == {
        "n": 2,
        "rate_before": 65.0,
        "rate_after": 97.5,
        "change": 32.5,
        "chronic_before": 2,
        "chronic_after": 0,
    }
    assert two_weeks["comparison"]["change"] == 0.0
    assert two_weeks["difference_in_differences"] == one_month["difference_in_differences"] == 32.5
    assert two_weeks["descriptive_only"] and two_weeks["tests"] == []
    assert two_weeks["summary"] == (
        "Participants' attendance changed by 32.5 percentage points more than comparable "
        "students'; too few students to tell an effect from chance."
    )
    # One comparison student: no standard deviation, so Hedges' g cannot be judged; the Cox
    # index, both groups all chronic, with half a student added to each cell:
    # (ln(2.5 / 0.5) - ln(1.5 / 0.5)) / 1.65 = 0.310.
    assert result.baseline_g is None
    assert result.baseline_reading == "cannot be judged (too few students or no variation)"
    assert result.baseline_cox == pytest.approx(0.310, abs=0.001)
    # Chosen for high absence (65% before): the regression-to-the-mean warning applies.
    assert result.regression_to_the_mean
    # Weeks as test_outcomes.py works them out.
    assert [(w["starts"], w["rate"], w["during_test"]) for w in result.weeks] == [
        ("2026-10-05", 60, False),
        ("2026-10-12", 70, False),
        ("2026-10-19", 90, True),
        ("2026-10-26", 100, True),
        ("2026-11-02", 95, False),
        ("2026-11-09", 100, False),
    ]
    # Band at the start (Oct 16) and now (Nov 13, 29 days): S3 5.5 of 29 and S4 3 of 29,
    # Moderate; S1 4 of 29, Moderate.
    assert result.bands == {
        "participants": {"start": {"severe_chronic": 2}, "now": {"moderate_chronic": 2}},
        "comparison": {"start": {"severe_chronic": 1}, "now": {"moderate_chronic": 1}},
    }
    # The school: on Oct 16 S1, S3, S4 and S5 Severe and S2 Moderate of 6 rated (S7, S8 have no
    # days): 83.3% chronic; on Nov 13 S1, S3 and S4 Moderate, S2 and S5 At-risk (2 of 29): 50%.
    (adams,) = result.progress["schools"]
    assert (adams["start"]["chronic_percent"], adams["now"]["chronic_percent"]) == (83.3, 50.0)
    assert adams["now"]["bands"]["at_risk"] == 2
    assert (result.progress["reached"], result.progress["sessions_planned"]) == (2, 20)
    assert result.progress["difference"].startswith("One month after: Participants' attendance")


def test_an_import_recomputes_the_study(
    cycle, district, tmp_path, django_capture_on_commit_callbacks
):
    """Before the test's days are imported every window after *before* is in progress; the
    import's recompute step calls the PDSA hook, whose task recomputes the stored Study."""
    first = _refresh(cycle)
    assert [w["progress"] for w in first.windows] == [
        "10 school days",
        "in progress, 0 of 10 days",
        "in progress, 0 of 10 days",
        "in progress, 0 of 20 days",
    ]
    assert first.comparisons == []
    assert first.progress["difference"] == (
        "Not measured yet: no school day after the test is on record."
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_file(district, write(tmp_path, "to-nov-13.csv", daily(NOV_13)), as_of=NOV_13)
    with system_context(district, reason="test"):
        again = StudyResult.objects.get(cycle=cycle)
    assert again.pk == first.pk and again.computed_at > first.computed_at
    assert [c["difference_in_differences"] for c in again.comparisons] == [32.5, 32.5]


def test_adding_a_participant_queues_the_study(
    to_oct_16, district, principal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cycle = two_by_ten(district, to_oct_16, principal, students=["S3"])
    with system_context(district, reason="test"):
        assert StudyResult.objects.get(cycle=cycle).participants_n == 1


def test_partner_staff_read_the_aggregates_and_never_a_name(client, pia, to_nov_13):
    _refresh(to_nov_13)
    client.force_login(pia)
    page = client.get(f"/d/riverside/pdsa/{to_nov_13.pk}/").content.decode()
    assert "+32.5 points" in page
    assert "too few students to tell an effect from chance" in page
    assert "in progress, 10 of 20 days" in page
    assert "Regression to the mean:" in page
    assert 'class="run-chart-test"' in page
    assert "Recompute the Study now" not in page
    for name in NAMES:
        assert name not in page, name


def test_the_page_shows_the_chart_before_the_table_and_when_it_was_computed(
    client, principal, to_nov_13
):
    _refresh(to_nov_13)
    client.force_login(principal)
    page = client.get(f"/d/riverside/pdsa/{to_nov_13.pk}/").content.decode()
    assert page.index("<svg") < page.index("Difference in differences")
    assert "Computed " in page and "from daily attendance" in page
    assert "Adams Elementary School: chronic absence 83.3% on Oct 16, 2026" in page
    assert "Recompute the Study now" in page


def test_a_runner_recomputes_the_study_and_another_school_gets_404(
    client, principal, other_school_principal, to_nov_13
):
    url = f"/d/riverside/pdsa/{to_nov_13.pk}/study/"
    client.force_login(other_school_principal)
    assert client.get(f"/d/riverside/pdsa/{to_nov_13.pk}/").status_code == 404
    assert client.post(url).status_code == 404
    client.force_login(principal)
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].endswith("#study-results")
    with system_context(to_nov_13.district, reason="test"):
        (two_weeks, _) = StudyResult.objects.get(cycle=to_nov_13).comparisons
    assert two_weeks["difference_in_differences"] == 32.5


def test_a_school_with_only_summaries_falls_back_to_snapshot_changes(
    district, school_year, school_a, school_b, principal, tmp_path
):
    """Two summaries (tests/tiered.py): S3 missed 2 of 30 days by Oct 16 (93.3%, At-risk),
    then 3 of the 10 days to Nov 13 (70%); no other Adams third-grader was At-risk on Oct 16,
    so there is no comparison student."""
    for name, text, as_of in (
        ("roster.csv", ROSTER, date(2026, 10, 1)),
        ("previous.csv", PREVIOUS, date(2026, 10, 16)),
        ("current.csv", CURRENT, NOV_13),
    ):
        assert import_file(district, write(tmp_path, name, text), as_of=as_of).status == "succeeded"
    result = _refresh(two_by_ten(district, school_a, principal, students=["S3"]))
    assert result.source == StudySource.SNAPSHOTS
    assert [w["name"] for w in result.windows] == [
        "year to date at the start",
        "from the start to now",
    ]
    (since,) = result.comparisons
    assert since["participants"]["rate_before"] == pytest.approx(93.3)
    assert since["participants"]["rate_after"] == 70.0
    assert (result.participants_n, result.comparison_n, result.weeks) == (1, 0, [])


def test_the_walls_show_a_study_only_with_its_cycle(
    to_nov_13, pia, other_school_principal, district
):
    """Read with unscoped querysets and raw SQL as each persona: the database's walls alone."""
    _refresh(to_nov_13)
    with as_member(pia):
        assert list(StudyResult.unscoped.values_list("cycle_id", flat=True)) == [to_nov_13.pk]
        # Partner staff read the aggregate and change nothing of it.
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            StudyResult.unscoped.update(note="Changed")
    with as_member(other_school_principal):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pdsa_studyresult")
            assert cursor.fetchone() == (0,)
        # Nor can Bob write a Study for a cycle he cannot read.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            StudyResult.unscoped.create(district=district, cycle_id=to_nov_13.pk, source="daily")


def test_the_group_of_eight_improves_against_its_comparison_group(
    district, school_year, school_a, school_b, principal, tmp_path
):
    """handmade.GROUP (the browser journey's): eight Moderate third-graders at 90% before the
    test and 100% after, four comparable ones at 90% both times."""
    import_days(district, tmp_path, date(2026, 10, 16), roster=GROUP_ROSTER, marks_of=GROUP_MARKS)
    cycle = two_by_ten(
        district, school_a, principal, students=[sis_id for sis_id, _, _ in GROUP[:8]]
    )
    with system_context(district, reason="test"):
        assert set(cycle.participants.values_list("band_at_start", flat=True)) == {
            "moderate_chronic"
        }
    import_file(
        district, write(tmp_path, "to-nov-13.csv", daily(NOV_13, GROUP_MARKS)), as_of=NOV_13
    )
    result = _refresh(cycle)
    assert (result.participants_n, result.comparison_n) == (8, 4)
    assert [
        (c["participants"]["change"], c["comparison"]["change"], c["difference_in_differences"])
        for c in result.comparisons
    ] == [(10.0, 0.0, 10.0), (10.0, 0.0, 10.0)]
    assert all(c["descriptive_only"] for c in result.comparisons)


class RefusedStudy:
    """A database that refuses to store one cycle's Study (a trigger on the table, committed
    by the test database's own account): a failure inside the database, as a broken row or a
    lost connection would be, which aborts the transaction it happens in."""

    def __init__(self) -> None:
        self.admin = psycopg2.connect(database_url(as_admin=True))
        self.admin.autocommit = True

    def refuse(self, cycle_id: int) -> None:
        with self.admin.cursor() as cursor:
            cursor.execute(
                "CREATE FUNCTION test_refuse_study() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN RAISE EXCEPTION 'The Study of cycle % was refused', NEW.cycle_id; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER test_refuse_study BEFORE INSERT OR UPDATE ON pdsa_studyresult"
                f" FOR EACH ROW WHEN (NEW.cycle_id = {int(cycle_id)})"
                " EXECUTE FUNCTION test_refuse_study()"
            )

    def lift(self) -> None:
        with self.admin.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS test_refuse_study ON pdsa_studyresult")
            cursor.execute("DROP FUNCTION IF EXISTS test_refuse_study()")


@pytest.fixture
def refused_study():
    refused = RefusedStudy()
    yield refused
    refused.lift()
    refused.admin.close()


def test_one_cycle_whose_study_fails_keeps_the_others_refreshed(
    transactional_db,
    district,
    school_year,
    school_a,
    school_b,
    principal,
    tmp_path,
    refused_study,
    caplog,
    client,
):
    """Two cycles at Adams; the database refuses the first one's Study. The district's
    refresh (the worker's task after an import) stores the second one's Study all the same,
    logs the first one's failure and records it on that cycle, whose page says so; once the
    Study can be stored again the next refresh clears it."""
    import_days(district, tmp_path, date(2026, 10, 16), NOV_13)
    refused = two_by_ten(district, school_a, principal)
    other = two_by_ten(district, school_a, principal, students=("S1",))
    assert refused.pk < other.pk  # the failing one first: its abort would block the next
    with system_context(district, reason="test"):
        StudyResult.objects.all().delete()
    refused_study.refuse(refused.pk)

    assert tasks.refresh_studies(district_id=district.pk) == 1
    with system_context(district, reason="test"):
        assert list(StudyResult.objects.values_list("cycle_id", flat=True)) == [other.pk]
        failed = Cycle.objects.get(pk=refused.pk)
        assert not Cycle.objects.get(pk=other.pk).study_failed_at
    assert failed.study_failed_at is not None
    assert failed.study_failure == f"The Study of cycle {refused.pk} was refused"
    assert f"The Study of PDSA cycle {refused.pk} could not be recomputed" in caplog.text

    client.force_login(principal)
    page = client.get(f"/d/riverside/pdsa/{refused.pk}/").content.decode()
    assert "The Study could not be recomputed on" in page
    assert f"The Study of cycle {refused.pk} was refused" in page

    refused_study.lift()
    assert tasks.refresh_studies(district_id=district.pk) == 2
    with system_context(district, reason="test"):
        fixed = Cycle.objects.get(pk=refused.pk)
        assert StudyResult.objects.filter(cycle=fixed).exists()
    assert (fixed.study_failed_at, fixed.study_failure) == (None, "")
