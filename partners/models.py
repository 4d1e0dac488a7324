"""The partner registry: the "List of Partners" worksheet as tables, the reasons for absence it
is aligned to, and the link from a partner's staff to their organisation.

Vocabulary from the source documents lives here once: partner types ("Partners for Change"),
tiers, the four root-cause families, and (as seeded rows, migration 0002) the specific reasons
for absence and the interventions aligned to them.
"""

from __future__ import annotations

import uuid
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.timezone import now

from districts.models import Membership, School, TenantModel
from districts.querysets import TenantManager

from .querysets import (
    PartnerChangeQuerySet,
    PartnerEntryQuerySet,
    PartnerLinkQuerySet,
    PartnerOrganizationQuerySet,
    PartnerStaffLinkQuerySet,
)


class PartnerType(models.TextChoices):
    """The sixteen types of "Partners for Change", in the document's order and words."""

    BUSINESSES = "businesses", "Businesses"
    COMMUNITY_SCHOOLS = "community_schools", "Community Schools Initiatives"
    FAMILY_SUPPORT = "family_support", "Family Support Organizations"
    EARLY_CHILDHOOD = "early_childhood", "Early Childhood Providers"
    FAITH_BASED = "faith_based", "Faith-Based Organizations"
    HEALTH = "health", "Health / Mental Health Providers"
    HOUSING = "housing", "Housing Agencies"
    HUNGER_RELIEF = "hunger_relief", "Hunger Relief Organizations"
    HIGHER_EDUCATION = "higher_education", "Institutes of Higher Education"
    GOVERNMENT = "government", "Local / Tribal Governments"
    NATIONAL_SERVICE = "national_service", "National Service / Volunteers / Mentors"
    OUT_OF_SCHOOL_TIME = "out_of_school_time", "Out-of-School Time providers"
    SEL = "sel", "Social Emotional Learning Providers"
    SOCIAL_SERVICES = "social_services", "Social Services"
    POPULATION_SPECIFIC = "population", "Population-Specific Service or Civic Organizations"
    PHILANTHROPY = "philanthropy", "Philanthropy (including foundations and United Ways)"


class Tier(models.TextChoices):
    TIER_I = "I", "Tier I"
    TIER_II = "II", "Tier II"
    TIER_III = "III", "Tier III"


class ReasonFamily(models.TextChoices):
    """The four root causes of "Know Your Challenge"."""

    BARRIERS = "barriers", "Barriers"
    AVERSION = "aversion", "Aversion"
    DISENGAGEMENT = "disengagement", "Disengagement"
    MISCONCEPTIONS = "misconceptions", "Misconceptions"


FAMILY_TAGLINES: dict[str, str] = {
    ReasonFamily.BARRIERS: "Keeping you out of school",
    ReasonFamily.AVERSION: "I do not want to go to school",
    ReasonFamily.DISENGAGEMENT: "What is the point?",
    ReasonFamily.MISCONCEPTIONS: "I did not realize",
}

# "Update the information for each partner at least annually." An entry last updated exactly
# twelve calendar months ago is still current that day (it was updated within the year); it is
# stale from the next day. Calendar months, so Feb 29 looks back to Feb 28.
STALE_AFTER = relativedelta(months=12)
# A stale entry's contacts are reminded at most this often.
REMINDER_INTERVAL_DAYS = 30


def stale_cutoff(today: date) -> date:
    """Entries last updated before this date are stale on `today`."""
    return today - STALE_AFTER


def is_stale(last_updated: date, today: date) -> bool:
    return last_updated < stale_cutoff(today)


class AbsenceReason(models.Model):
    """A specific reason for absence (global, seeded): the root-cause families' lists and the
    rows of "Align Partners and Interventions to Reasons for Absences", each reason once.
    Where both documents name the same reason (migration 0003), the alignment table's row is
    kept and the root-cause list's wording becomes its description."""

    code = models.SlugField(max_length=60, unique=True)
    family = models.CharField(max_length=20, choices=ReasonFamily.choices)
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=200, blank=True)
    # From the alignment table; empty for reasons the table does not list.
    potential_partners = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name

    @property
    def labelled(self) -> str:
        """The name with the other document's wording, where the reason has one."""
        return f"{self.name} ({self.description})" if self.description else self.name


class Intervention(models.Model):
    """A possible intervention (global, seeded): the alignment table's, tied to a reason, and
    the Attendance Playbook's, tied to a tier."""

    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    reason = models.ForeignKey(
        AbsenceReason, on_delete=models.PROTECT, null=True, blank=True, related_name="interventions"
    )
    tier = models.CharField(max_length=3, choices=Tier.choices, blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__isnull=False) | ~Q(tier=""),
                name="intervention_has_reason_or_tier",
                violation_error_message="An intervention belongs to a reason or to a tier.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def source_label(self) -> str:
        if self.reason_id:
            return f"For {self.reason.name}"
        return f"Attendance Playbook, {self.get_tier_display()}"


# Codes of reasons merged into their twin (migration 0003), so that a registry exported
# before the merge still imports.
MERGED_REASON_CODES: dict[str, str] = {
    "poor-transportation": "transportation-barriers",
    "family-responsibilities": "family-work-responsibilities",
    "social-anxiety": "anxiety",
}


def _hsds_id() -> str:
    return str(uuid.uuid4())


