"""The principals' digest: students per band, who became chronically absent, who improved, and
which of their schools have stale data, since the previous digest. Built from the same reads as
the Tiering II pages (tiering.selectors), so the digest and the pages never disagree.

A digest goes out with the district's scheduled (biweekly) recompute, or when an administrator
sends it now; an import or a recompute started by hand only tells principals in the app, with
no email, that newer attendance is in (``updates_notify``): a morning of imports must not
mail six digests, one of them describing a half-imported file."""

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

from . import selectors
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
    freshness: selectors.Freshness
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
    schools has 960 principals to write to. The rules are selectors.ListChange's
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
                AND prev.reporting_year = %(previous_year)s
                AND prev.student_id = cur.student_id AND prev.school_id = cur.school_id
               JOIN tiering_student st ON st.id = cur.student_id
              WHERE cur.district_id = %(district)s AND cur.snapshot_id = %(snapshot)s
                AND cur.reporting_year = %(year)s
                AND cur.school_id IS NOT NULL AND cur.band <> prev.band
              ORDER BY st.last_name, st.first_name, st.sis_id""",
            # Each snapshot's reporting year: its standings' partition, the one read.
            {
                "district": district.pk,
                "snapshot": snapshot.pk,
                "year": snapshot.reporting_year,
                "previous": previous.pk,
                "previous_year": previous.reporting_year,
            },
        )
        for school_id, band, previous_band, first, last, sis_id in cursor:
            name = str(Student(first_name=first, last_name=last, sis_id=sis_id))
            if band in CHRONIC_BANDS and previous_band in selectors.NOT_CHRONIC:
                changes[school_id]["newly"].append(name)
            elif selectors.is_worse(previous_band, band):
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


def compared_with(*, district: District, snapshot: Snapshot) -> tuple[Snapshot | None, bool]:
    """What a digest of ``snapshot`` compares with: the snapshot the previous digest described,
    so that two digests in a row account for every change between them; for the first digest
    of a school year (or of a rule set), the review point before this one. The flag says which
    of the two it is."""
    earlier = (
        RecomputeRun.objects.for_district(district)
        .filter(
            digest_snapshot__rule_set_id=snapshot.rule_set_id,
            digest_snapshot__school_year_id=snapshot.school_year_id,
            digest_snapshot__as_of__lte=snapshot.as_of,
        )
        .select_related("digest_snapshot__rule_set", "digest_snapshot__school_year")
        .order_by("-finished_at", "-pk")
        .first()
    )
    if earlier is not None:
        return earlier.digest_snapshot, True
    previous = selectors.previous_snapshot(
        snapshots=Snapshot.objects.for_district(district), snapshot=snapshot
    )
    return previous, False


def school_digests(
    *, district: District, snapshot: Snapshot, previous: Snapshot | None, today: date
) -> dict[int, SchoolDigest]:
    """The digest of every school of the district, by school id, compared with ``previous``."""
    changes = _changes(district=district, snapshot=snapshot, previous=previous)
    counts = _band_rows(district=district, snapshot=snapshot)
    digests = {}
    for freshness in selectors.data_freshness(
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


def _principals(district: District) -> list[tuple[Membership, list[School]]]:
    """Each active principal of the district with their schools, by name."""
    memberships = (
        Membership.objects.for_district(district)
        .filter(role=Role.PRINCIPAL, user__is_active=True)
        .select_related("user", "district")
        .prefetch_related("schools")
        .order_by("pk")
    )
    return [
        (m, sorted(m.schools.all(), key=lambda s: s.name)) for m in memberships if m.schools.all()
    ]


def digests_send(*, district: District, run: RecomputeRun, snapshot: Snapshot, today: date) -> int:
    """Notifies every principal of the district about their own schools, compared with the
    previous digest (``compared_with``); returns how many were notified and records the
    snapshot on the run for the next digest to compare with. Nothing is sent when the snapshot
    is not the one the pages show (an import of an earlier year's file): the digest would
    describe something nobody sees."""
    current = selectors.current_snapshot(snapshots=Snapshot.objects.for_district(district))
    if current is None or current.pk != snapshot.pk:
        return 0
    previous, previous_is_digest = compared_with(district=district, snapshot=snapshot)
    run.digest_snapshot = snapshot
    every_school = school_digests(
        district=district, snapshot=snapshot, previous=previous, today=today
    )
    sent = 0
    for membership, schools in _principals(district):
        digests = [every_school[s.pk] for s in schools]
        context = {
            "district": district,
            "snapshot": snapshot,
            "previous": previous,
            "previous_is_digest": previous_is_digest,
            "digests": digests,
        }
        chronic = sum(d.counts.chronic for d in digests)
        newly = sum(d.newly_chronic_count for d in digests)
        since = f" (since {previous.as_of:%b %-d, %Y})" if previous else ""
        subject = (
            f"Attendance digest as of {snapshot.as_of:%b %-d, %Y}{since}: "
            f"{chronic} chronically absent"
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


def updates_notify(
    *, district: District, run: RecomputeRun, snapshot: Snapshot, next_digest: date
) -> int:
    """Tells every principal in the app, without email, that the pages show newer attendance
    after an import or a recompute started by hand; returns how many were told. Once per
    review date: importing several files for the same date tells each principal once."""
    current = selectors.current_snapshot(snapshots=Snapshot.objects.for_district(district))
    if current is None or current.pk != snapshot.pk:
        return 0
    told = 0
    for membership, schools in _principals(district):
        link = reverse(
            "tiering:school", kwargs={"district_slug": district.slug, "school_id": schools[0].pk}
        )
        told += (
            notification_send(
                district=district,
                membership=membership,
                key=f"tiering:updated:{snapshot.as_of:%Y-%m-%d}",
                subject=f"Attendance updated to {snapshot.as_of:%b %-d, %Y}",
                body=(
                    f"{run.get_trigger_display()}: the pages of "
                    f"{', '.join(s.name for s in schools)} now show attendance as of "
                    f"{snapshot.as_of:%b %-d, %Y}. Your next digest, with what changed, comes "
                    f"with the scheduled recompute on {next_digest:%b %-d, %Y}."
                ),
                email_body="",
                link=link,
                email=False,
            )
            is not None
        )
    return told
