"""A district's data, whole: everything it holds, to hand back at contract end, and its
deletion afterwards (security-notes.md checklist 28).

Tenant tables are found from the models, not listed by hand: every table with a `district`
foreign key (design.md §3) is included, so a table added later is exported and deleted too.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db import connection, models, transaction
from django.utils import timezone

from .models import District, Membership, User
from .services import sessions_end
from .tenancy import operator_context, system_context


def tenant_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if any(
            field.name == "district" and field.is_relation and field.related_model is District
            for field in model._meta.concrete_fields
        )
    ]


def _uploads(district: District) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(district.pk)


def _members(district: District) -> models.QuerySet[User]:
    return User.objects.filter(
        pk__in=Membership.unscoped.filter(district=district).values("user_id")
    ).order_by("pk")


class _Counted:
    """The rows of an iterator, counted as they are written (a separate COUNT could see a
    different number of rows than the export did)."""

    def __init__(self, rows):
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def district_export(*, district: District, path: Path) -> dict[str, int]:
    """Writes a zip of every row the district holds (one JSON Lines file per table, the
    people who have a role in it without their password hashes, and the uploaded SIS files);
    returns the row count per table, also written to its manifest.json."""
    counts: dict[str, int] = {}
    with (
        system_context(district, reason="export of the district's data"),
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        # One snapshot of the database for every table: REPEATABLE READ would need its own
        # connection, so the export holds one transaction and takes no writes of its own.
        for model in tenant_models():
            rows = model._base_manager.filter(district_id=district.pk).order_by("pk")
            counted = _Counted(rows.iterator(chunk_size=5000))
            with archive.open(f"tables/{model._meta.label_lower}.jsonl", "w") as out:
                text = io.TextIOWrapper(out, encoding="utf-8")
                serializers.serialize("jsonl", counted, stream=text)
                text.flush()
            counts[model._meta.label_lower] = counted.count
        people = _members(district)
        fields = ["email", "full_name", "is_active", "date_joined"]
        archive.writestr(
            "tables/districts.user.jsonl", serializers.serialize("jsonl", people, fields=fields)
        )
        counts["districts.user"] = people.count()
        archive.writestr(
            "tables/districts.district.jsonl", serializers.serialize("jsonl", [district])
        )
        counts["districts.district"] = 1
        uploads = _uploads(district)
        if uploads.is_dir():
            for file in sorted(uploads.iterdir()):
                archive.write(file, f"uploads/{file.name}")
        archive.writestr(
            "manifest.json",
            json.dumps(
                {
                    "district": district.slug,
                    "exported_at": timezone.now().isoformat(),
                    "rows": counts,
                },
                indent=2,
            ),
        )
    return counts


@transaction.atomic
def district_delete(*, district: District) -> dict[str, int]:
    """Deletes every row carrying the district's id, the district itself, the people whose
    only role was in it (workshop facilitators and operators keep their accounts), and its
    uploaded files; those who keep their accounts are signed out. Returns the rows deleted
    per table."""
    deleted: dict[str, int] = {}
    # Who has a role elsewhere is an operator's question: a district's own context sees only
    # its own memberships, and would take everyone for exclusive.
    with operator_context(reason="deletion of a district: its exclusive members"):
        members = list(_members(district).values_list("pk", flat=True))
        exclusive = list(
            _members(district)
            .filter(is_facilitator=False, is_staff=False, is_superuser=False)
            .exclude(pk__in=Membership.unscoped.exclude(district=district).values("user_id"))
            .values_list("pk", flat=True)
        )
    with (
        system_context(district, reason="deletion of the district's data"),
        connection.cursor() as cursor,
    ):
        # The foreign keys between tenant tables are checked at commit (Django creates them
        # DEFERRABLE INITIALLY DEFERRED), so the order of the tables does not matter; the
        # bulk tables have no database constraint at all.
        for model in tenant_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE district_id = %s", [district.pk])  # noqa: S608
            deleted[model._meta.label_lower] = cursor.rowcount
    with operator_context(reason="deletion of a district"), connection.cursor() as cursor:
        # Raw deletes: the rows that referred to these people and this district are gone
        # already, and the ORM's cascade would read tables the operator may not read. Their
        # two-factor devices go first (the database refuses a user with devices left).
        cursor.execute(
            "DELETE FROM otp_static_statictoken WHERE device_id IN"
            " (SELECT id FROM otp_static_staticdevice WHERE user_id = ANY(%s))",
            [exclusive],
        )
        for table in ("otp_static_staticdevice", "otp_totp_totpdevice"):
            cursor.execute(f"DELETE FROM {table} WHERE user_id = ANY(%s)", [exclusive])  # noqa: S608
        cursor.execute("DELETE FROM districts_user WHERE id = ANY(%s)", [exclusive])
        deleted["districts.user"] = cursor.rowcount
        # Those who keep their account for other work lost a role: signed out at once, as
        # when any membership is revoked.
        sessions_end(user_ids=set(members) - set(exclusive))
        cursor.execute("DELETE FROM districts_district WHERE id = %s", [district.pk])
    deleted["districts.district"] = 1
    uploads = _uploads(district)
    transaction.on_commit(lambda: shutil.rmtree(uploads, ignore_errors=True))
    return deleted
