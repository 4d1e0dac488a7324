"""The Study's arithmetic on series and groups small enough to work out by hand; each expected
figure is derived in the comment beside it."""

import math

import pytest

from pdsa import study
from pdsa.study import Span

# --- Shift: 6 or more consecutive points on one side of the median


def test_six_points_above_the_median_are_a_shift():
    points = [1, 2, 1, 2, 1, 5, 6, 5, 6, 5, 6, 1]
    signals = study.run_chart_signals(points, centre=3)
    assert signals.shifts == [Span(5, 10)]


def test_five_points_on_one_side_are_no_shift():
    signals = study.run_chart_signals([1, 5, 6, 5, 6, 5, 1, 2, 1], centre=3)
    assert signals.shifts == []


def test_points_on_the_median_neither_add_to_nor_break_a_shift():
    # Five above, two on the centre, one more above: six above in a row (indexes 1-8).
    points = [1, 5, 5, 3, 5, 5, 3, 5, 5, 1]
    assert study.run_chart_signals(points, centre=3).shifts == [Span(1, 8)]
    # Five above with a point on the centre among them are still only five.
    points = [1, 5, 5, 3, 5, 5, 5, 1]
    assert study.run_chart_signals(points, centre=3).shifts == []


# --- Trend: 5 or more consecutive points all going up or all going down


def test_five_rising_points_are_a_trend_and_four_are_not():
    assert study.run_chart_signals([9, 1, 2, 3, 4, 5, 0]).trends == [Span(1, 5)]
    assert study.run_chart_signals([9, 1, 2, 3, 4, 0]).trends == []


def test_equal_neighbours_count_once():
    # 1, 2, 2, 3, 4: only four distinct steps' worth of points, so no trend ...
    assert study.run_chart_signals([1, 2, 2, 3, 4]).trends == []
    # ... and 5, 4, 4, 3, 2, 1 falls over five distinct points, the repeat inside the span.
    assert study.run_chart_signals([5, 4, 4, 3, 2, 1]).trends == [Span(0, 5)]


def test_a_turn_shares_its_point_between_two_trends():
    # Up over 0-4 (five points), then down over 4-8 (five points).
    points = [1, 2, 3, 4, 5, 4, 3, 2, 1]
    assert study.run_chart_signals(points).trends == [Span(0, 4), Span(4, 8)]


# --- Runs: too few or too many crossings of the median


def test_runs_limits_match_the_swed_eisenhart_table():
    # 10 above and 10 below: P(R <= 6) = 0.019 and P(R >= 16) = 0.019 are signals, 7 and 15
    # (P = 0.051) are not — the published critical values 6 and 16.
    assert study.runs_limits(10, 10) == (7, 15)
    # 5 and 5: only 2 runs (P = 2/252) or 10 runs (P = 2/252) are signals.
    assert study.runs_limits(5, 5) == (3, 9)


def test_the_runs_distribution_sums_to_one_and_matches_a_count_by_hand():
    distribution = study.runs_distribution(2, 2)
    # The 6 orders of AABB: AABB, BBAA (2 runs); ABBA, BAAB (3 runs); ABAB, BABA (4 runs).
    assert distribution == pytest.approx({2: 2 / 6, 3: 2 / 6, 4: 2 / 6})
    assert sum(study.runs_distribution(7, 9).values()) == pytest.approx(1)


def test_too_few_runs_is_a_signal():
    # 10 below then 10 above the median 5: two runs where 7 to 15 are expected.
    points = [1] * 10 + [9] * 10
    runs = study.run_chart_signals(points, centre=5).runs
    assert (runs.useful_points, runs.runs, runs.too_few, runs.too_many) == (20, 2, True, False)


def test_too_many_runs_is_a_signal_and_an_ordinary_count_is_not():
    alternating = [1, 9] * 10  # 20 runs where at most 15 are expected
    assert study.run_chart_signals(alternating, centre=5).runs.too_many
    ordinary = [1, 1, 9, 9, 9, 1, 9, 1, 1, 9, 9, 1, 1, 1, 9, 9, 1, 9, 9, 1]  # 11 runs
    runs = study.run_chart_signals(ordinary, centre=5).runs
    assert (runs.runs, runs.too_few, runs.too_many) == (11, False, False)


def test_runs_are_not_judged_on_fewer_than_ten_points_off_the_median():
    assert study.run_chart_signals([1, 9, 1, 9, 5, 5, 1, 9, 1], centre=5).runs is None


# --- Astronomical point


def test_a_point_far_outside_the_series_own_variation_is_astronomical():
    points = [90, 91, 90, 92, 91, 90, 91, 40, 91, 90]
    signals = study.run_chart_signals(points)
    assert signals.astronomical == [7]
    assert signals.any


def test_the_lowest_point_of_an_ordinary_series_is_not_astronomical():
    points = [90, 91, 89, 92, 90, 88, 91, 90, 92, 89]
    signals = study.run_chart_signals(points)
    assert signals.astronomical == []
    assert not signals.any


# --- Comparisons


def test_difference_in_differences():
    # Participants 80% → 90% (+10 points); others 82% → 85% (+3): the test's share is +7.
    assert study.difference_in_differences(
        participants_before=80, participants_after=90, others_before=82, others_after=85
    ) == pytest.approx(7)


def test_hedges_g_by_hand():
    # Means 2 and 3, both standard deviations 1, so the pooled SD is 1; the correction is
    # 1 - 3 / (4·6 - 9) = 0.8: g = 0.8 · (2 - 3) / 1.
    assert study.hedges_g([1, 2, 3], [2, 3, 4]) == pytest.approx(-0.8)
    assert study.hedges_g([1], [2, 3]) is None


def test_cox_index_by_hand():
    # 5 of 10 (log odds 0) against 2 of 10 (log odds ln 2/8): (0 − ln 0.25) / 1.65.
    assert study.cox_index(5, 10, 2, 10) == pytest.approx(-math.log(0.25) / 1.65)
    # All ten chronic: half a student added to each cell keeps it finite.
    assert study.cox_index(10, 10, 5, 10) == pytest.approx(math.log(10.5 / 0.5) / 1.65)


@pytest.mark.parametrize(
    ("effect", "reading"),
    [
        (0.05, "comparable"),
        (-0.2, "comparable only after adjusting for the difference"),
        (0.26, "not comparable"),
        (None, "cannot be judged (too few students or no variation)"),
    ],
)
def test_the_what_works_clearinghouse_reading(effect, reading):
    assert study.baseline_reading(effect) == reading


def test_mann_whitney_exact_by_hand():
    # Every value of the first group below every value of the second: U = 0, and only 1 of
    # the C(6, 3) = 20 orders is as extreme on each side: p = 2/20.
    result = study.mann_whitney([1, 2, 3], [4, 5, 6])
    assert (result.statistic, result.p_value) == (0, pytest.approx(0.1))
    assert result.method == "Mann–Whitney U, exact"


def test_mann_whitney_with_ties_uses_the_corrected_normal_approximation():
    # Ranks of [1, 1, 2] + [2, 3, 3]: 1.5, 1.5, 3.5 | 3.5, 5.5, 5.5; U1 = 6.5 − 6 = 0.5.
    # Ties of sizes 2, 2, 2: variance = 3·3/12 · (7 − 18/30) = 4.8; z = (4 − 0.5)/√4.8.
    result = study.mann_whitney([1, 1, 2], [2, 3, 3])
    z = 3.5 / math.sqrt(4.8)
    assert result.statistic == pytest.approx(0.5)
    assert result.p_value == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert result.method == "Mann–Whitney U, normal approximation"


def test_fisher_exact_by_hand():
    # Lady tasting tea: [[3, 1], [1, 3]]. With margins of 4 the tables' chances are
    # 1, 16, 36, 16, 1 in 70; those at most as likely as the one seen (16/70): 34/70.
    result = study.fisher_exact(3, 1, 1, 3)
    assert result.p_value == pytest.approx(34 / 70)
    assert result.statistic == pytest.approx(9)
    assert study.fisher_exact(5, 0, 0, 5).p_value == pytest.approx(2 / 252)


def test_p_values_in_words():
    assert study.p_value_in_words(0.03) == (
        "p = 0.030: chance alone would give a difference this large about 3 times in 100;"
        " unlikely to be chance alone."
    )
    assert study.p_value_in_words(0.4).endswith("the test cannot tell an effect from chance.")
    assert "less than 1 time in 1,000" in study.p_value_in_words(0.0004)


# --- A cycle's result


def attendance(enrolled, absent):
    return study.Attendance(enrolled=enrolled, absent=absent)


def test_eight_participants_are_described_not_tested():
    # Eight chronically absent students missing 6 or 7 of 20 days (70% and 65%) who then miss 1
    # (95%): +27.5 points; twelve others missing 0 or 1 of 20 both times (100% and 95%): 0.
    participants = [(attendance(20, 6 + k % 2), attendance(20, 1)) for k in range(8)]
    others = [(attendance(20, k % 2), attendance(20, k % 2)) for k in range(12)]
    result = study.compare(participants, others)
    assert result.participants.students == 8
    assert (result.participants.rate_before, result.participants.rate_after) == (67.5, 95)
    assert result.difference_in_differences == pytest.approx(27.5)
    assert result.descriptive_only and result.tests == []
    assert result.regression_to_the_mean
    assert result.summary == (
        "Participants' attendance changed by 27.5 percentage points more than comparable"
        " students'; too few students to tell an effect from chance."
    )
    # Every participant chronic before (30% or 35% missed), none after (5%); no other student
    # chronic either time (0% or 5%).
    assert (result.participants.chronic_before, result.participants.chronic_after) == (8, 0)
    assert (result.others.chronic_before, result.others.chronic_after) == (0, 0)
    # Baselines 30 points apart with a spread of about 2.6 points: far from comparable.
    assert result.baseline_reading == "not comparable"


def test_ten_in_each_group_are_tested():
    participants = [(attendance(10, 3), attendance(10, 0))] * 10
    others = [(attendance(10, 3), attendance(10, 3 - k % 2)) for k in range(10)]
    result = study.compare(participants, others)
    assert not result.descriptive_only
    mann_whitney, fisher = result.tests
    # Changes: participants +30 points; others 0 or +10: every participant's change is above
    # every other's, U1 = 100, far beyond chance.
    assert mann_whitney.statistic == 100
    assert mann_whitney.p_value < 0.001
    # After: 0 of 10 participants chronic against 10 of 10 others.
    assert fisher.p_value == pytest.approx(2 / math.comb(20, 10))
    # Identical baselines: comparable.
    assert result.baseline_reading == "comparable"
    assert result.summary.startswith(
        "Participants' attendance changed by 25.0 percentage points more than comparable"
        " students'; p = 0.000"
    )


def test_students_not_enrolled_in_both_windows_are_left_out():
    participants = [(attendance(10, 0), attendance(0, 0)), (attendance(0, 0), attendance(5, 0))]
    result = study.compare(participants, [(attendance(10, 0), attendance(10, 0))])
    assert result.participants.students == 0
    assert result.difference_in_differences is None
    assert result.summary == "No student was enrolled in both windows yet."
