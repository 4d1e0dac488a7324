from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from districts.services import school_year_create
from districts.tenancy import system_context

from ._common import describe, district_or_error


class Command(BaseCommand):
    help = "Adds a school year to a district: its label, first and last day, instructional days."

    def add_arguments(self, parser):
        parser.add_argument("district", help="District slug")
        parser.add_argument("label", help="For example 2026-27")
        parser.add_argument("--first-day", required=True, type=date.fromisoformat)
        parser.add_argument("--last-day", required=True, type=date.fromisoformat)
        parser.add_argument("--instructional-days", type=int, default=180)

    def handle(self, *args, **options):
        district = district_or_error(options["district"])
        try:
            with system_context(district, reason="command:add_school_year"):
                year = school_year_create(
                    district=district,
                    label=options["label"],
                    first_day=options["first_day"],
                    last_day=options["last_day"],
                    instructional_days=options["instructional_days"],
                )
        except ValidationError as error:
            raise CommandError(describe(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Added school year {year.label} to {district.name}."))
