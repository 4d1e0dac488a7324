from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from tiering.bands import (
    BAND_KEY,
    RATED_BANDS,
    Band,
    band_sql,
    classify,
    is_chronically_absent,
    school_year_equivalent_days,
    share_missed,
)

BOUNDARIES = [
    (Fraction(4999, 100000), Band.SATISFACTORY),
    (Fraction(5, 100), Band.AT_RISK),
    (Fraction(999, 10000), Band.AT_RISK),
    (Fraction(10, 100), Band.MODERATE_CHRONIC),
    (Fraction(1999, 10000), Band.MODERATE_CHRONIC),
    (Fraction(20, 100), Band.SEVERE_CHRONIC),
    (Fraction(4999, 10000), Band.SEVERE_CHRONIC),
    (Fraction(50, 100), Band.EXTREME_CHRONIC),
    (Fraction(1), Band.EXTREME_CHRONIC),
    (Fraction(0), Band.SATISFACTORY),
]


@pytest.mark.parametrize(("share", "band"), BOUNDARIES)
def test_it_places_the_documented_boundaries_in_the_right_band(share, band):
    enrolled = 100000
    assert classify(days_absent=share * enrolled, days_enrolled=enrolled) == band


def test_it_does_not_rate_students_enrolled_fewer_than_the_minimum_days():
    assert classify(days_absent=0, days_enrolled=9) == Band.NOT_YET_RATED
    assert classify(days_absent=0, days_enrolled=0) == Band.NOT_YET_RATED
    assert classify(days_absent=5, days_enrolled=10) == Band.EXTREME_CHRONIC
    assert classify(days_absent=5, days_enrolled=30, minimum_days_enrolled=31) == (
        Band.NOT_YET_RATED
    )


def test_it_shows_the_180_day_equivalent():
    assert school_year_equivalent_days(Fraction(1, 10)) == Decimal("18.0")
    assert school_year_equivalent_days(Fraction(1, 20)) == Decimal("9.0")


def test_chronic_absence_is_the_three_chronic_bands():
    chronic = {band for band in Band if is_chronically_absent(band)}
    assert chronic == {Band.MODERATE_CHRONIC, Band.SEVERE_CHRONIC, Band.EXTREME_CHRONIC}


enrolled_days = st.integers(min_value=1, max_value=400)


@given(enrolled=enrolled_days, data=st.data())
def test_the_band_only_worsens_as_absences_grow(enrolled, data):
    absent = data.draw(st.integers(min_value=0, max_value=enrolled - 1))
    if enrolled >= 10:
        before = classify(days_absent=absent, days_enrolled=enrolled)
        after = classify(days_absent=absent + 1, days_enrolled=enrolled)
        assert RATED_BANDS.index(after) >= RATED_BANDS.index(before)


@given(enrolled=enrolled_days, data=st.data())
def test_the_band_matches_the_percent_missed(enrolled, data):
    absent = Fraction(data.draw(st.integers(min_value=0, max_value=enrolled * 4)), 4)
    band = classify(days_absent=absent, days_enrolled=enrolled)
    if enrolled < 10:
        assert band == Band.NOT_YET_RATED
        return
    percent = 100 * share_missed(days_absent=absent, days_enrolled=enrolled)
    expected = (
        Band.SATISFACTORY
        if percent < 5
        else Band.AT_RISK
        if percent < 10
        else Band.MODERATE_CHRONIC
        if percent < 20
        else Band.SEVERE_CHRONIC
        if percent < 50
        else Band.EXTREME_CHRONIC
    )
    assert band == expected


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=400),
            st.integers(min_value=0, max_value=1600),
        ),
        min_size=1,
        max_size=40,
    ),
    minimum=st.integers(min_value=1, max_value=45),
)
def test_the_sql_rule_agrees_with_the_python_rule(pairs, minimum):
    rows = [
        (Decimal(enrolled), Decimal(min(quarter_days, enrolled * 4)) / 4)
        for enrolled, quarter_days in pairs
    ]
    sql = band_sql(days_absent="a", days_enrolled="e", minimum_days="%s")
    with connection.cursor() as cursor:
        for enrolled, absent in rows:
            cursor.execute(
                f"SELECT {sql} FROM (SELECT %s::numeric AS e, %s::numeric AS a) t",
                [minimum, enrolled, absent],
            )
            in_sql = cursor.fetchone()[0]
            expected = classify(
                days_absent=absent, days_enrolled=enrolled, minimum_days_enrolled=minimum
            )
            assert in_sql == expected.value


SOURCE = Path(__file__).resolve().parents[1] / "source_documents" / "band_key.txt"


def test_the_band_key_uses_the_source_documents_words():
    """ "Know Your Students' Attendance Status" in the training session, line for line."""
    text = SOURCE.read_text()
    for band, description, days in BAND_KEY:
        line = next(line for line in text.splitlines() if band.label in line)
        plain = line.replace("<b>", "").replace("</b>", "")
        assert f"{band.label}\tMissed" in plain
        assert description.removeprefix("Missed ") in plain
        assert f"({days})" in plain
