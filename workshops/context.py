"""A facilitator's context: their work across the districts of their workshops. The database
switches to the facilitator persona, which holds no privilege on student tables and reads the
workshop tables only for the workshops named in `app.workshop_ids` (read first from the
facilitator's own rows, as a school role's schools are)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from districts import db_walls
from districts.tenancy import TenantContextMissing

_facilitator: ContextVar[object | None] = ContextVar("workshop_facilitator", default=None)


def current_facilitator():
    user = _facilitator.get()
    if user is None:
        raise TenantContextMissing(
            "Workshop rows were read across districts outside a facilitator's context: wrap the "
            "work in workshops.context.facilitating(user)."
        )
    return user


@contextmanager
def facilitating(user) -> Iterator[None]:
    from .models import WorkshopFacilitator

    if not user.is_facilitator:
        raise PermissionError(f"{user} is no workshop facilitator.")
    own = db_walls.DbState(role=db_walls.FACILITATOR, user_id=user.pk)
    with transaction.atomic():
        with db_walls.entered(own):
            workshop_ids = frozenset(
                WorkshopFacilitator.objects.filter(user=user).values_list("workshop_id", flat=True)
            )
        state = db_walls.DbState(
            role=db_walls.FACILITATOR, user_id=user.pk, workshop_ids=workshop_ids
        )
        with db_walls.entered(state):
            token = _facilitator.set(user)
            try:
                yield
            finally:
                _facilitator.reset(token)
