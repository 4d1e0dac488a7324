"""The partner registry's personas: Pia (partner_staff) works for the Riverside Youth Club;
the food bank is another partner of the same district, whose entries she must never reach."""

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.db import connection

from districts.models import Membership
from districts.tenancy import operator_context, system_context
from partners.models import AbsenceReason, Intervention, PartnerType
from partners.services import (
    EntryFields,
    partner_entry_create,
    partner_organization_create,
    partner_staff_link_create,
)


def make_entry(
    district,
    organization,
    *,
    provided,
    schools=(),
    reasons=(),
    last_updated=None,
    contact_email="",
    tiers=("I",),
    interventions=(),
):
    with system_context(district, reason="test fixture"):
        return partner_entry_create(
            district=district,
            organization=organization,
            fields=EntryFields(
                contact_name="Casey Contact",
                contact_email=contact_email,
                contact_phone="(555) 010-2000",
                provided=provided,
                served="All students",
                time_period="SY 2026-2027",
                established_by_name="Alice Admin",
                established_by_email="alice@riverside.org",
                tiers=list(tiers),
                schools=list(schools),
                reasons=[AbsenceReason.objects.get(code=c) for c in reasons],
                interventions=[Intervention.objects.get(code=c) for c in interventions],
            ),
            changed_by=None,
            last_updated=last_updated or date(2026, 9, 1),
        )


@pytest.fixture
def taxonomy(db):
    """The seeded reasons for absence and interventions. Browser tests run on a live server
    whose teardown empties every table, migration-seeded rows included: seed them again."""
    if not AbsenceReason.objects.exists():
        # Reference data is the operators' to write once migrations are done.
        with operator_context(reason="test fixture"):
            importlib.import_module("partners.migrations.0002_seed_taxonomy").seed(apps, None)
            importlib.import_module(
                "partners.migrations.0003_merge_twin_absence_reasons"
            ).merge_taxonomy(apps, connection)


@pytest.fixture
def youth_club(district, taxonomy):
    with system_context(district, reason="test fixture"):
        return partner_organization_create(
            district=district,
            name="Riverside Youth Club",
            partner_type=PartnerType.OUT_OF_SCHOOL_TIME,
        )


@pytest.fixture
def food_bank(district, taxonomy):
    with system_context(district, reason="test fixture"):
        return partner_organization_create(
            district=district,
            name="Springfield County Food Bank",
            partner_type=PartnerType.HUNGER_RELIEF,
        )


@pytest.fixture
def club_entry(district, youth_club, school_a):
    return make_entry(
        district,
        youth_club,
        provided="After-school STEM club",
        schools=[school_a],
        reasons=["disengaged"],
        contact_email="coach@youthclub.org",
        tiers=("I", "II"),
        interventions=["explore-afterschool-options-art-music-stem-etc"],
    )


@pytest.fixture
def food_entry(district, food_bank):
    return make_entry(
        district,
        food_bank,
        provided="food",
        reasons=["housing-food-insecurity"],
        contact_email="pantry@foodbank.org",
    )


@pytest.fixture
def pia(district, partner_staff, youth_club):
    """Pia, linked to the youth club."""
    with system_context(district, reason="test fixture"):
        membership = Membership.unscoped.get(district=district, user=partner_staff)
        partner_staff_link_create(membership=membership, organization=youth_club)
    return partner_staff


@pytest.fixture
def lakeview_entry(other_district, taxonomy):
    with system_context(other_district, reason="test fixture"):
        org = partner_organization_create(
            district=other_district,
            name="Lakeview Mentors",
            partner_type=PartnerType.NATIONAL_SERVICE,
        )
    return make_entry(
        other_district,
        org,
        provided="Mentors",
        reasons=["disengaged"],
        last_updated=date(2020, 1, 1),
        contact_email="lm@lakeview.org",
    )
