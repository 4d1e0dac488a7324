"""Everything that changes tiering state: attendance codes, rule sets, imports, snapshots."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg2
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from districts.models import ApiToken, District, Grade, SchoolYear, User
from districts.tenancy import require_working_for, system_context

from . import ingest, progress, readers, recompute, selectors, snapshots
from .headers import Kind, Recognition
from .models import (
    DEFAULT_ATTENDANCE_CODES,
    PRIMARY_RULE_SET_NAME,
    AttendanceCategory,
    AttendanceCode,
    AttendanceImport,
    Coverage,
    DailyMode,
    ImportProfile,
    ImportSource,
    ImportStatus,
    RuleSet,
)

logger = logging.getLogger(__name__)

log = logging.getLogger(__name__)


def upload_limits() -> readers.UploadLimits:
    """What an import accepts, from settings (read on each call, so tests can change them)."""
    return readers.UploadLimits(
        max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES,
        xlsx_max_unpacked_bytes=settings.IMPORT_XLSX_MAX_UNPACKED_BYTES,
        xlsx_max_ratio=settings.IMPORT_XLSX_MAX_RATIO,
        xlsx_max_members=settings.IMPORT_XLSX_MAX_MEMBERS,
        xlsx_max_sheets=settings.IMPORT_XLSX_MAX_SHEETS,
        xlsx_max_rows=settings.IMPORT_XLSX_MAX_ROWS,
        xlsx_max_columns=settings.IMPORT_XLSX_MAX_COLUMNS,
        xlsx_max_cells=settings.IMPORT_XLSX_MAX_CELLS,
    )


def attendance_codes_ensure_defaults(*, district: District) -> None:
    require_working_for(district)
    AttendanceCode.objects.bulk_create(
        [
            AttendanceCode(district=district, code=code, category=category)
            for code, category in DEFAULT_ATTENDANCE_CODES
        ],
        ignore_conflicts=True,
    )


def rule_set_primary(*, district: District) -> RuleSet:
    """The district's own rule set, created from its onboarding minimum on first use."""
    require_working_for(district)
    rule_set, _ = RuleSet.objects.get_or_create(
        district=district,
        is_primary=True,
        defaults={
            "name": PRIMARY_RULE_SET_NAME,
            "minimum_days_enrolled": district.minimum_days_enrolled,
        },
    )
    return rule_set


@transaction.atomic
def attendance_import_create(
    *,
    district: District,
    uploaded_by: User | None,
    upload,
    kind: Kind | None = None,
    daily_mode: DailyMode = DailyMode.REPLACE,
    as_of: date | None = None,
    create_schools: bool = False,
    source: ImportSource = ImportSource.UPLOAD,
    coverage: Coverage | None = Coverage.PARTIAL,
    api_token: ApiToken | None = None,
) -> AttendanceImport:
    """Keeps the uploaded file under a generated name and records its import, queued for
    whoever runs it (tasks.py); a file whose content was already imported is recorded as a
    duplicate and not imported again.

    ``coverage`` says what the file means for students the district has at its schools whom
    it leaves out. None queues a check instead: the file is read and checked, and what it would
    change is kept as the import's preview with nothing written, until someone confirms it
    (attendance_import_confirm) with their choice.

    A file past the upload limits, or that is not a CSV file or an Excel workbook by its
    content, raises ``readers.ImportValidationError`` and leaves nothing behind: no record,
    no stored file."""
    require_working_for(district)
    limits = upload_limits()
    filename = Path(upload.name).name[:255]
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(district.pk)
    stored = folder / uuid.uuid4().hex
    digest = hashlib.sha256()
    size = 0
    try:
        # The size the upload reports (for one past the limit, the upload handler kept none of
        # it), then the bytes actually copied, in case a file grows while it is read.
        readers.check_size(upload.size, filename=filename, limits=limits)
        folder.mkdir(parents=True, exist_ok=True)
        with stored.open("wb") as out:
            for block in upload.chunks():
                digest.update(block)
                size += len(block)
                readers.check_size(size, filename=filename, limits=limits)
                out.write(block)
        readers.check_upload(stored, filename=filename, limits=limits)
    except readers.ImportValidationError as refused:
        stored.unlink(missing_ok=True)
        log.warning("Refused upload for %s: %s", district.slug, refused)
        raise
    record = AttendanceImport(
        district=district,
        kind=kind.value if kind else "",
        daily_mode=daily_mode,
        create_schools=create_schools,
        filename=filename,
        stored_file=str(stored.relative_to(settings.MEDIA_ROOT)),
        sha256=digest.hexdigest(),
        size_bytes=size,
        uploaded_by=uploaded_by,
        source=source,
        api_token=api_token,
        as_of=as_of,
        coverage=coverage or "",
        confirmed_at=timezone.now() if coverage else None,
    )
    _queue(record)
    if record.status == ImportStatus.DUPLICATE:
        stored.unlink()  # nothing will read it: this content is already imported
    return record


