"""Access checks for views: one place, so every page answers the same way.

Things outside the user's tenant or schools are 404 (indistinguishable from things that do not
exist); things inside it that the user's role may not use are 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .roles import Role


def require_role(request: HttpRequest, *roles: Role) -> None:
    if request.membership is None or request.membership.role not in roles:
        raise PermissionDenied("Your role in this district does not include this page.")


def role_required(*roles: Role) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            require_role(request, *roles)
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator
