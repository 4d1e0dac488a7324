"""The principals' digest after a recompute: students per band, who became chronically absent,
who improved, and which of their schools have stale data. Built from the same reads as the
Tiering II pages (tiering.reports), so the digest and the pages never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.urls import reverse

from districts.models import District, Membership, School
from districts.roles import Role
from districts.services import notification_send

from . import reports
from .models import AttendanceDay, AttendanceSummary, RecomputeRun, Snapshot, Standing
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


def _names(rows) -> tuple[list[str], int]:
    rows = rows.order_by("student__last_name", "student__first_name", "student__sis_id")
    count = rows.count()
    return [str(standing.student) for standing in rows[:NAMES_SHOWN]], count


def school_digests(
    *, district: District, schools: list[School], snapshot: Snapshot, today: date
) -> list[SchoolDigest]:
    snapshots = Snapshot.objects.for_district(district)
    standings = Standing.objects.for_district(district)
    previous = reports.previous_snapshot(snapshots=snapshots, snapshot=snapshot)
    freshness = {
        f.school.pk: f
        for f in reports.data_freshness(
            schools=School.objects.for_district(district).filter(pk__in=[s.pk for s in schools]),
            days=AttendanceDay.objects.for_district(district),
            summaries=AttendanceSummary.objects.for_district(district),
            today=today,
        )
    }
    digests = []
    for school in schools:
        newly, newly_count, improved, improved_count = [], 0, [], 0
        if previous is not None:
            for change, into in (
                (reports.ListChange.NEWLY_CHRONIC, "newly"),
                (reports.ListChange.IMPROVED, "improved"),
            ):
                names, count = _names(
                    reports.tiered_students(
                        standings=standings,
                        snapshot=snapshot,
                        previous=previous,
                        school=school,
                        filters=reports.ListFilters(change=change),
                    )
                )
                if into == "newly":
                    newly, newly_count = names, count
                else:
                    improved, improved_count = names, count
        digests.append(
            SchoolDigest(
                school=school,
                counts=reports.band_counts(standings=standings, snapshot=snapshot, school=school),
                newly_chronic=newly,
                newly_chronic_count=newly_count,
                improved=improved,
                improved_count=improved_count,
                freshness=freshness[school.pk],
                link=reverse(
                    "tiering:school",
                    kwargs={"district_slug": district.slug, "school_id": school.pk},
                ),
            )
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
    sent = 0
    for membership in principals:
        schools = sorted(membership.schools.all(), key=lambda s: s.name)
        if not schools:
            continue
        digests = school_digests(district=district, schools=schools, snapshot=snapshot, today=today)
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
