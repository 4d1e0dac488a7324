"""Who reaches the facilitators' pages (/workshops/…), which belong to no district: a signed-in
workshop facilitator, inside their own context (context.facilitating); anyone else signed in
gets 403, and another facilitator's workshop is 404, as another district's objects are."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from .context import facilitating
from .models import Workshop


def facilitator_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_facilitator:
            raise PermissionDenied("Only workshop facilitators open these pages.")
        with facilitating(request.user):
            return view(request, *args, **kwargs)

    return wrapped


def workshop_for(request: HttpRequest, workshop_id: int) -> Workshop:
    """One of the signed-in facilitator's workshops, else 404."""
    return get_object_or_404(Workshop.objects.facilitated_by(request.user), pk=workshop_id)