class PartnerOrganization(TenantModel):
    name = models.CharField("name of partner", max_length=200)
    partner_type = models.CharField(max_length=40, choices=PartnerType.choices)
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    # The Open Referral (HSDS) identifier, kept so a re-import updates instead of duplicating.
    hsds_id = models.CharField("HSDS id", max_length=64, default=_hsds_id)

    objects = TenantManager.from_queryset(PartnerOrganizationQuerySet)()

    class Meta:
        ordering = ["name"]
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                "district",
                Lower("name"),
                name="partner_organization_unique_name_per_district",
                violation_error_message="This district already has a partner with this name.",
            ),
            models.UniqueConstraint(
                fields=["district", "hsds_id"],
                name="partner_organization_unique_hsds_id_per_district",
                violation_error_message="This district already has a partner with this HSDS id.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerEntry(TenantModel):
    """One row of the "List of Partners" worksheet: what one partner provides, to whom."""

    organization = models.ForeignKey(
        PartnerOrganization, on_delete=models.PROTECT, related_name="entries"
    )
    contact_name = models.CharField("contact name", max_length=200)
    contact_email = models.EmailField("contact email", blank=True)
    contact_phone = models.CharField("contact phone", max_length=40, blank=True)
    provided = models.CharField("what is being provided?", max_length=200)
    description = models.TextField("details", blank=True)
    served = models.CharField("who is being served?", max_length=200)
    time_period = models.CharField(
        "time period of partnership",
        max_length=100,
        blank=True,
        help_text="For example SY 2025-2026.",
    )
    established_by_name = models.CharField(
        "who established this partnership? (name)", max_length=200, blank=True
    )
    established_by_email = models.EmailField("established by (email)", blank=True)
    established_by_phone = models.CharField("established by (phone)", max_length=40, blank=True)
    last_updated = models.DateField("last updated on")
    tiers = ArrayField(
        models.CharField(max_length=3, choices=Tier.choices), default=list, blank=True
    )
    # No school named means the partner serves every school of the district.
    schools = models.ManyToManyField(School, through="PartnerEntrySchool", related_name="+")
    reasons = models.ManyToManyField(AbsenceReason, through="PartnerEntryReason", related_name="+")
    interventions = models.ManyToManyField(
        Intervention, through="PartnerEntryIntervention", related_name="+"
    )
    hsds_id = models.CharField("HSDS id", max_length=64, default=_hsds_id)
    updated_at = models.DateTimeField(default=now)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager.from_queryset(PartnerEntryQuerySet)()

    class Meta:
        ordering = ["organization__name", "provided"]
        default_manager_name = "objects"
        verbose_name_plural = "partner entries"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "hsds_id"],
                name="partner_entry_unique_hsds_id_per_district",
                violation_error_message="This district already has an entry with this HSDS id.",
            ),
        ]
        indexes = [models.Index(fields=["district", "last_updated"])]

    def __str__(self) -> str:
        return f"{self.organization.name}: {self.provided}"

    def tier_labels(self) -> list[str]:
        return [Tier(t).label for t in sorted(self.tiers, key=len)]


class PartnerEntrySchool(TenantModel):
    entry = models.ForeignKey(PartnerEntry, on_delete=models.CASCADE)
    school = models.ForeignKey(School, on_delete=models.CASCADE)

    objects = TenantManager.from_queryset(PartnerLinkQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "entry", "school"], name="partner_entry_school_unique"
            )
        ]


class PartnerEntryReason(TenantModel):
    entry = models.ForeignKey(PartnerEntry, on_delete=models.CASCADE)
    reason = models.ForeignKey(AbsenceReason, on_delete=models.PROTECT)

    objects = TenantManager.from_queryset(PartnerLinkQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "entry", "reason"], name="partner_entry_reason_unique"
            )
        ]


class PartnerEntryIntervention(TenantModel):
    entry = models.ForeignKey(PartnerEntry, on_delete=models.CASCADE)
    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT)

    objects = TenantManager.from_queryset(PartnerLinkQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "entry", "intervention"],
                name="partner_entry_intervention_unique",
            )
        ]


class ChangeAction(models.TextChoices):
    CREATED = "created", "Added"
    UPDATED = "updated", "Edited"
    CONFIRMED = "confirmed", "Confirmed still current"
    IMPORTED = "imported", "Imported (HSDS)"
    DELETED = "deleted", "Removed"


class PartnerChange(TenantModel):
    """Who changed an entry, when, and each field's old and new value. Kept when the entry is
    removed, so the registry's history outlives its rows."""

    entry = models.ForeignKey(
        PartnerEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    organization = models.ForeignKey(
        PartnerOrganization, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entry_label = models.CharField(max_length=420)
    action = models.CharField(max_length=16, choices=ChangeAction.choices)
    # Empty for changes made by an import run from the command line.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=now)
    # [{"field": label, "old": text, "new": text}, …]
    changes = models.JSONField(default=list, blank=True)

    objects = TenantManager.from_queryset(PartnerChangeQuerySet)()

    class Meta:
        ordering = ["-changed_at", "-pk"]
        default_manager_name = "objects"
        indexes = [models.Index(fields=["district", "entry", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.entry_label}"


class PartnerStaffLink(TenantModel):
    """Which organisation a partner-staff membership works for. It lives here, not in
    districts, because districts knows nothing of partners."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        PartnerOrganization, on_delete=models.PROTECT, related_name="staff_links"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    objects = TenantManager.from_queryset(PartnerStaffLinkQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "membership"], name="partner_staff_link_one_per_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.user} at {self.organization}"
