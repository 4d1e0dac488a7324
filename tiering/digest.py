"""The principals' digest after a recompute: students per band, who became chronically absent,
who improved, and which of their schools have stale data. Built from the same reads as the
Tiering II pages (tiering.reports), so the digest and the pages never disagree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse

from districts.models import District, Membership, School
from districts.roles import Role
from districts.services import notification_send

from . import reports
from .bands import CHRONIC_BANDS, Band
from .models import AttendanceDay, AttendanceSummary, RecomputeRun, Snapshot, Standing, Student
from .selectors import BandRow

# The in-app digest names students; past this many a list ends with a link to the whole list.
NAMES_SHOWN = 25


@dataclass(frozen=True)
class SchoolDigest:
    school: School
    counts: BandRow
    newly_chronic: list[str]
    newly_chronic_count: int
    improved: list[str]
    improved_count: int
    freshness: reports.Freshness
    link: str

    @property
    def newly_chronic_more(self) -> int:
        return self.newly_chronic_count - len(self.newly_chronic)

    @property
    def improved_more(self) -> int:
        return self.improved_count - len(self.improved)


def _changes(*, district: District, snapshot: Snapshot, previous: Snapshot | None) -> dict:
    """Every school's students whose band changed since the previous snapshot, as
    {school_id: {"newly": [...], "improved": [...]}}, named and ordered as on the school page.
    One pass over the district instead of two list queries per school: a district of 960
    schools has 960 principals to write to. The rules are reports.ListChange's
    (tests/tiering/test_recompute.py checks the digest against the pages' lists)."""
    changes: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"newly": [], "improved": []})
    if previous is None:
        return changes
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT cur.school_id, cur.band, prev.band, st.first_name, st.last_name, st.sis_id
               FROM tiering_standing cur
               JOIN tiering_standing prev
                 ON prev.district_id = cur.district_id AND prev.snapshot_id = %(previous)s
                AND prev.student_id = cur.student_id AND prev.school_id = cur.school_id
               JOIN tiering_student st ON st.id = cur.student_id
              WHERE cur.district_id = %(district)s AND cur.snapshot_id = %(snapshot)s
                AND cur.school_id IS NOT NULL AND cur.band <> prev.band
              ORDER BY st.last_name, st.first_name, st.sis_id""",
            {"district": district.pk, "snapshot": snapshot.pk, "previous": previous.pk},
        )
        for school_id, band, previous_band, first, last, sis_id in cursor:
            name = str(Student(first_name=first, last_name=last, sis_id=sis_id))
            if band in CHRONIC_BANDS and previous_band in reports.NOT_CHRONIC:
                changes[school_id]["newly"].append(name)
            elif reports.is_worse(previous_band, band):
                changes[school_id]["improved"].append(name)
    return changes


def _band_rows(*, district: District, snapshot: Snapshot) -> dict[int, dict[Band, int]]:
    counts: dict[int, dict[Band, int]] = defaultdict(dict)
    rows = (
        Standing.objects.for_district(district)
        .filter(snapshot=snapshot, school__isnull=False)
        .order_by()
        .values_list("school_id", "band")
        .annotate(n=Count("pk"))
    )
    for school_id, band, n in rows:
        counts[school_id][Band(band)] = n
    return counts


def school_digests(
    *, district: District, snapshot: Snapshot, today: date
) -> dict[int, SchoolDigest]:
    """The digest of every school of the district, by school id."""
    previous = reports.previous_snapshot(
        snapshots=Snapshot.objects.for_district(district), snapshot=snapshot
    )
    changes = _changes(district=district, snapshot=snapshot, previous=previous)
    counts = _band_rows(district=district, snapshot=snapshot)
    digests = {}
    for freshness in reports.data_freshness(
        schools=School.objects.for_district(district),
        days=AttendanceDay.objects.for_district(district),
        summaries=AttendanceSummary.objects.for_district(district),
        today=today,
    ):
        school = freshness.school
        changed = changes.get(school.pk, {"newly": [], "improved": []})
        digests[school.pk] = SchoolDigest(
            school=school,
            counts=BandRow(school=school, counts=counts.get(school.pk, {})),
            newly_chronic=changed["newly"][:NAMES_SHOWN],
            newly_chronic_count=len(changed["newly"]),
            improved=changed["improved"][:NAMES_SHOWN],
            improved_count=len(changed["improved"]),
            freshness=freshness,
            link=reverse(
                "tiering:school", kwargs={"district_slug": district.slug, "school_id": school.pk}
            ),
        )
    return digests


def digests_send(*, district: District, run: RecomputeRun, snapshot: Snapshot, today: date) -> int:
    """Notifies every principal of the district about their own schools; returns how many
    were notified. Nothing is sent when the run's snapshot is not the one the pages show (an
    import of an earlier year's file): the digest would describe something nobody sees."""
    current = reports.current_snapshot(snapshots=Snapshot.objects.for_district(district))
    if current is None or current.pk != snapshot.pk:
        return 0
    previous = reports.previous_snapshot(
        snapshots=Snapshot.objects.for_district(district), snapshot=snapshot
    )
    principals = (
        Membership.objects.for_district(district)
        .filter(role=Role.PRINCIPAL, user__is_active=True)
        .select_related("user", "district")
        .prefetch_related("schools")
        .order_by("pk")
    )
    every_school = school_digests(district=district, snapshot=snapshot, today=today)
    sent = 0
    for membership in principals:
        schools = sorted(membership.schools.all(), key=lambda s: s.name)
        if not schools:
            continue
        digests = [every_school[s.pk] for s in schools]
        context = {
            "district": district,
            "snapshot": snapshot,
            "previous": previous,
            "digests": digests,
        }
        chronic = sum(d.counts.chronic for d in digests)
        newly = sum(d.newly_chronic_count for d in digests)
        subject = (
            f"Attendance digest as of {snapshot.as_of:%b %-d, %Y}: {chronic} chronically absent"
            + (f", {newly} newly" if previous else "")
            + f" — {', '.join(s.name for s in schools)}"
        )
        notified = notification_send(
            district=district,
            membership=membership,
            key=f"tiering:digest:{run.pk}",
            subject=subject,
            body=render_to_string("tiering/digest.txt", {**context, "with_names": True}),
            email_body=render_to_string("tiering/digest.txt", {**context, "with_names": False}),
            link=reverse("districts:notifications", kwargs={"district_slug": district.slug}),
        )
        sent += notified is not None
    return sent
