from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from districts.services import district_create

from ._common import describe


class Command(BaseCommand):
    help = "Registers a new district (tenant) for the people who run the service."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short name used in addresses, e.g. riverside-usd")
        parser.add_argument("--name", required=True, help="Full name of the district")
        parser.add_argument("--state", required=True, help="Two-letter state code, e.g. CA")
        parser.add_argument("--timezone", default="America/New_York")
        parser.add_argument(
            "--minimum-days",
            type=int,
            default=10,
            help="Days enrolled before a student is rated (default 10)",
        )
        parser.add_argument(
            "--school-year-start",
            default="08-01",
            help="Month and day the school year usually starts, MM-DD (default 08-01)",
        )

    def handle(self, *args, **options):
        try:
            month, day = (int(part) for part in options["school_year_start"].split("-"))
        except ValueError:
            raise CommandError("--school-year-start must look like 08-15 (month-day).") from None
        try:
            district = district_create(
                slug=options["slug"],
                name=options["name"],
                state=options["state"],
                timezone=options["timezone"],
                minimum_days_enrolled=options["minimum_days"],
                school_year_start_month=month,
                school_year_start_day=day,
            )
        except ValidationError as error:
            raise CommandError(describe(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {district.name} at /d/{district.slug}/ (id {district.pk})."
            )
        )