EVENTS_FILENAME = "attendance-events.csv"


def attendance_events_record(
    *, district: District, events_file: bytes, uploaded_by: User | None, api_token: ApiToken | None
) -> AttendanceImport:
    """Records a batch of attendance events (edfi.events_file), queued for a worker to import
    as a daily file (tasks.attendance_import_queue), once its rows pass the checks that need no
    database: recognition of its columns and the import's own row checks (a missing value, a
    date that is not one). Those raise ``readers.ImportValidationError`` naming each row,
    keeping nothing; the checks against the district's data (students, schools, codes, the
    school year) are the import's, in the worker."""
    _event_rows_check(events_file)
    return attendance_import_create(
        district=district,
        uploaded_by=uploaded_by,
        upload=ContentFile(events_file, name=EVENTS_FILENAME),
        kind=Kind.DAILY,
        source=ImportSource.EVENTS,
        coverage=Coverage.PARTIAL,
        api_token=api_token,
    )


def _event_rows_check(events_file: bytes) -> None:
    limits = upload_limits()
    with tempfile.NamedTemporaryFile(suffix=".csv") as file:
        file.write(events_file)
        file.flush()
        path = Path(file.name)
        shape = readers.inspect_file(path, filename=EVENTS_FILENAME, limits=limits)
        # The saved column matching of the district is for its own files; the batch's headers
        # are Ed-Fi's field paths, which recognition knows (the worker reads them the same way).
        recognition = selectors.import_recognition(
            profiles=ImportProfile.objects.none(), headers=shape.headers, kind=Kind.DAILY
        )
        collector = readers.ErrorCollector()
        for chunk in readers.read_rows(
            path,
            shape,
            kind=Kind.DAILY,
            mapping=recognition.mapping,
            limits=limits,
            grade_of=Grade.from_label,
        ):
            collector.add_chunk(chunk)
        collector.raise_if_any(EVENTS_FILENAME)


# An import that stopped for something the district can settle from the import page (its
# columns, its codes) reads the file it already has again; any other has nothing to redo.
_RETRYABLE = frozenset({ImportStatus.NEEDS_MAPPING, ImportStatus.FAILED})


@transaction.atomic
def attendance_import_retry(
    *, attendance_import: AttendanceImport, kind: Kind | None, uploaded_by: User | None
) -> AttendanceImport:
    """Records, queued as a new import of ``kind`` (None: recognised from its columns again)
    with the same options, the stored file of an import that needed its columns matched, its
    codes defined, or that was stopped before it finished. The earlier import stays as it
    ended: the list of imports is the district's record of what happened."""
    district = attendance_import.district
    require_working_for(district)
    if attendance_import.status not in _RETRYABLE:
        raise ValueError(f"An import that is {attendance_import.status} is not imported again.")
    record = AttendanceImport(
        district=district,
        kind=kind.value if kind else "",
        daily_mode=attendance_import.daily_mode,
        create_schools=attendance_import.create_schools,
        filename=attendance_import.filename,
        stored_file=attendance_import.stored_file,
        sha256=attendance_import.sha256,
        size_bytes=attendance_import.size_bytes,
        uploaded_by=uploaded_by,
        source=attendance_import.source,
        as_of=attendance_import.as_of,
        # The choice made for the earlier import stands: it was made after its preview.
        coverage=attendance_import.coverage,
        confirmed_at=attendance_import.confirmed_at,
    )
    _queue(record)
    return record


