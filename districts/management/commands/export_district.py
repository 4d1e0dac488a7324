from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from districts.lifecycle import district_export

from ._common import district_or_error


class Command(BaseCommand):
    help = (
        "Exports everything a district holds (every table's rows, its people, its uploaded "
        "files) into one zip, e.g. to hand it back at contract end."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The district's slug, e.g. riverside")
        parser.add_argument("--output", required=True, help="Path of the zip file to write")

    def handle(self, *args, **options):
        district = district_or_error(options["slug"])
        path = Path(options["output"])
        if path.exists():
            raise CommandError(f"{path} exists already: name a new file, or move that one away.")
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist: create it first.")
        counts = district_export(district=district, path=path)
        for table, count in counts.items():
            self.stdout.write(f"{table}: {count}")
        self.stdout.write(
            self.style.SUCCESS(f"Exported {sum(counts.values())} rows of {district} to {path}.")
        )
