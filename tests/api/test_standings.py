"""The standings and students over the API, on the hand-made district of tests/tiered.py:
the same figures as the tiered list, every row exactly once page after page, school roles
limited to their schools."""

from __future__ import annotations

from decimal import Decimal

from districts.models import AuditEvent
from districts.tenancy import system_context
from tiering.models import Student

from .tokens import personal_token, token_client

STANDINGS = "/api/v1/districts/riverside/standings/"


def _walk(api, url: str) -> list[dict]:
    rows, pages = [], 0
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        page = response.json()
        rows += page["results"]
        url, pages = page["next"], pages + 1
        assert pages < 50
    return rows


def _sis(district, sis_id: str) -> int:
    with system_context(district, reason="test"):
        return Student.objects.get(sis_id=sis_id).pk


def test_it_gives_each_students_figures_band_and_previous_band(district, principal, tiered):
    api = token_client(personal_token(principal, district))
    page = api.get(STANDINGS, {"school": tiered.pk}).json()
    by_id = {row["student"]["sis_id"]: row for row in page["results"]}
    assert sorted(by_id) == ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"]
    s5, s7 = by_id["S5"], by_id["S7"]
    assert (s5["days_enrolled"], s5["days_absent"]) == ("40.00", "22.00")
    assert Decimal(s5["percent_missed"]) == Decimal("55.0")
    assert (s5["band"], s5["previous_band"]) == ("extreme_chronic", "severe_chronic")
    assert (s7["band"], s7["previous_band"]) == ("satisfactory", "severe_chronic")
    assert page["snapshot"]["as_of"] == "2026-11-20"


def test_cursor_pages_walk_every_row_exactly_once(district, district_admin, tiered):
    api = token_client(personal_token(district_admin, district))
    whole = api.get(STANDINGS, {"page_size": 1000}).json()["results"]
    walked = _walk(api, f"{STANDINGS}?page_size=3")
    assert len(walked) == len(whole) == 10
    assert [r["id"] for r in walked] == [r["id"] for r in whole]
    assert len({r["id"] for r in walked}) == 10
    # And back: the second page's "previous" is the first page again.
    first = api.get(f"{STANDINGS}?page_size=3").json()
    second = api.get(first["next"]).json()
    back = api.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]


def test_a_schools_severe_and_extreme_students_page_by_page(district, cabinet_member, tiered):
    api = token_client(personal_token(cabinet_member, district))
    rows = _walk(
        api,
        f"{STANDINGS}?school={tiered.pk}&band=severe_chronic&band=extreme_chronic&page_size=1",
    )
    assert sorted((r["student"]["sis_id"], r["band"]) for r in rows) == [
        ("S4", "severe_chronic"),
        ("S5", "extreme_chronic"),
    ]
    grade_4 = _walk(api, f"{STANDINGS}?school={tiered.pk}&grade=4&band=chronic")
    assert sorted(r["student"]["sis_id"] for r in grade_4) == ["S5", "S6"]


def test_a_school_role_reads_only_its_schools(district, principal, other_school_principal, tiered):
    pat = token_client(personal_token(principal, district))
    ids = {r["student"]["sis_id"] for r in _walk(pat, STANDINGS)}
    assert ids == {f"S{n}" for n in range(1, 9)}
    bob = token_client(personal_token(other_school_principal, district))
    assert {r["student"]["sis_id"] for r in _walk(bob, STANDINGS)} == {"S9", "S10"}
    assert bob.get(STANDINGS, {"school": tiered.pk}).status_code == 404
    assert bob.get(f"/api/v1/districts/riverside/students/{_sis(district, 'S1')}/").status_code == (
        404
    )


def test_a_students_band_history(district, principal, tiered):
    api = token_client(personal_token(principal, district))
    student = api.get(f"/api/v1/districts/riverside/students/{_sis(district, 'S5')}/").json()
    assert student["sis_id"] == "S5" and student["first_name"] == "Ed"
    assert [h["band"] for h in student["band_history"]][:2] == [
        "extreme_chronic",
        "severe_chronic",
    ]
    with system_context(district, reason="test"):
        event = AuditEvent.objects.filter(path__contains="/students/").get()
    assert event.object_ids == [_sis(district, "S5")] and event.api_token


def test_every_page_of_student_rows_is_recorded(district, district_admin, tiered):
    api = token_client(personal_token(district_admin, district))
    _walk(api, f"{STANDINGS}?page_size=4")
    with system_context(district, reason="test"):
        events = list(AuditEvent.objects.order_by("pk"))
    assert [e.row_count for e in events] == [4, 4, 2]
    assert len({i for e in events for i in e.object_ids}) == 10


def test_the_session_works_with_csrf(client, district, principal, tiered):
    client.force_login(principal)
    assert client.get(f"{STANDINGS}?school={tiered.pk}").status_code == 200
