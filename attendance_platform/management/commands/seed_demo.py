"""Creates (or brings up to date) the demo district, one login per role, and its SIS export,
imported through the real import path so the demo opens with real bands; then the two smaller
districts of the demo workshop, through the same generator and import path, each with its
administrator's login.

It sits in the project package rather than an app because it assembles every app's demo data.
Running it again changes nothing: every step looks for what exists before creating it, and the
generator writes byte-identical files for the same seed and date.
"""

from __future__ import annotations

import hashlib
import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from districts.models import District, Grade, School, SchoolYear, User
from districts.roles import SCHOOL_ROLES, Role
from districts.services import (
    district_create,
    membership_grant,
    school_create,
    school_year_create,
    user_create,
)
from districts.tenancy import system_context
from partners.demo import seed_demo_partners
from pdsa.demo import seed_demo_cycles, write_two_by_ten_days
from pdsa.tasks import refresh_studies
from selfassessment.demo import seed_demo_assessments
from support.demo import seed_demo_support
from tiering import snapshots, synthetic, tasks
from tiering.headers import Kind
from tiering.models import AttendanceImport, ImportSource, ImportStatus, Snapshot
from workshops.demo import seed_demo_workshop

DEMO_SLUG = "cedar-valley"
DEMO_NAME = "Cedar Valley Unified School District"
DEMO_TIMEZONE = "America/Los_Angeles"
# The demo runs on a laptop with made-up people; its shared password is printed on purpose.
DEMO_PASSWORD = "attendance-demo"  # noqa: S105
DEMO_SEED = 2026
REVIEW_EVERY_SCHOOL_DAYS = 10

# (email, name, role); school roles get the demo's first school.
DEMO_PEOPLE: tuple[tuple[str, str, Role | None], ...] = (
    ("admin@cedarvalley.example", "Dana Ortiz", Role.DISTRICT_ADMIN),
    ("cabinet@cedarvalley.example", "Marcus Lee", Role.CABINET_MEMBER),
    ("principal@cedarvalley.example", "Grace Whitfield", Role.PRINCIPAL),
    ("team@cedarvalley.example", "Luis Herrera", Role.SCHOOL_TEAM),
    ("partner@cedarvalley.example", "Amara Okafor", Role.PARTNER_STAFF),
    ("facilitator@cedarvalley.example", "Jordan Blake", None),
)

ADMIN_LOGIN = DEMO_PEOPLE[0][0]
FACILITATOR_LOGIN = DEMO_PEOPLE[-1][0]


@dataclass(frozen=True)
class Neighbour:
    """Another district of the demo workshop, a share of the demo district's size."""

    slug: str
    name: str
    share: float
    seed: int
    admin: tuple[str, str]


# Two other sizes for the cohort's like-sized groups (600 and 1,500 students beside the demo
# district's 2,400 by default); kept small, as the demo is seeded on a laptop.
NEIGHBOURS = (
    Neighbour(
        "pine-ridge",
        "Pine Ridge School District",
        0.25,
        DEMO_SEED + 1,
        ("admin@pineridge.example", "Sam Whitehorse"),
    ),
    Neighbour(
        "harbor-point",
        "Harbor Point School District",
        0.625,
        DEMO_SEED + 2,
        ("admin@harborpoint.example", "Priya Raman"),
    ),
)


def demo_school_year_start(as_of: date) -> date:
    """The Monday on or after August 17 that opens the school year containing `as_of`."""
    for year in (as_of.year, as_of.year - 1):
        opening = date(year, 8, 17)
        opening += timedelta(days=(7 - opening.weekday()) % 7)
        if opening <= as_of:
            return opening
    raise AssertionError("unreachable: last year's opening is always before as_of")


