"""The save half of an autosaved field, shared by the self-assessment's fields and the
workshop action plan's (they use the same template and script): read the revision the editor
loaded, save, and say how it went as the status and the field template's state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest

from .forms import cleaned_value
from .services import EditConflict

CONFLICT = 409
UNPROCESSABLE = 422


def save_field(
    request: HttpRequest,
    *,
    form: Form,
    field: str,
    record: Any,
    save: Callable[..., Any],
    shown: Callable[[Any, str], str],
) -> tuple[int, Any, dict]:
    """Calls save(value=…, base_revision=…) and answers (status, record as now, state): 200 with
    the saved record, 409 with the newer version it would have overwritten, 422 with the
    reason the value was refused."""
    submitted = request.POST.get("overwrite") or request.POST.get("revision") or "0"
    base = int(submitted) if submitted.isdigit() else 0
    # Until a save succeeds the page keeps the revision its editor loaded, so that a later
    # keystroke cannot slip over the newer version it was just shown.
    state: dict = {"revision": base}
    try:
        record = save(value=cleaned_value(form, field), base_revision=base)
    except EditConflict as conflict:
        state["conflict"] = conflict.theirs
        state["conflict_value"] = shown(conflict.record, field)
        return CONFLICT, record, state
    except ValidationError as error:
        state["error"] = " ".join(error.messages)
        return UNPROCESSABLE, record, state
    return 200, record, {"just_saved": True}
