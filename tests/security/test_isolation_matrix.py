"""The isolation matrix (issue 8; security-notes.md checklist 6–8, 10): every route × every
persona × own and other district / school / partner, against the rows of matrix.py."""

from __future__ import annotations

import functools
import re

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from districts.models import User
from districts.tenancy import operator_context

from ..api.tokens import integration_token, personal_token
from .matrix import (
    ADMIN_LOGIN,
    ADMIN_MODELS,
    ALICE,
    ANON,
    BOB,
    CAROL,
    FELIX,
    FORBIDDEN,
    FRAN,
    LOGIN,
    MEMBERS,
    NOT_FOUND,
    OK,
    OLIVE,
    OSCAR,
    PAT,
    PERSONAS,
    PIA,
    ROWS,
    TESS,
    Row,
)
from .world import world  # noqa: F401 — the fixture

_ADMIN_REDIRECT = re.compile(r"^operators/(\w+)/(\w+)/<path:object_id>/$")
# What a Riverside page must never show: names and addresses only Lakeview's objects carry.
LAKEVIEW_MARKERS = (b"Lakeview", b"lakeview")
# The apps whose routes live under /d/<district>/.
DISTRICT_APPS = (
    "districts",
    "tiering",
    "partners",
    "selfassessment",
    "support",
    "pdsa",
    "district_workshops",
)


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace, pattern.name


def route_keys() -> dict[str, str]:
    """Every route the resolver serves, keyed as matrix.py names it, with its pattern."""
    keys = {}
    for route, namespace, name in _walk(get_resolver().url_patterns):
        if name:
            key = f"{namespace}:{name}" if namespace else name
        elif match := _ADMIN_REDIRECT.match(route):
            key = f"admin:{match[1]}_{match[2]}_<redirect>"
        elif namespace == "admin" and route.endswith("(?P<url>.*)$"):
            key = "admin:<catch-all>"
        else:
            key = f"<unnamed {route}>"
        keys[key] = route
    return keys


def _in_district(route: str) -> bool:
    """Whether the route's address names a district: the district apps' pages and the API's
    district operations."""
    return route.split(":")[0] in DISTRICT_APPS or (
        route.startswith("api:") and "<slug:district_slug>" in _api_patterns()[route]
    )


@functools.cache
def _api_patterns() -> dict[str, str]:
    return {key: route for key, route in route_keys().items() if key.startswith("api:")}


def test_every_route_has_a_row_in_the_matrix():
    routes = route_keys()
    missing = sorted(set(routes) - {row.route for row in ROWS.values()})
    assert not missing, (
        "Routes with no row in tests/security/matrix.py — declare who may use them: "
        + ", ".join(f"{key} ({routes[key]})" for key in missing)
    )
    stale = sorted({row.route for row in ROWS.values()} - set(routes))
    assert not stale, f"Rows for routes that no longer exist: {stale}"


def test_every_admin_model_is_declared():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_MODELS), (
        "The admin site's models changed: list each in matrix.ADMIN_MODELS with an object to "
        "open, so its routes get rows."
    )


def test_every_row_declares_every_persona():
    for row in ROWS.values():
        assert set(row.expect) == set(PERSONAS), row.route


def _url(row: Row, slug: str, ids: dict[str, int]) -> str:
    kwargs = row.kwargs(ids) if row.kwargs else {}
    if row.route.startswith("admin:") and row.route.endswith("_<redirect>"):
        change = reverse(row.route.replace("<redirect>", "change"), kwargs=kwargs)
        return change.removesuffix("change/")
    if row.route == "admin:<catch-all>":
        return "/operators/" + kwargs["url"]
    if _in_district(row.route):
        kwargs = {"district_slug": slug, **kwargs}
    return reverse(row.route, kwargs=kwargs)


def outcome(response) -> object:
    location = response.get("Location", "")
    if response.status_code in (301, 302, 303) and location.startswith("/accounts/login/"):
        return LOGIN
    if response.status_code in (301, 302, 303) and location.startswith("/operators/login/"):
        return ADMIN_LOGIN
    if response.status_code < 400 or response.status_code == 422:
        return OK
    if response.status_code == 400 and response.request["PATH_INFO"].startswith("/api/"):
        # The API ran the operation and refused the matrix's request body (it sends none of
        # the fields a write needs).
        return OK
    return response.status_code


class Requests:
    def __init__(self, users: dict[str, User | None]):
        self.users = users

    def send(self, persona: str, method: str, url: str):
        """One request as `persona`, whose changes are undone so that every persona meets the
        same objects (a POST that removes a priority must not hide it from the next)."""
        savepoint = transaction.savepoint()
        try:
            client = Client(raise_request_exception=False)
            if self.users[persona] is not None:
                client.force_login(self.users[persona])
            return client.generic(method, url)
        finally:
            transaction.savepoint_rollback(savepoint)


@pytest.fixture
def requests(
    world,  # noqa: F811
    district_admin,
    cabinet_member,
    principal,
    school_team_member,
    other_school_principal,
    pia,
    facilitator,
    felix,
    outsider,
):
    with operator_context(reason="test fixture"):  # accounts are the operators' to create
        operator = User.objects.create_superuser("olive@operators.example", "x" * 16)
    world.ids["riverside"]["operator"] = operator.pk
    return Requests(
        {
            ANON: None,
            ALICE: district_admin,
            CAROL: cabinet_member,
            PAT: principal,
            TESS: school_team_member,
            BOB: other_school_principal,
            PIA: pia,
            FRAN: facilitator,
            FELIX: felix,
            OSCAR: outsider,
            OLIVE: operator,
        }
    )


