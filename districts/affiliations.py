"""What a role needs besides schools, owned by an app built on districts: partner staff work
for one partner organisation, and the partners app owns organisations. `districts` imports no
other app (design.md §1), so that app registers here, when it loads, how the People page lists
the choices, links a new member to one, and names the one each member works for."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Model, QuerySet

from .models import Membership, User
from .roles import Role


@dataclass(frozen=True)
class Affiliation:
    label: str  # what the choice is called on the invitation form
    # The administrator's choices, inside the request's tenant context.
    choices: Callable[[User], QuerySet]
    # Links a new membership to the chosen object, inside the invitation's transaction.
    link: Callable[[Membership, Model, User], None]
    # {membership id: name of what it is linked to}, for the People page.
    names: Callable[[User, Iterable[Membership]], dict[int, str]]


_affiliations: dict[Role, Affiliation] = {}


def register(role: Role, affiliation: Affiliation) -> None:
    _affiliations[role] = affiliation


def for_role(role: str) -> Affiliation | None:
    return _affiliations.get(Role(role))


def registered() -> dict[Role, Affiliation]:
    return dict(_affiliations)