@transaction.atomic
def attendance_import_confirm(
    *, attendance_import: AttendanceImport, coverage: Coverage
) -> AttendanceImport:
    """Gives a checked and previewed import the go-ahead: it is queued again to import its
    file, with ``coverage`` deciding what becomes of the students it leaves out."""
    district = attendance_import.district
    require_working_for(district)
    record = AttendanceImport.objects.select_for_update().get(pk=attendance_import.pk)
    if record.status != ImportStatus.PREVIEWED:
        raise ValueError(f"An import that is {record.status} has no preview to confirm.")
    record.coverage = coverage
    record.confirmed_at = timezone.now()
    record.status = ImportStatus.QUEUED
    # The check's attempts were the check's: the import proper gets its own.
    record.attempts = 0
    record.started_at = record.finished_at = None
    record.message = ""
    _queue(record)
    if record.status == ImportStatus.DUPLICATE:
        attendance_import.stored_path.unlink(missing_ok=True)
    return record


@transaction.atomic
def attendance_import_discard(*, attendance_import: AttendanceImport) -> None:
    """Forgets a previewed import nobody will confirm, and its stored file (the import command
    refusing a file that needs a choice it was not given)."""
    require_working_for(attendance_import.district)
    if attendance_import.status != ImportStatus.PREVIEWED:
        raise ValueError(f"An import that is {attendance_import.status} is kept.")
    stored = attendance_import.stored_path
    attendance_import.delete()
    transaction.on_commit(lambda: stored.unlink(missing_ok=True))


def _queue(record: AttendanceImport) -> None:
    """Saves a new import as queued, unless its content was already imported: then it is saved
    as a duplicate, which imports nothing and keeps no file (the caller removes the file if no
    other import names it)."""
    record.duplicate_of = (
        AttendanceImport.objects.for_district(record.district)
        .filter(sha256=record.sha256, status=ImportStatus.SUCCEEDED)
        .first()
    )
    if record.duplicate_of:
        record.status = ImportStatus.DUPLICATE
        record.message = (
            f"This file was already imported on "
            f"{timezone.localtime(record.duplicate_of.created_at):%b %-d, %Y at %-I:%M %p}; "
            "nothing was changed."
        )
        record.finished_at = timezone.now()
        record.stored_file = ""
    record.full_clean()
    record.save()


@transaction.atomic
def import_profile_save(
    *, district: District, kind: Kind, column_mapping: Mapping[str, str]
) -> ImportProfile:
    """Keeps the district's column matching (canonical column -> header) for files of ``kind``,
    in place of any earlier one: every later import of that kind starts from it."""
    require_working_for(district)
    profile = ImportProfile.objects.for_district(district).filter(kind=kind.value).first()
    if profile is None:
        profile = ImportProfile(district=district, kind=kind.value)
    profile.column_mapping = dict(column_mapping)
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def attendance_codes_define(
    *, district: District, codes: Mapping[str, tuple[AttendanceCategory, Decimal | None]]
) -> list[AttendanceCode]:
    """Says what codes mean (code -> category and, for partial-day absences, the share of the
    day missed). A code the district already defines, in any case, takes the new meaning."""
    require_working_for(district)
    defined = AttendanceCode.objects.for_district(district)
    saved = []
    for code, (category, absent_fraction) in codes.items():
        code = code.strip()
        row = defined.filter(code__iexact=code).first() or AttendanceCode(
            district=district, code=code
        )
        row.category = category
        row.absent_fraction = absent_fraction
        row.full_clean()
        row.save()
        saved.append(row)
    return saved


def attendance_import_execute(*, district_id: int, import_id: int) -> str:
    """Runs one queued import: the worker's task and the import command call this.

    The attempt is counted and committed first, in a transaction of its own, and the import
    runs in a second one. A worker killed mid-import (the kernel's out-of-memory killer on a
    huge file) takes everything the import wrote down with that second transaction, but not the
    count: the task, handed out again, runs the next attempt, and once IMPORT_MAX_ATTEMPTS
    attempts have died the import is marked failed rather than killing worker after worker.

    Whatever else stops the import other than its file (the connection to the database lost,
    a bug) rolls back everything it wrote in the same way; the import is then marked failed in
    a transaction of its own, on a new connection if the old one died, so that the district
    sees why and can import the file again instead of waiting for an import that will never
    finish."""
    district = District.objects.get(pk=district_id)
    try:
        record = _import_attempt_start(district, import_id)
        if record.is_finished:
            return record.status
        with system_context(district, reason="import:run"):
            return attendance_import_run(import_id=import_id)
    except Exception as failure:
        logger.exception("Import %s of %s stopped before it finished", import_id, district.slug)
        return _import_stopped(district, import_id, failure)


