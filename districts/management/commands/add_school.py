from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from districts.models import Grade
from districts.services import school_create
from districts.tenancy import system_context

from ._common import describe, district_or_error


class Command(BaseCommand):
    help = "Registers a school of a district under the code its SIS export uses."

    def add_arguments(self, parser):
        parser.add_argument("district", help="District slug")
        parser.add_argument("sis_code", help="The school's code in the SIS export")
        parser.add_argument("--name", required=True)
        parser.add_argument("--grades", required=True, help="Grade span, e.g. K-5, 6-8, PK-12")

    def handle(self, *args, **options):
        district = district_or_error(options["district"])
        try:
            low, high = (Grade.from_label(g) for g in options["grades"].split("-", 1))
        except ValueError as error:
            raise CommandError(f"--grades: {error}. Write a span such as K-5.") from None
        try:
            with system_context(district, reason="command:add_school"):
                school = school_create(
                    district=district,
                    sis_code=options["sis_code"],
                    name=options["name"],
                    low_grade=low,
                    high_grade=high,
                )
        except ValidationError as error:
            raise CommandError(describe(error)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Added {school.name} ({school.grade_span}) to {district.name}.")
        )
