"""A persona of every role a membership can have, and the tenant context their requests enter:
for the tests that hold a statement written out in SQL to the ORM's answer, role by role
(registered in tests/conftest.py)."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from districts.models import User
from districts.roles import Role
from districts.tenancy import context_for_membership, own_memberships, tenant_context

from .factories import MembershipFactory

# The persona fixtures of each role: Riverside's own, and Oscar, Lakeview's administrator
# (another district); school roles at Adams, at Banneker and at both; partner staff is Pia (the
# `pia` fixture links her to the youth club). Facilitators hold no membership: no request of
# theirs enters a district's context.
PERSONAS = {
    Role.DISTRICT_ADMIN: ("district_admin", "outsider"),
    Role.CABINET_MEMBER: ("cabinet_member",),
    Role.PRINCIPAL: ("principal", "other_school_principal"),
    Role.SCHOOL_TEAM: ("school_team_member", "two_school_team_member"),
    Role.PARTNER_STAFF: ("partner_staff",),
}


def every_role() -> list:
    """(role, persona fixture) parameters: every persona of every role, and a role nobody
    holds here as (role, None), for the test to fail on until a persona is added above."""
    return [
        pytest.param(role, persona, id=persona or f"{role}-without-persona")
        for role in Role
        for persona in PERSONAS.get(role, (None,))
    ]


@pytest.fixture
def two_school_team_member(district, school_a, school_b):
    return MembershipFactory(
        district=district,
        role=Role.SCHOOL_TEAM,
        schools=[school_a, school_b],
        user__email="tom@riverside.org",
        user__full_name="Tom Twoschools",
    ).user


@contextmanager
def as_persona(request, role: Role, persona: str | None) -> Iterator[User]:
    """The persona's user, inside the tenant context TenantMiddleware enters for a request of
    theirs (in the one district they belong to), which must be the role's."""
    assert persona is not None, f"No persona of the role {role.label!r}: add one to PERSONAS."
    user = request.getfixturevalue(persona)
    (membership,) = own_memberships(user)
    with tenant_context(context_for_membership(membership)) as ctx:
        assert ctx.role == role, f"{persona} is no {role.label}."
        yield user