def _import_attempt_start(district: District, import_id: int) -> AttendanceImport:
    with system_context(district, reason="import:attempt"):
        # Waits for an earlier attempt's transaction that is still open (its worker dead, its
        # statement still running in PostgreSQL): attendance_import_run locks the record too.
        record = AttendanceImport.objects.select_for_update().get(pk=import_id)
        if record.is_finished:
            return record
        if record.attempts >= settings.IMPORT_MAX_ATTEMPTS:
            record.status = ImportStatus.FAILED
            record.message = _attempts_used_up(record)
            record.finished_at = timezone.now()
            record.save()
            logger.error("Import %s of %s: %s", record.pk, district.slug, record.message)
            return record
        _attempt_started(record)
        record.save()
    # Until it reports its own, the page would show how far an attempt that died had got.
    progress.report(record.pk, 0, "Starting")
    return record


def _attempt_started(record: AttendanceImport) -> None:
    record.attempts += 1
    record.status = ImportStatus.RUNNING
    record.started_at = timezone.now()


def _attempts_used_up(record: AttendanceImport) -> str:
    times, each = ("", "") if record.attempts == 1 else (f" {record.attempts} times", ", each time")
    return (
        f"The import stopped{times} before it finished{each} because the worker running it "
        "stopped: most likely the file needs more memory than the worker has. Nothing from "
        "this file was saved: the district's attendance is as it was. Imported again as it "
        "is, it would probably stop the same way: split it into smaller files (a daily file "
        "a few months at a time, a summary file a school at a time) and import each, or tell "
        f"the people who run the service that import {record.pk} needs a worker with more "
        "memory, then import it again."
    )


def _import_stopped(district: District, import_id: int, failure: Exception) -> str:
    with system_context(district, reason="import:stopped"):
        record = AttendanceImport.objects.select_for_update().get(pk=import_id)
        if record.is_finished:
            # It failed after its own transaction had committed (queueing what follows it).
            return record.status
        record.status = ImportStatus.FAILED
        record.message = (
            f"The import stopped before it finished because {_stop_cause(failure)}. Nothing "
            "from this file was saved: the district's attendance is as it was. Import the file "
            "again (it is kept, so there is nothing to upload); if it stops again, tell the "
            f"people who run the service that import {record.pk} stopped: their log has why."
        )
        record.finished_at = timezone.now()
        record.save()
    progress.report(record.pk, 100, record.outcome)
    return record.status


def _stop_cause(failure: Exception) -> str:
    # Django wraps the driver's errors; the import's COPY and set-based steps raise them bare.
    error = failure.__cause__ if failure.__cause__ is not None else failure
    if isinstance(error, psycopg2.OperationalError | psycopg2.InterfaceError):
        # No SQLSTATE: the client saw the connection drop; class 08 is a connection exception
        # and 57P the server's operator intervention (a terminated backend, a shutdown).
        if not error.pgcode or error.pgcode.startswith(("08", "57P")):
            return "the connection to the database was lost"
        return "the database could not complete it"
    return "of an error in the service, not in the file"


