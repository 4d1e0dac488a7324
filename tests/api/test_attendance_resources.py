"""Tiering's other API resources on the hand-made district of tests/tiered.py: standings by
subgroup, a student's daily attendance page by page, the rule sets and the dashboard's counts,
each with the pages' walls and the access record."""

from __future__ import annotations

from datetime import date

from districts.models import AuditEvent
from districts.tenancy import system_context
from tiering import selectors
from tiering.models import Snapshot, Standing, Student

from ..tiered import DAILY, import_file, write
from .tokens import personal_token, token_client

API = "/api/v1/districts/riverside"


def _sis(district, sis_id: str) -> int:
    with system_context(district, reason="test"):
        return Student.objects.get(sis_id=sis_id).pk


def _ids(page: dict) -> list[str]:
    return sorted(row["student"]["sis_id"] for row in page["results"])


def test_standings_by_subgroup_as_the_dashboard_groups_them(district, cabinet_member, tiered):
    api = token_client(personal_token(cabinet_member, district))
    # The roster: S2 and S5 are English learners; S3 and S5 have disabilities.
    learners = api.get(f"{API}/standings/", {"english_learner": "true"}).json()
    assert _ids(learners) == ["S2", "S5"]
    at_adams = api.get(
        f"{API}/standings/", {"school": tiered.pk, "disability": "true", "band": "chronic"}
    ).json()
    assert _ids(at_adams) == ["S3", "S5"]
    girls_94110 = api.get(f"{API}/standings/", {"gender": "F", "zip_code": "94110"}).json()
    assert _ids(girls_94110) == ["S1", "S5", "S9"]
    white_grade_3 = api.get(f"{API}/standings/", {"race_ethnicity": "White", "grade": 3}).json()
    assert _ids(white_grade_3) == ["S1", "S4", "S9"]
    refused = api.get(f"{API}/standings/", {"low_income": "perhaps"})
    assert refused.status_code == 400 and "low_income" in refused.json()


def test_a_students_daily_attendance_page_by_page(
    district, principal, other_school_principal, tiered, tmp_path
):
    record = import_file(district, write(tmp_path, "daily.csv", DAILY), as_of=date(2026, 10, 30))
    assert record.status == "succeeded", record.errors
    s4 = _sis(district, "S4")
    api = token_client(personal_token(principal, district))
    url, days = f"{API}/students/{s4}/attendance/?page_size=4", []
    while url:
        page = api.get(url).json()
        days += page["results"]
        url = page["next"]
    assert [d["date"] for d in days][:3] == ["2026-10-19", "2026-10-20", "2026-10-21"]
    assert len(days) == 9 and {d["school"] for d in days} == {tiered.pk}
    # Tardy (2), unexcused (4) and excused (3) as the absence calendar reads them.
    assert [d["category"] for d in days[2:6]] == [2, 1, 4, 3]
    late = api.get(f"{API}/students/{s4}/attendance/", {"first_day": "2026-10-27"}).json()
    assert [d["date"] for d in late["results"]] == ["2026-10-27", "2026-10-29", "2026-10-30"]
    with system_context(district, reason="test"):
        recorded = AuditEvent.objects.filter(path__contains="/attendance/")
        assert recorded.count() == 4 and all(e.object_ids == [s4] for e in recorded)
    bob = token_client(personal_token(other_school_principal, district))
    assert bob.get(f"{API}/students/{s4}/attendance/").status_code == 404


def test_the_rule_sets_are_the_rules_pages(district, district_admin, cabinet_member, tiered):
    api = token_client(personal_token(district_admin, district))
    rule_sets = api.get(f"{API}/rule-sets/").json()
    assert [(r["name"], r["is_primary"]) for r in rule_sets] == [("District definition", True)]
    assert rule_sets[0]["minimum_days_enrolled"] == district.minimum_days_enrolled
    carol = token_client(personal_token(cabinet_member, district))
    assert carol.get(f"{API}/rule-sets/").status_code == 403


def test_the_aggregates_are_the_dashboards_counts(district, cabinet_member, principal, tiered):
    api = token_client(personal_token(cabinet_member, district))
    found = api.get(f"{API}/aggregates/").json()
    assert found["snapshot"]["as_of"] == "2026-11-20"
    by_school = {row["label"]: row for row in found["schools"]}
    adams = by_school["Adams Elementary School"]
    # Adams now: 4 of 7 rated students are chronic (S8 is not yet rated).
    assert (adams["students"], adams["chronic"], adams["chronic_percent"]) == (8, 4, 57.1)
    assert found["district"]["students"] == 10
    grades = next(b for b in found["breakdowns"] if b["dimension"] == "grade")
    assert [g["label"] for g in grades["groups"]] == ["Grade 3", "Grade 4", "Grade 5"]
    with system_context(district, reason="test"):
        snapshot = selectors.current_snapshot(snapshots=Snapshot.objects.all())
        learners = Standing.objects.across_district(snapshot=snapshot).filter(
            student__english_learner=True
        )
        expected = learners.count()
    learner_rows = next(b for b in found["breakdowns"] if b["dimension"] == "english_learner")
    assert learner_rows["groups"][0]["label"] == "English learners"
    assert learner_rows["groups"][0]["students"] == expected
    pat = token_client(personal_token(principal, district))
    assert pat.get(f"{API}/aggregates/").status_code == 403
