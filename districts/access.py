"""Access checks for views: one place, so every page answers the same way.

Things outside the user's tenant or schools are 404 (indistinguishable from things that do not
exist); things inside it that the user's role may not use are 403. The policies themselves
(which roles may do what) are named in `roles.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import resolve, reverse

from .models import School
from .roles import Role


def require_role(request: HttpRequest, policy: frozenset[Role]) -> None:
    if request.membership is None or request.membership.role not in policy:
        raise PermissionDenied("Your role in this district does not include this page.")


def role_required(policy: frozenset[Role]) -> Callable:
    """Guards a district page with a policy from `roles.py`, and records it on the view as
    `allowed_roles` for the navigation to read."""
    if not isinstance(policy, frozenset):
        raise TypeError("role_required takes a policy from districts/roles.py, not roles.")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            require_role(request, policy)
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = policy
        return wrapped

    return decorator


@cache
def _policy_of(url_name: str) -> frozenset[Role]:
    # The decorators below `role_required` (require_POST, …) keep its attribute: functools.wraps
    # copies the wrapped view's __dict__.
    view = resolve(reverse(url_name, kwargs={"district_slug": "any"})).func
    try:
        return view.allowed_roles
    except AttributeError:
        raise LookupError(f"{url_name} is not guarded by role_required.") from None


def may_open(membership, url_name: str) -> bool:
    """Whether the member's role passes the guard on the district page `url_name` names (one
    whose address takes only the district): links to a page ask this rather than repeating its
    policy, so a link never leads to a 403."""
    return membership.role in _policy_of(url_name)


def school_page_of_school_role(request: HttpRequest, url_name: str) -> HttpResponse | None:
    """For a page read across the district with a page per school (the support summary, the
    chain): a school role is sent to the page of its first school (404 with none), as it
    reads no district-wide figure; None for everyone else."""
    if not request.membership.is_school_role:
        return None
    first = School.objects.for_user(request.user).order_by("name").first()
    if first is None:
        raise Http404("No school is yours yet.")
    return redirect(url_name, district_slug=request.district.slug, school_id=first.pk)