def attendance_import_run(*, import_id: int) -> str:
    """Imports one queued file inside the current tenant context, or, for an import whose
    attempt died with its worker, imports it again from the start. Everything the file changes
    happens in one savepoint: it lands whole, or the import is marked failed with every problem
    listed and the district's data is exactly as it was."""
    # Locked until the import's transaction ends: a second delivery of the task while this one
    # runs (Redis hands a task out again once its visibility timeout has passed, even to a live
    # worker) waits, then finds the import finished instead of importing the file twice.
    record = AttendanceImport.objects.select_for_update().get(pk=import_id)
    if record.is_finished:
        return record.status
    district = District.objects.get(pk=record.district_id)
    # Two imports of the same content (a double upload) run one after the other, and the
    # second finds the first's result: without the lock both would import, and the second
    # would break the one-success-per-content constraint at commit and stay queued forever.
    with connection.cursor() as cursor:
        ingest.lock_content(cursor, district_id=district.pk, sha256=record.sha256)
    earlier = (
        AttendanceImport.objects.for_district(district)
        .filter(sha256=record.sha256, status=ImportStatus.SUCCEEDED)
        .exclude(pk=record.pk)
        .first()
    )
    if earlier is not None:
        record.status = ImportStatus.DUPLICATE
        record.duplicate_of = earlier
        record.message = "This file was imported by an upload of the same content just before."
        record.finished_at = timezone.now()
        record.save()
        return record.status
    if record.status == ImportStatus.QUEUED:
        # Run straight from the queue (the demo data, tests) rather than through
        # attendance_import_execute, which has counted and started every other attempt.
        _attempt_started(record)
    progress.report(record.pk, 1, "Reading the file")
    try:
        with transaction.atomic():
            _import(record, district)
    except readers.ImportValidationError as failure:
        record.status = ImportStatus.FAILED
        record.errors = [error.as_json() for error in failure.errors]
        record.error_count = len(failure.errors)
        record.message = str(failure)
    except _NeedsMapping as needs:
        record.status = ImportStatus.NEEDS_MAPPING
        record.message = str(needs)
    except _Previewed:
        record.status = ImportStatus.PREVIEWED
        record.message = _preview_message(record)
    record.finished_at = timezone.now()
    record.save()
    if record.status == ImportStatus.SUCCEEDED:
        # The chain's digest step, recorded with the import (tasks.py queues it).
        recompute.run_after_import(attendance_import=record)
    progress.report(record.pk, 100, record.get_status_display())
    return record.status


class _NeedsMapping(Exception):
    pass


class _Previewed(Exception):
    """The file passed every check and its preview is on the record: the import's savepoint
    is rolled back so that a check writes nothing, not even the district's default codes."""


def _replaces_attendance(record: AttendanceImport) -> bool:
    # A roster only fills in students and a new-days file only adds: neither replaces anyone's
    # attendance, so a student either file leaves out keeps theirs whatever the file means.
    return record.kind == Kind.SUMMARY or (
        record.kind == Kind.DAILY and record.daily_mode == DailyMode.REPLACE
    )


def _preview_json(record: AttendanceImport, changes: list[ingest.SchoolChange]) -> dict:
    not_mentioned = sum(change.not_mentioned for change in changes)
    return {
        "schools": [
            {
                "code": change.school_code,
                "name": change.school_name,
                "in_file": change.in_file,
                "new": change.new,
                "updated": change.updated,
                "not_mentioned": change.not_mentioned,
            }
            for change in changes
        ],
        "in_file": sum(change.in_file for change in changes),
        "not_mentioned": not_mentioned,
        "asks": bool(not_mentioned) and _replaces_attendance(record),
    }


def _preview_message(record: AttendanceImport) -> str:
    preview = record.preview
    message = (
        f"{record.rows_read:,} rows checked, with no problems; nothing has been changed yet. "
        f"The file has {_students(preview['in_file'])} at {len(preview['schools'])} "
        f"school{'s' if len(preview['schools']) != 1 else ''}."
    )
    if preview["asks"]:
        message += (
            f" It leaves out {_students(preview['not_mentioned'])} the district already has "
            "at those schools: say whether it updates only its own students or is complete "
            "for those schools, then import it."
        )
    return message


def _students(count: int) -> str:
    return f"{count:,} student{'' if count == 1 else 's'}"


def _import(record: AttendanceImport, district: District) -> None:
    """The import's steps, in the savepoint attendance_import_run holds."""
    limits = upload_limits()
    shape = readers.inspect_file(record.stored_path, filename=record.filename, limits=limits)
    recognition = _recognised(record, district, shape)
    kind = recognition.kind
    record.kind = kind.value
    attendance_codes_ensure_defaults(district=district)
    rule_set_primary(district=district)
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg2 cursor, for COPY
        staged, collector = _stage(cursor, record, shape, recognition, limits)
        target = _target(record, district, kind, staged, collector)
        problems = _check_and_merge(cursor, record, target, staged, collector)
        collector.add(
            readers.RowError(
                row=row, column=recognition.mapping.get(col, col), value=v, reason=r, code=code
            )
            for row, col, v, r, code in ingest.problems_in_order(problems)
        )
        collector.raise_if_any(record.filename)
        if target.refresh_statistics:
            ingest.analyze_written(cursor, target)
    # A batch of events leaves the bands to the recompute recorded after it (run_after_import):
    # classifying the whole district for each batch would cost far more than the batch.
    if kind != Kind.ROSTER and record.source != ImportSource.EVENTS:
        progress.report(record.pk, 90, "Placing every student in a band")
        _snapshot(record, district, target)
    record.status = ImportStatus.SUCCEEDED
    record.message = _success_message(record)


