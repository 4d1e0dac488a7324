import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from districts.management.commands._common import district_or_error
from districts.tenancy import system_context

from ... import readers, selectors, services, tasks
from ...headers import Kind
from ...models import (
    AttendanceImport,
    Coverage,
    DailyMode,
    ImportSource,
    ImportStatus,
    Snapshot,
    Standing,
)

REASON = "command:import_attendance"


class Command(BaseCommand):
    help = (
        "Imports an SIS export (per-student summary, daily attendance or roster; CSV or XLSX) "
        "for a district and prints what it changed per school and the resulting snapshot: "
        "students per band for the district and each school. A file that leaves out students "
        "the district already has at its schools needs --partial or --complete."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--district", required=True, help="District slug")
        parser.add_argument("--kind", type=Kind, choices=list(Kind), help="Default: detected")
        parser.add_argument(
            "--create-schools",
            action="store_true",
            help="Register the schools the file names (a district's first load)",
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="A daily file of new days only (default: year-to-date, replacing its dates)",
        )
        parser.add_argument(
            "--as-of", type=date.fromisoformat, help="Date a summary file's totals run to"
        )
        coverage = parser.add_mutually_exclusive_group()
        coverage.add_argument(
            "--partial",
            dest="coverage",
            action="store_const",
            const=Coverage.PARTIAL,
            help="Update only the students in this file (students it leaves out keep theirs)",
        )
        coverage.add_argument(
            "--complete",
            dest="coverage",
            action="store_const",
            const=Coverage.COMPLETE,
            help="This file is complete for its schools: students the district has there whom "
            "it leaves out are no longer enrolled there",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        district = district_or_error(options["district"])
        # The same limits as an upload, from the same settings: an operator loading a larger
        # file on purpose raises IMPORT_MAX_UPLOAD_MB for this one run, so no flag is needed.
        # Run here rather than through a worker: a nightly SIS drop wants its outcome and exit
        # status from this command. It runs in transactions of its own, so the file's record
        # says how it ended even when something other than the file stopped it.
        try:
            record = tasks.attendance_import_now(
                district=district,
                path=path,
                reason=REASON,
                kind=options["kind"],
                daily_mode=DailyMode.APPEND if options["append"] else DailyMode.REPLACE,
                as_of=options["as_of"],
                create_schools=options["create_schools"],
                source=ImportSource.COMMAND,
                # Without a choice the file is checked first, and imported only if it
                # leaves out no one the district has at its schools.
                coverage=options["coverage"],
            )
        except readers.ImportValidationError as refused:
            if options["json"]:
                self.stdout.write(json.dumps(_refusal_report(path.name, refused)))
            raise CommandError(str(refused)) from None
        if record.status == ImportStatus.PREVIEWED:
            record = self._go_ahead(record, district, options)
        with system_context(district, reason=REASON):
            report = _report(record, district)
        if options["json"]:
            self.stdout.write(json.dumps(report))
        else:
            self._print(report)
        if record.status not in {ImportStatus.SUCCEEDED, ImportStatus.DUPLICATE}:
            raise CommandError(f"{record.filename}: {record.outcome}.")

    def _go_ahead(self, record: AttendanceImport, district, options) -> AttendanceImport:
        """Imports a checked file that leaves no one out; refuses, forgetting it, one that
        does, since only the operator can say what it means for the students it leaves out."""
        if record.preview["asks"]:
            with system_context(district, reason=REASON):
                report = _report(record, district)
                services.attendance_import_discard(attendance_import=record)
            report |= {"status": "refused", "status_label": "Refused"}
            report["message"] = message = (
                f"{record.filename}: not imported, nothing was changed. It leaves out "
                f"{record.preview['not_mentioned']:,} students the district already has at its "
                "schools. Import it again with --partial to update only the students in this "
                "file, or with --complete if it is complete for its schools (the others are no "
                "longer enrolled there)."
            )
            if options["json"]:
                self.stdout.write(json.dumps(report))
            else:
                self._print_preview(report)
            raise CommandError(message)
        with system_context(district, reason=REASON):
            confirmed = services.attendance_import_confirm(
                attendance_import=record, coverage=Coverage.PARTIAL
            )
        return tasks.attendance_import_run_now(attendance_import=confirmed, reason=REASON)

    def _print_preview(self, report: dict) -> None:
        write = self.stdout.write
        write(
            f"{'School':<40}{'In the file':>12}{'New':>8}{'Updated':>9}"
            f"{'Already known, not in the file':>32}"
        )
        for school in report["preview"].get("schools", []):
            name = f"{school['name'] or 'New school'} ({school['code']})"
            write(
                f"{name[:39]:<40}{school['in_file']:>12,}{school['new']:>8,}"
                f"{school['updated']:>9,}{school['not_mentioned']:>32,}"
            )

    def _print(self, report: dict) -> None:
        write = self.stdout.write
        write(f"{report['file']}: {report['status_label']} — {report['message']}")
        if report["preview"]:
            self._print_preview(report)
        for error in report["errors"]:
            write(
                f"  row {error['row']}, {error['column'] or 'file'}: {error['reason']}"
                f"{' (' + error['value'] + ')' if error['value'] else ''}"
            )
        for snapshot in report["snapshots"]:
            write("")
            write(f"{snapshot['rule_set']} — as of {snapshot['as_of']} ({snapshot['school_year']})")
            labels = snapshot["bands"]
            write(
                f"{'':<40}"
                + "".join(f"{label[:14]:>16}" for label in labels)
                + f"{'Total':>8}{'Chronic %':>11}"
            )
            for row in snapshot["rows"]:
                chronic = "—" if row["chronic_percent"] is None else f"{row['chronic_percent']}%"
                write(
                    f"{row['name'][:39]:<40}"
                    + "".join(f"{row['counts'][label]:>16,}" for label in labels)
                    + f"{row['total']:>8,}{chronic:>11}"
                )


def _refusal_report(filename: str, refused: readers.ImportValidationError) -> dict:
    return {
        "file": filename,
        "status": "refused",
        "status_label": "Refused",
        "message": str(refused),
        "kind": "",
        "rows_read": 0,
        "rows_imported": 0,
        "error_count": len(refused.errors),
        "errors": [error.as_json() for error in refused.errors],
        "snapshots": [],
        "preview": {},
    }


def _report(record: AttendanceImport, district) -> dict:
    snapshots = Snapshot.objects.for_district(district).filter(source_import=record)
    if record.status == ImportStatus.DUPLICATE:
        snapshots = Snapshot.objects.for_district(district).filter(
            source_import=record.duplicate_of
        )
    standings = Standing.objects.for_district(district)
    result = []
    for snapshot in selectors.current_snapshots(snapshots=snapshots):
        rows = selectors.band_table(snapshot=snapshot, standings=standings)
        result.append(
            {
                "rule_set": snapshot.rule_set.name,
                "as_of": snapshot.as_of.isoformat(),
                "school_year": snapshot.school_year.label,
                "bands": [band.label for band, _ in rows[0].cells()] if rows else [],
                "rows": [
                    {
                        "name": row.school.name if row.school else f"{district.name} (district)",
                        "school_code": row.school.sis_code if row.school else None,
                        "counts": {band.label: n for band, n in row.cells()},
                        "total": row.total,
                        "chronic_percent": row.chronic_percent,
                    }
                    for row in rows
                ],
            }
        )
    return {
        "file": record.filename,
        "status": record.status,
        "status_label": record.outcome,
        "message": record.message,
        "kind": record.kind,
        "rows_read": record.rows_read,
        "rows_imported": record.rows_imported,
        "error_count": record.error_count,
        "errors": record.errors,
        "coverage": record.coverage,
        "preview": record.preview,
        "snapshots": result,
    }
