"""A cycle's students' attendance read from the daily facts, on a hand-made school: six weeks
of October and November 2026 with a holiday on Wednesday Oct 28, a test over Oct 19-30. Every
figure is worked out in the comments."""

from datetime import date

import pytest

from districts.models import Membership
from districts.tenancy import context_for_membership, system_context, tenant_context
from pdsa import outcomes, study
from pdsa.windows import study_windows
from tiering.bands import Band
from tiering.models import RuleSet

from ..reading import reading
from ..sis import import_file
from ..tiered import ROSTER, write
from .handmade import HOLIDAY, TEST_FIRST, TEST_LAST, daily, ids


@pytest.fixture
def school(district, school_year, school_a, school_b, tmp_path):
    for name, text, as_of in (
        ("roster.csv", ROSTER, date(2026, 10, 1)),
        ("to-oct-16.csv", daily(date(2026, 10, 16)), date(2026, 10, 16)),
        ("to-nov-13.csv", daily(date(2026, 11, 13)), date(2026, 11, 13)),
    ):
        record = import_file(district, write(tmp_path, name, text), as_of=as_of)
        assert record.status == "succeeded", record.errors
    return school_a


def test_the_study_of_a_test_read_from_the_daily_facts(district, school):
    with system_context(district, reason="test"):
        participants, others = ids(district, "S3", "S4"), ids(district, "S1")
        calendar = outcomes.school_calendar(
            district=district,
            school_ids=[school.pk],
            student_ids=participants + others,
            since=date(2026, 8, 17),
        )
        # 6 weeks of weekdays less the holiday.
        assert (len(calendar), HOLIDAY in calendar) == (29, False)
        windows = study_windows(calendar, first_day=TEST_FIRST, last_day=TEST_LAST)
        # The test holds 9 school days; before it, 10 (Oct 5-16); after it Nov 2-13, ten
        # of the twenty a month needs.
        assert [len(w.days) for w in windows] == [10, 9, 10, 10]
        rule_set = RuleSet.objects.get(is_primary=True)
        seen = outcomes.window_attendance(
            district=district,
            rule_set=rule_set,
            student_ids=participants + others,
            windows=windows,
        )
        s3, s4 = participants
        # S3: 4 of 10 before; 1 of 9 during; half a day (partial, 0.5) of 10 after.
        assert [(a.enrolled, a.absent) for a in seen[s3]] == [(10, 4), (9, 1), (10, 0.5), (10, 0.5)]
        # S4: 3 of 10 before, then none: in-school suspension and tardies are not absences.
        assert [(a.enrolled, a.absent) for a in seen[s4]] == [(10, 3), (9, 0), (10, 0), (10, 0)]

        # Band at the start: the Oct 16 review point. S1 is the one other Severe third-grader.
        start = outcomes.start_snapshot(rule_set=rule_set, before=TEST_FIRST)
        assert start.as_of == date(2026, 10, 16)
        assert (
            outcomes.comparison_students(
                snapshot=start,
                strata=[(school.pk, Band.SEVERE_CHRONIC, 3)],
                excluded=participants,
            )
            == others
        )

        # Participants 60% and 70% → 95% and 100%: +32.5 points; S1 80% → 80%: the
        # difference in differences is 32.5 points, on too few students to test.
        result = study.compare(
            [(seen[s][0], seen[s][2]) for s in participants],
            [(seen[s][0], seen[s][2]) for s in others],
        )
        assert result.difference_in_differences == pytest.approx(32.5)
        assert result.descriptive_only

        weeks = outcomes.weekly_rates(
            district=district,
            rule_set=rule_set,
            student_ids=participants,
            first=windows[0].first,
            last=windows[-1].last,
            test_first=TEST_FIRST,
            test_last=TEST_LAST,
        )
    # Week by week for S3 and S4 together: 4 of 10 absent (60%), 3 of 10 (70%), 1 of 10
    # (90%), none of 8 in the holiday week (100%), half a day of 10 (95%), none (100%).
    assert [(w.starts.isoformat(), w.days, w.rate, w.during_test) for w in weeks] == [
        ("2026-10-05", 10, 60, False),
        ("2026-10-12", 10, 70, False),
        ("2026-10-19", 10, 90, True),
        ("2026-10-26", 8, 100, True),
        ("2026-11-02", 10, 95, False),
        ("2026-11-09", 10, 100, False),
    ]


def test_the_daily_facts_are_read_under_the_callers_walls(
    district, school, principal, other_school_principal
):
    """Adams's principal reads these students' days; Banneker's principal reads none."""
    for person, expected_days in ((principal, 29), (other_school_principal, 0)):
        with reading(district):
            membership = Membership.unscoped.get(user=person, district=district)
            s3 = ids(district, "S3")
        with tenant_context(context_for_membership(membership)):
            calendar = outcomes.school_calendar(
                district=district, school_ids=[school.pk], student_ids=s3, since=date(2026, 8, 17)
            )
        assert len(calendar) == expected_days


def test_the_comparison_group_matches_each_participant_by_stratum(district, school):
    """At the Oct 16 review point Adams has, in grade 3, S1 (2 of 10 absent), S3 (4) and S4
    (3) Severe and S2 (1 of 10) Moderate; in grade 4, S5 (2 of 10) Severe and S6 (none)
    Satisfactory. Participants S4 (Severe, grade 3) and S6 (Satisfactory, grade 4): their
    strata draw S1 and S3 (Severe third-graders) and no Satisfactory fourth-grader but S6.
    S5 is Severe and in grade 4, so the sets of bands {Severe, Satisfactory} and grades
    {3, 4} would take S5; no participant is a Severe fourth-grader, so the strata do not."""
    with system_context(district, reason="test"):
        rule_set = RuleSet.objects.get(is_primary=True)
        start = outcomes.start_snapshot(rule_set=rule_set, before=TEST_FIRST)
        s1, s3, s4, s5, s6 = ids(district, "S1", "S3", "S4", "S5", "S6")
        strata = [
            (school.pk, Band.SEVERE_CHRONIC, 3),
            (school.pk, Band.SATISFACTORY, 4),
        ]
        assert outcomes.comparison_students(snapshot=start, strata=strata, excluded=[s4, s6]) == [
            s1,
            s3,
        ]
        # The same strata at another school draw no Adams student.
        assert (
            outcomes.comparison_students(
                snapshot=start,
                strata=[(school.pk + 1000, Band.SEVERE_CHRONIC, 3)],
                excluded=[s4, s6],
            )
            == []
        )
        assert s5 not in outcomes.comparison_students(
            snapshot=start, strata=strata, excluded=[s4, s6]
        )