def _recognised(record: AttendanceImport, district: District, shape) -> Recognition:
    recognition = selectors.import_recognition(
        profiles=ImportProfile.objects.for_district(district),
        headers=shape.headers,
        kind=record.known_kind,
    )
    if recognition.kind is None:
        raise _NeedsMapping(
            "We could not tell whether this is a summary, daily or roster file from its "
            "column names. Match its columns to continue."
        )
    if recognition.missing or recognition.duplicates:
        raise _NeedsMapping(
            "Some columns need matching: "
            + "; ".join(
                [f"no column for {name.replace('_', ' ')}" for name in recognition.missing]
                + [
                    f"{', '.join(headers)} all look like {name.replace('_', ' ')}"
                    for name, headers in recognition.duplicates.items()
                ]
            )
            + "."
        )
    return recognition


def _stage(
    cursor, record, shape, recognition: Recognition, limits
) -> tuple[ingest.Staged, readers.ErrorCollector]:
    """Reads the file into the staging table, chunk by chunk, counting its rows."""
    kind = recognition.kind
    path = record.stored_path
    ingest.create_stage(cursor, kind)
    staged = ingest.Staged()
    collector = readers.ErrorCollector()
    expected_rows = _count_data_lines(path) if shape.format == "csv" else None
    with ingest.StageWriter(cursor, kind, staged) as stage:
        for chunk in readers.read_rows(
            path,
            shape,
            kind=kind,
            mapping=recognition.mapping,
            limits=limits,
            grade_of=Grade.from_label,
        ):
            collector.add_chunk(chunk)
            record.rows_read += len(chunk.frame) + chunk.error_rows
            # The rows with a problem are left out and the rest staged even so: the checks
            # across rows (repeats, unknown schools and codes) then run on them too, and
            # the file's every problem is listed at once rather than one kind per upload.
            stage.write(chunk.frame)
            share = record.rows_read / expected_rows if expected_rows else 0
            progress.report(
                record.pk, 1 + int(59 * min(share, 1)), f"Read {record.rows_read:,} rows"
            )
    if kind == Kind.DAILY and staged.first_date is None:
        # Every row has a problem: there is nothing to check across rows, nor a date to
        # find the school year by, and "no rows of attendance" would only mislead.
        collector.raise_if_any(record.filename)
    if record.source != ImportSource.EVENTS:  # see ingest.Target.refresh_statistics
        ingest.analyze_stage(cursor)
    return staged, collector


def _target(record, district, kind, staged, collector) -> ingest.Target:
    try:
        year = _school_year_for(record, district, kind, staged)
    except readers.ImportValidationError as no_year:
        collector.add(no_year.errors)
        collector.raise_if_any(record.filename)
    record.school_year = year
    return ingest.Target(
        district_id=district.pk,
        kind=kind,
        school_year_id=year.pk,
        first_day=year.first_day,
        last_day=year.last_day,
        as_of=record.as_of,
        create_schools=record.create_schools,
        append=record.daily_mode == DailyMode.APPEND,
        named_days_only=record.source == ImportSource.EVENTS,
        refresh_statistics=record.source != ImportSource.EVENTS,
        complete=record.coverage == Coverage.COMPLETE and _replaces_attendance(record),
    )