class Command(BaseCommand):
    help = "Creates the demo district with one login per role and writes its SIS export files."

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=2400)
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            help="Date the attendance data runs to (default: today in the district)",
        )
        parser.add_argument(
            "--output",
            type=Path,
            help="Folder for the SIS export files (default: the media folder's demo/sis-export)",
        )

    def handle(self, *args, **options):
        as_of = options["as_of"] or timezone.localdate(timezone=zoneinfo.ZoneInfo(DEMO_TIMEZONE))
        output = options["output"] or Path(settings.MEDIA_ROOT) / "demo" / "sis-export"
        output.mkdir(parents=True, exist_ok=True)  # last year's files are written before the export
        calendar = synthetic.school_calendar(first_day=demo_school_year_start(as_of))
        last_calendar = synthetic.school_calendar(
            first_day=demo_school_year_start(calendar.first_day - timedelta(days=1))
        )
        generated = synthetic.generate_district(
            seed=DEMO_SEED,
            students=options["students"],
            first_day=calendar.first_day,
            through=min(as_of, calendar.last_day),
        )
        # The same schools and students last year, with that year's own attendance, so pages
        # can compare with the same point of last school year.
        last_year = synthetic.generate_district(
            seed=DEMO_SEED,
            students=options["students"],
            first_day=last_calendar.first_day,
            variant=1,
        )
        with transaction.atomic():
            district = self._district(DEMO_SLUG, DEMO_NAME)
            with system_context(district, reason="command:seed_demo"):
                last_school_year = self._school_year(district, last_calendar)
                year = self._school_year(district, calendar)
                schools = [self._school(district, spec) for spec in generated.schools]
                people = [self._person(district, schools[0], *p) for p in DEMO_PEOPLE]
                seed_demo_partners(district=district, as_of=as_of)
                seed_demo_assessments(district=district, school_year=year.label)
        last_label = last_school_year.label.replace("–", "-")
        imports = [
            self._import(
                district,
                synthetic.write_roster_csv(last_year, output / f"roster-{last_label}.csv"),
                Kind.ROSTER,
            ),
            self._import(
                district,
                synthetic.write_daily_csv(last_year, output / f"daily_attendance-{last_label}.csv"),
                Kind.DAILY,
            ),
        ]
        self._review_points(district, last_calendar, through=last_calendar.last_day)
        files = synthetic.write_export(generated, output)
        imports += [
            self._import(district, files.roster, Kind.ROSTER),
            self._import(district, files.daily, Kind.DAILY),
        ]
        self._review_points(district, calendar, through=generated.through)
        with system_context(district, reason="command:seed_demo"):
            # The Severe and Extreme students of the current snapshot: after the imports.
            supported = seed_demo_support(district=district, school=schools[0], as_of=as_of)
            # A cycle's participants are chosen by their band now, too.
            seed_demo_cycles(district=district, as_of=generated.through)
            # The 2x10 students' days from the test on: better than before it.
            study_days = write_two_by_ten_days(
                district=district, path=output / "demo-2x10-attendance.csv"
            )
        if study_days is not None:
            imports.append(self._import(district, study_days, Kind.DAILY))
        # Each cycle's Study, as the worker computes it after an import.
        refresh_studies(district_id=district.pk)
        neighbours = [
            self._neighbour(
                neighbour,
                students=max(1, round(options["students"] * neighbour.share)),
                output=output,
                calendars=(last_calendar, calendar),
                through=generated.through,
            )
            for neighbour in NEIGHBOURS
        ]
        workshop = seed_demo_workshop(
            districts=[(district, User.objects.get(email=ADMIN_LOGIN))]
            + [
                (d, User.objects.get(email=n.admin[0]))
                for n, d in zip(NEIGHBOURS, neighbours, strict=True)
            ],
            facilitator=User.objects.get(email=FACILITATOR_LOGIN),
            as_of=generated.through,
        )
        self._report(district, year, schools, generated, files, people, imports)
        if supported:
            self.stdout.write(f"  Support records for {supported} students at {schools[0].name}")
        for neighbour, other in zip(NEIGHBOURS, neighbours, strict=True):
            self.stdout.write(
                f"  {other.name} (/d/{other.slug}/): {neighbour.admin[0]} (District administrator)"
            )
        self.stdout.write(
            f"  Workshop: {workshop.title} (/workshops/{workshop.pk}/), run by "
            f"{FACILITATOR_LOGIN}: {district.name} accepted, shown to the others as District A; "
            f"{neighbours[0].name} accepted, named; {neighbours[1].name} has not answered yet"
        )

    def _neighbour(
        self, neighbour: Neighbour, *, students: int, output: Path, calendars, through: date
    ) -> District:
        """A smaller district: this year and last through the import path, its administrator,
        and two snapshots (now and the same point of last year), which its packet compares."""
        last_calendar, calendar = calendars
        generated = synthetic.generate_district(
            seed=neighbour.seed, students=students, first_day=calendar.first_day, through=through
        )
        last_year = synthetic.generate_district(
            seed=neighbour.seed, students=students, first_day=last_calendar.first_day, variant=1
        )
        district = self._district(neighbour.slug, neighbour.name)
        with system_context(district, reason="command:seed_demo"):
            self._school_year(district, last_calendar)
            self._school_year(district, calendar)
            schools = [self._school(district, spec) for spec in generated.schools]
            email, name = neighbour.admin
            self._person(district, schools[0], email, name, Role.DISTRICT_ADMIN)
        for year, label in ((last_year, "last-year"), (generated, "this-year")):
            stem = f"{neighbour.slug}-{label}"
            roster = synthetic.write_roster_csv(year, output / f"{stem}-roster.csv")
            daily = synthetic.write_daily_csv(year, output / f"{stem}-daily_attendance.csv")
            self._import(district, roster, Kind.ROSTER)
            self._import(district, daily, Kind.DAILY)
        same_point = last_calendar.first_day + (through - calendar.first_day)
        last_days = [d for d in last_calendar.instructional_days if d <= same_point]
        with system_context(district, reason="command:seed_demo"):
            taken = set(Snapshot.objects.for_district(district).values_list("as_of", flat=True))
            for point in sorted({last_days[-1], through} - taken):
                snapshots.snapshots_take(district=district, as_of=point)
        return district

    def _review_points(self, district: District, calendar, *, through: date) -> None:
        """A snapshot every two weeks of school, as a team reviewing its data every two weeks
        would have had, from the daily records already imported."""
        days = [day for day in calendar.instructional_days if day <= through]
        points = days[REVIEW_EVERY_SCHOOL_DAYS - 1 :: REVIEW_EVERY_SCHOOL_DAYS] + days[-1:]
        with system_context(district, reason="command:seed_demo"):
            taken = set(Snapshot.objects.for_district(district).values_list("as_of", flat=True))
            for point in sorted(set(points) - taken):
                snapshots.snapshots_take(district=district, as_of=point)

    def _import(self, district: District, path: Path, kind: Kind) -> AttendanceImport:
        """Through the real import path, once per file content: a file already imported is
        not recorded again, so a second run changes nothing."""
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with system_context(district, reason="command:seed_demo"):
            done = AttendanceImport.objects.for_district(district).filter(
                sha256=digest, status=ImportStatus.SUCCEEDED
            )
            if done.exists():
                return done.get()
        record = tasks.attendance_import_now(
            district=district,
            path=path,
            reason="command:seed_demo",
            kind=kind,
            source=ImportSource.DEMO,
        )
        if record.status != ImportStatus.SUCCEEDED:
            raise CommandError(f"The demo's {path.name} did not import: {record.message}")
        return record

    def _district(self, slug: str, name: str) -> District:
        return District.objects.filter(slug=slug).first() or district_create(
            slug=slug, name=name, state="CA", timezone=DEMO_TIMEZONE
        )

    def _school_year(self, district: District, calendar) -> SchoolYear:
        label = f"{calendar.first_day.year}–{str(calendar.first_day.year + 1)[2:]}"
        return SchoolYear.objects.for_district(district).filter(
            label=label
        ).first() or school_year_create(
            district=district,
            label=label,
            first_day=calendar.first_day,
            last_day=calendar.last_day,
            instructional_days=len(calendar.instructional_days),
        )

    def _school(self, district: District, spec) -> School:
        return School.objects.for_district(district).filter(
            sis_code=spec.sis_code
        ).first() or school_create(
            district=district,
            sis_code=spec.sis_code,
            name=spec.name,
            low_grade=Grade.from_label(spec.low_grade),
            high_grade=Grade.from_label(spec.high_grade),
        )

    def _person(self, district, school, email, name, role) -> tuple[str, str]:
        user = User.objects.filter(email=email).first() or user_create(
            email=email, password=DEMO_PASSWORD, full_name=name, is_facilitator=role is None
        )
        if role is not None:
            membership_grant(
                district=district,
                user=user,
                role=role,
                schools=[school] if role in SCHOOL_ROLES else [],
            )
        label = role.label if role else "Workshop facilitator"
        return label, email

    def _report(self, district, year, schools, generated, files, people, imports) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS(f"Demo district: {district.name} (/d/{district.slug}/)"))
        write(
            f"  School year {year.label}; attendance through {generated.through:%b %-d, %Y}; "
            f"{len(schools)} schools; {len(generated.roster):,} students"
        )
        write(f"  SIS export files: {files.roster.parent}")
        for path in (files.roster, files.daily, files.summary):
            write(f"    {path.name}")
        for record in imports:
            write(f"  Imported {record.filename}: {record.rows_imported:,} rows")
        write("")
        write(f"Sign in at http://127.0.0.1:8000/ — every demo login's password is {DEMO_PASSWORD}")
        for label, email in people:
            write(f"  {label:<32} {email}")
        write(f"  (the principal and the school team work at {schools[0].name})")