def _checks(row: Row, ids: dict[str, dict[str, int]]):
    """(persona, url, expected, what is being checked) for one row."""
    riverside, lakeview = ids["riverside"], ids["lakeview"]
    in_district = _in_district(row.route)
    own_urls = [_url(row, "riverside", riverside)]
    own_urls += [own_urls[0] + variant for variant in row.variants]
    for url in own_urls:
        for persona in PERSONAS:
            yield persona, url, row.expect[persona], "own district"
    if not in_district:
        return
    foreign_ids = _url(row, "riverside", lakeview)
    if row.names_objects:
        for persona in PERSONAS:
            expected = NOT_FOUND if row.expect[persona] == OK else row.expect[persona]
            yield persona, foreign_ids, expected, "another district's ids in one's own URL"
    for variant in ("", *row.variants):
        url = _url(row, "lakeview", lakeview) + variant
        for persona in PERSONAS:
            if persona == OSCAR:
                expected = row.expect[ALICE]
            elif persona == ANON:
                # Sent to sign in from a page, 401 from the API: as in their own district.
                expected = row.expect[ANON]
            else:
                expected = NOT_FOUND
            yield persona, url, expected, "another district's URL"
    if row.sibling is not None:
        sibling_url = reverse(
            row.route, kwargs={"district_slug": "riverside", **row.sibling(riverside)}
        )
        for persona in PERSONAS:
            yield persona, sibling_url, row.sibling_expect[persona], "another partner's object"


GROUPS = {
    "districts": lambda r: r.startswith("districts:"),
    "tiering": lambda r: r.startswith("tiering:"),
    "partners": lambda r: r.startswith("partners:"),
    "selfassessment": lambda r: r.startswith("selfassessment:"),
    "support": lambda r: r.startswith("support:"),
    "pdsa": lambda r: r.startswith("pdsa:"),
    "workshops": lambda r: r.startswith(("workshops:", "district_workshops:")),
    "api": lambda r: r.startswith("api:"),
    "accounts": lambda r: ":" not in r,
    "admin": lambda r: r.startswith("admin:"),
}


@pytest.mark.parametrize("group", GROUPS)
def test_isolation_matrix(group, requests, world):  # noqa: F811
    rows = [row for route, row in ROWS.items() if GROUPS[group](route)]
    assert rows
    wrong = []
    for row in rows:
        for persona, url, expected, case in _checks(row, world.ids):
            response = requests.send(persona, row.method, url)
            got = outcome(response)
            if got != expected:
                wrong.append(
                    f"{row.method} {url} as {persona} ({case}): expected {expected}, got {got}"
                )
            elif (
                got == OK
                and persona in MEMBERS
                and case == "own district"
                and any(marker in response.content for marker in LAKEVIEW_MARKERS)
            ):
                wrong.append(f"{row.method} {url} as {persona} shows Lakeview's data")
    assert not wrong, "\n".join(wrong)


class TokenRequests:
    """The same requests with an API token in place of the session: each member's personal
    token for their own district, and Riverside's integration token as one more persona."""

    INTEGRATION = "integration token"

    def __init__(self, secrets: dict[str, str]):
        self.secrets = secrets

    def send(self, persona: str, method: str, url: str):
        savepoint = transaction.savepoint()
        try:
            client = Client(
                raise_request_exception=False,
                HTTP_AUTHORIZATION=f"Bearer {self.secrets[persona]}",
            )
            return client.generic(method, url)
        finally:
            transaction.savepoint_rollback(savepoint)


def test_api_isolation_matrix_by_token(requests, world, district, other_district):  # noqa: F811
    """Every API operation × every persona holding a token: a personal token gets exactly
    what its person's session gets; an integration token may read nothing, and import."""
    secrets = {persona: personal_token(requests.users[persona], district) for persona in MEMBERS}
    secrets[OSCAR] = personal_token(requests.users[OSCAR], other_district)
    secrets[TokenRequests.INTEGRATION] = integration_token(requests.users[ALICE], district)
    by_token = TokenRequests(secrets)
    rows = [
        row for row in ROWS.values() if row.route.startswith("api:") and _in_district(row.route)
    ]
    assert rows
    wrong = []
    for row in rows:
        for persona, url, expected, case in _checks(row, world.ids):
            if persona not in secrets:
                continue
            got = outcome(by_token.send(persona, row.method, url))
            if got != expected:
                wrong.append(f"{row.method} {url} by {persona}'s token ({case}): {expected}, {got}")
        for url, expected in (
            (_url(row, "riverside", world.ids["riverside"]), row.integration),
            (_url(row, "lakeview", world.ids["lakeview"]), NOT_FOUND),
        ):
            got = outcome(by_token.send(TokenRequests.INTEGRATION, row.method, url))
            if got != expected:
                wrong.append(f"{row.method} {url} by the integration token: {expected}, {got}")
    assert not wrong, "\n".join(wrong)


def test_the_matrix_notices_a_hole(requests, world):  # noqa: F811
    """The comparison fails when a persona gets what their row denies: Bob (Banneker's
    principal) asking for an Adams student is refused; declared OK, the matrix reports him."""
    row = ROWS["tiering:student"]
    url = _url(row, "riverside", world.ids["riverside"])
    assert outcome(requests.send(BOB, "GET", url)) == NOT_FOUND
    assert outcome(requests.send(PAT, "GET", url)) == OK
    assert row.expect[BOB] == NOT_FOUND and row.expect[CAROL] == OK
    assert row.expect[PIA] == FORBIDDEN