def _check_and_merge(cursor, record, target, staged, collector) -> list[ingest.Problem]:
    """Checks the staged file against the district's data; with no problem, keeps its preview
    and, once confirmed, merges it. Returns the problems found."""
    progress.report(record.pk, 65, "Checking the file against the district's data")
    problems = ingest.validate(cursor, target, staged, rows_refused=bool(collector))
    if problems or collector:
        return problems
    if not target.named_days_only:
        # A batch of events replaces only the days it names, so leaves nobody out, and
        # counting its schools' students would read their whole year's attendance.
        progress.report(record.pk, 70, "Working out what the file changes")
        record.preview = _preview_json(record, ingest.preview(cursor, target, staged))
    if record.confirmed_at is None:
        raise _Previewed
    progress.report(record.pk, 75, "Saving attendance")
    try:
        record.rows_imported = ingest.merge(cursor, target, staged)
    except ingest.MergeProblems as refused:
        return refused.problems
    return []


def _snapshot(record: AttendanceImport, district: District, target: ingest.Target) -> None:
    year = record.school_year
    facts = snapshots.latest_facts(
        district=district, year=year, adding=snapshots.Facts(target.kind, record.as_of)
    )
    snapshots.take_all(
        district=district, year=year, as_of=facts.as_of, source=target.kind, source_import=record
    )


def _success_message(record: AttendanceImport) -> str:
    if record.source == ImportSource.EVENTS:
        events = "event" if record.rows_imported == 1 else "events"
        return (
            f"{record.rows_imported:,} attendance {events} saved; the bands follow in the "
            "recompute queued after them."
        )
    message = f"{record.rows_imported:,} rows saved; every student is placed in a band."
    if left_out := record.preview.get("not_mentioned") if _replaces_attendance(record) else 0:
        message += f" The {_students(left_out)} already known at its schools that it left out " + (
            ("is" if left_out == 1 else "are") + " no longer enrolled there."
            if record.coverage == Coverage.COMPLETE
            else ("keeps its" if left_out == 1 else "keep their") + " attendance."
        )
    return message


def _count_data_lines(path: Path) -> int:
    # Counting newlines in 1 MB blocks costs a fraction of a second for the largest files and
    # gives the progress bar its denominator (quoted newlines only make it pessimistic).
    lines = 0
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            lines += block.count(b"\n")
    return max(lines - 1, 1)


def _school_year_for(record, district, kind, staged: ingest.Staged) -> SchoolYear:
    years = SchoolYear.objects.for_district(district)
    if kind == Kind.DAILY:
        first, last = staged.first_date, staged.last_date
        if first is None:
            raise _file_problem(record.filename, "The file has no rows of attendance.")
        year = years.filter(first_day__lte=first, last_day__gte=first).first()
        record.as_of = last
        missing = first
    else:
        record.as_of = record.as_of or timezone.localdate()
        year = years.filter(first_day__lte=record.as_of, last_day__gte=record.as_of).first()
        missing = record.as_of
    if year is None:
        raise _file_problem(
            record.filename,
            f"No school year of {district.name} includes {missing:%b %-d, %Y}. "
            "Add the school year first (the README's onboarding section).",
            value=f"{missing:%Y-%m-%d}",
        )
    return year


def _file_problem(filename: str, reason: str, *, value: str = "") -> readers.ImportValidationError:
    return readers.ImportValidationError(
        f"{filename}: {reason} Nothing was imported.",
        [
            readers.RowError(
                row=0, column="", value=value, reason=reason, code=readers.ProblemCode.FILE
            )
        ],
    )


@transaction.atomic
def rule_set_save(
    *,
    district: District,
    rule_set: RuleSet | None,
    name: str,
    minimum_days_enrolled: int,
    count_in_school_suspension: bool,
    partial_day_fraction: Decimal,
) -> RuleSet:
    """Creates a rule set beside the district's own (``rule_set`` None) or changes one. A
    change applies from the next classification; snapshots already taken keep their bands."""
    require_working_for(district, rule_set)
    if rule_set is None:
        rule_set = RuleSet(district=district, is_primary=False)
    rule_set.name = name.strip()
    rule_set.minimum_days_enrolled = minimum_days_enrolled
    rule_set.count_in_school_suspension = count_in_school_suspension
    rule_set.partial_day_fraction = partial_day_fraction
    rule_set.full_clean()
    rule_set.save()
    return rule_set


def attendance_code_delete(*, district: District, code: AttendanceCode) -> None:
    """Forgets a code: facts already imported keep their meaning (they store the category), and
    a file using the code again stops at it until someone says what it means."""
    require_working_for(district, code)
    code.delete()
