from django.core.management.base import BaseCommand, CommandError

from districts.lifecycle import district_delete

from ._common import district_or_error


class Command(BaseCommand):
    help = (
        "Deletes a district and every row carrying its id, the accounts whose only role was "
        "in it, and its uploaded files (contract end). Export it first with export_district."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The district's slug, e.g. riverside")
        parser.add_argument(
            "--confirm",
            required=True,
            metavar="SLUG",
            help="The slug again: nothing is deleted unless it matches",
        )

    def handle(self, *args, **options):
        district = district_or_error(options["slug"])
        if options["confirm"] != district.slug:
            raise CommandError(
                f"--confirm {options['confirm']!r} does not match {district.slug!r}: nothing "
                "was deleted. Repeat the slug after --confirm to delete this district."
            )
        name = str(district)
        deleted = district_delete(district=district)
        for table, count in deleted.items():
            self.stdout.write(f"{table}: {count}")
        self.stdout.write(self.style.SUCCESS(f"Deleted {name} and {sum(deleted.values())} rows."))
