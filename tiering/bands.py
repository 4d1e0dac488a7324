"""The five absence bands: the one place the thresholds live (design.md §4).

Percent missed is days absent ÷ days enrolled, where every absence counts: excused, unexcused
and suspensions alike. Comparisons use exact fractions so that a student at exactly 10% is
Moderate chronic, never At-risk by a floating-point hair.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import models

from districts.models import DEFAULT_MINIMUM_DAYS_ENROLLED

SCHOOL_YEAR_DAYS = 180


class Band(models.TextChoices):
    # Labels are the source document's wording ("Know Your Students' Attendance Status").
    SATISFACTORY = "satisfactory", "Satisfactory Attendance"
    AT_RISK = "at_risk", "At-risk Attendance"
    MODERATE_CHRONIC = "moderate_chronic", "Moderate Chronic Absence"
    SEVERE_CHRONIC = "severe_chronic", "Severe Chronic Absence"
    EXTREME_CHRONIC = "extreme_chronic", "Extreme Chronic Absence"
    NOT_YET_RATED = "not_yet_rated", "Not yet rated"


@dataclass(frozen=True)
class BandRule:
    band: Band
    lower: Fraction  # inclusive share of enrolled days missed
    description: str


# Ordered from least to most absence; each band runs from its lower bound to the next one's.
BAND_RULES: tuple[BandRule, ...] = (
    BandRule(Band.SATISFACTORY, Fraction(0), "Missed less than 5%"),
    BandRule(Band.AT_RISK, Fraction(5, 100), "Missed 5-9.99%"),
    BandRule(Band.MODERATE_CHRONIC, Fraction(10, 100), "Missed 10-19.99%"),
    BandRule(Band.SEVERE_CHRONIC, Fraction(20, 100), "Missed 20-49.99%"),
    BandRule(Band.EXTREME_CHRONIC, Fraction(50, 100), "Missed 50% or more"),
)


def school_year_days(rule: BandRule) -> str:
    """The band's range in days of a 180-day school year, in the source document's words:
    "fewer than 9 days", "9-17 days", …, "90 or more days"."""
    index = BAND_RULES.index(rule)
    low = rule.lower * SCHOOL_YEAR_DAYS
    if index + 1 == len(BAND_RULES):
        return f"{low} or more days in a {SCHOOL_YEAR_DAYS}-day school year"
    high = BAND_RULES[index + 1].lower * SCHOOL_YEAR_DAYS - 1
    if index == 0:
        return f"fewer than {high + 1} days in a {SCHOOL_YEAR_DAYS}-day school year"
    return f"{low}-{high} days in a {SCHOOL_YEAR_DAYS}-day school year"


BAND_KEY: tuple[tuple[Band, str, str], ...] = tuple(
    (rule.band, rule.description, school_year_days(rule)) for rule in BAND_RULES
)

RATED_BANDS: tuple[Band, ...] = tuple(rule.band for rule in BAND_RULES)
CHRONIC_BANDS: frozenset[Band] = frozenset(
    {Band.MODERATE_CHRONIC, Band.SEVERE_CHRONIC, Band.EXTREME_CHRONIC}
)

Days = int | Fraction | Decimal


def _exact(value: Days) -> Fraction:
    return Fraction(value)


def share_missed(*, days_absent: Days, days_enrolled: Days) -> Fraction:
    enrolled = _exact(days_enrolled)
    if enrolled <= 0:
        raise ValueError("days enrolled must be positive to compute a share missed")
    absent = _exact(days_absent)
    if absent < 0 or absent > enrolled:
        raise ValueError(f"days absent ({days_absent}) must be between 0 and days enrolled")
    return absent / enrolled


def classify(
    *,
    days_absent: Days,
    days_enrolled: Days,
    minimum_days_enrolled: int = DEFAULT_MINIMUM_DAYS_ENROLLED,
) -> Band:
    if _exact(days_enrolled) < minimum_days_enrolled or _exact(days_enrolled) == 0:
        return Band.NOT_YET_RATED
    share = share_missed(days_absent=days_absent, days_enrolled=days_enrolled)
    band = Band.SATISFACTORY
    for rule in BAND_RULES:
        if share >= rule.lower:
            band = rule.band
    return band


def school_year_equivalent_days(share: Fraction) -> Decimal:
    """Days missed in a 180-day school year at this rate, shown beside every percent."""
    return (Decimal(share.numerator) * SCHOOL_YEAR_DAYS / Decimal(share.denominator)).quantize(
        Decimal("0.1")
    )


def is_chronically_absent(band: Band) -> bool:
    return band in CHRONIC_BANDS


def band_sql(*, days_absent: str, days_enrolled: str, minimum_days: str) -> str:
    """The same rule as `classify`, as a SQL CASE over numeric columns, so that set-based
    classification in PostgreSQL cannot drift from the Python rule. Comparisons are
    multiplied out (absent × 100 ≥ threshold × enrolled) to stay exact on numerics."""
    unrated = f"{days_enrolled} < {minimum_days} OR {days_enrolled} = 0"
    whens = [f"WHEN {unrated} THEN '{Band.NOT_YET_RATED.value}'"]
    for rule in reversed(BAND_RULES[1:]):
        percent = rule.lower * 100
        whens.append(
            f"WHEN {days_absent} * {percent.denominator * 100} >= "
            f"{percent.numerator} * {days_enrolled} THEN '{rule.band.value}'"
        )
    return f"CASE {' '.join(whens)} ELSE '{BAND_RULES[0].band.value}' END"
