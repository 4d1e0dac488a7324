"""The access record (FERPA §99.32; security-notes.md checklist 13–14): every page and
download showing student rows, and every change of them, writes one AuditEvent naming who,
when, which rows and why. District administrators read it on /d/<district>/audit/.

Append-only in the application: events are inserted here and nowhere else, and the model and
its queryset refuse updates and deletes. Only `prune` removes events, those older than the
retention period (AUDIT_RETENTION_DAYS). Revoking UPDATE and DELETE from the web role in the
database itself belongs to the database roles work (security-notes.md §a).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection, models
from django.http import HttpRequest
from django.utils import timezone

from .models import ApiToken, AuditAction, AuditEvent, District, Membership, User
from .tenancy import current_tenant, own_rows, system_context

logger = logging.getLogger(__name__)

# Enough ids to find every student of a long list; the count is always exact.
MAX_IDS = 10_000

# The models whose rows are students' own records ("app_label.model"), so that the audit log
# finds every disclosure of one student. `districts` imports no other app (design.md §1): the
# app keeping the records registers its model when it loads.
_student_record_types: list[str] = []


def register_student_records(model: type[models.Model]) -> None:
    if model._meta.label_lower not in _student_record_types:
        _student_record_types.append(model._meta.label_lower)


def student_record_types() -> list[str]:
    return list(_student_record_types)


def audit_record(
    request: HttpRequest,
    *,
    action: AuditAction,
    model: type[models.Model],
    ids: Iterable[int] = (),
    count: int | None = None,
    purpose: str,
) -> AuditEvent:
    ctx = current_tenant()
    ids = list(ids)
    # An API request (districts/api_access.py) names the token it presented.
    token = getattr(request, "auth", None)
    return AuditEvent.objects.create(
        district_id=ctx.district_id,
        user=request.user if request.user.is_authenticated else None,
        user_email=getattr(request.user, "email", ""),
        action=action,
        object_type=model._meta.label_lower,
        object_ids=ids[:MAX_IDS],
        row_count=len(ids) if count is None else count,
        purpose=purpose[:200],
        path=request.get_full_path()[:500],
        api_token=str(token)[:130] if isinstance(token, ApiToken) else "",
    )


def audit_account_change(*, user: User, by: User, purpose: str, path: str = "") -> int:
    """A change to someone's sign-in (two-factor turned on or off, new backup codes), recorded
    in every district where they have a role: each district's administrators review who can
    reach their records and how. Outside any request's district; returns the entries written.
    An account with no role anywhere (an operator) has no district record to write to: the
    admin's own history keeps operators' changes."""
    with own_rows(user):
        districts = list(
            District.objects.filter(
                pk__in=Membership.unscoped.filter(user=user).values("district_id")
            )
        )
    for district in districts:
        with system_context(district, reason="account change"):
            AuditEvent.objects.create(
                district_id=district.pk,
                user=by,
                user_email=by.email,
                action=AuditAction.CHANGE,
                object_type=User._meta.label_lower,
                object_ids=[user.pk],
                row_count=1,
                purpose=f"{purpose}: {user.email}"[:200],
                path=path[:500],
            )
    return len(districts)


def prune(*, now=None) -> int:
    """Deletes the events older than the retention period, for every district; returns how
    many. The one deletion path of the log, run daily by Celery beat."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted = 0
    # District by district: the database lets the system persona delete a district's entries
    # only inside that district's context.
    for district in District.objects.all():
        with system_context(district, reason="audit retention"), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {AuditEvent._meta.db_table} WHERE at < %s",  # noqa: S608
                [cutoff],
            )
            deleted += cursor.rowcount
    return deleted
