"""Everything that changes the partner registry. Each change to an entry is recorded (who,
when, each field's old and new value) in the same transaction as the change itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.timezone import now

from districts.models import District, Membership, School, User
from districts.roles import Role
from districts.services import (
    invitation_send,
    membership_grant,
    membership_revoke,
    user_create,
)
from districts.tenancy import require_working_for

from . import hsds
from .models import (
    MERGED_REASON_CODES,
    REMINDER_INTERVAL_DAYS,
    AbsenceReason,
    ChangeAction,
    Intervention,
    PartnerChange,
    PartnerEntry,
    PartnerEntryIntervention,
    PartnerEntryReason,
    PartnerEntrySchool,
    PartnerOrganization,
    PartnerStaffLink,
    PartnerType,
    Tier,
)


@dataclass
class EntryFields:
    """The worksheet's fields plus the registry's own, as one value the form, the HSDS import
    and the demo all fill in."""

    contact_name: str
    provided: str
    served: str
    time_period: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    description: str = ""
    established_by_name: str = ""
    established_by_email: str = ""
    established_by_phone: str = ""
    tiers: list[str] = field(default_factory=list)
    schools: list[School] = field(default_factory=list)
    reasons: list[AbsenceReason] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)


_SCALARS = [
    "contact_name",
    "contact_email",
    "contact_phone",
    "provided",
    "description",
    "served",
    "time_period",
    "established_by_name",
    "established_by_email",
    "established_by_phone",
]


def _snapshot(entry: PartnerEntry) -> dict[str, str]:
    """An entry as the history shows it: each field's label and its value as text."""
    meta = PartnerEntry._meta
    values = {"Name of partner": entry.organization.name}
    for name in _SCALARS:
        values[str(meta.get_field(name).verbose_name).capitalize()] = getattr(entry, name)
    values["Tiers served"] = ", ".join(entry.tier_labels())
    # Read through the link tables, never a prefetch cache that may predate the change.
    schools = PartnerEntrySchool.objects.filter(entry=entry).values_list("school__name", flat=True)
    values["Schools served"] = "; ".join(sorted(schools) or ["All schools"])
    reasons = PartnerEntryReason.objects.filter(entry=entry).order_by("reason__position")
    values["Reasons for absence addressed"] = "; ".join(
        reasons.values_list("reason__name", flat=True)
    )
    interventions = PartnerEntryIntervention.objects.filter(entry=entry).order_by(
        "intervention__position"
    )
    values["Interventions offered"] = "; ".join(
        interventions.values_list("intervention__name", flat=True)
    )
    values["Last updated on"] = entry.last_updated.isoformat()
    return values


def _difference(before: dict[str, str], after: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"field": label, "old": before.get(label, ""), "new": value}
        for label, value in after.items()
        if before.get(label, "") != value
    ]


def _record(
    *,
    entry: PartnerEntry,
    action: ChangeAction,
    changed_by: User | None,
    changes: list[dict[str, str]],
) -> PartnerChange:
    change = PartnerChange(
        district_id=entry.district_id,
        entry=entry if action != ChangeAction.DELETED else None,
        organization=entry.organization,
        entry_label=str(entry),
        action=action,
        changed_by=changed_by,
        changes=changes,
    )
    change.full_clean()
    change.save()
    return change


def _apply(entry: PartnerEntry, fields: EntryFields, district: District) -> None:
    require_working_for(district, *fields.schools)
    unknown_tiers = set(fields.tiers) - set(Tier.values)
    if unknown_tiers:
        raise ValidationError(f"Tiers are I, II or III, not {', '.join(sorted(unknown_tiers))}.")
    for name in _SCALARS:
        setattr(entry, name, getattr(fields, name).strip())
    entry.tiers = sorted(set(fields.tiers), key=Tier.values.index)
    entry.updated_at = now()
    entry.full_clean()
    entry.save()
    PartnerEntrySchool.objects.filter(entry=entry).delete()
    PartnerEntryReason.objects.filter(entry=entry).delete()
    PartnerEntryIntervention.objects.filter(entry=entry).delete()
    PartnerEntrySchool.objects.bulk_create(
        PartnerEntrySchool(district=district, entry=entry, school=s) for s in set(fields.schools)
    )
    PartnerEntryReason.objects.bulk_create(
        PartnerEntryReason(district=district, entry=entry, reason=r) for r in set(fields.reasons)
    )
    PartnerEntryIntervention.objects.bulk_create(
        PartnerEntryIntervention(district=district, entry=entry, intervention=i)
        for i in set(fields.interventions)
    )


@transaction.atomic
def partner_organization_create(
    *,
    district: District,
    name: str,
    partner_type: PartnerType | str,
    description: str = "",
    website: str = "",
    email: str = "",
    hsds_id: str | None = None,
) -> PartnerOrganization:
    require_working_for(district)
    organization = PartnerOrganization(
        district=district,
        name=name.strip(),
        partner_type=partner_type,
        description=description.strip(),
        website=website.strip(),
        email=email.strip(),
    )
    if hsds_id:
        organization.hsds_id = hsds_id
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def partner_organization_update(
    *,
    organization: PartnerOrganization,
    name: str,
    partner_type: PartnerType | str,
    description: str = "",
    website: str = "",
    email: str = "",
) -> PartnerOrganization:
    require_working_for(organization.district)
    organization.name = name.strip()
    organization.partner_type = partner_type
    organization.description = description.strip()
    organization.website = website.strip()
    organization.email = email.strip()
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def partner_entry_create(
    *,
    district: District,
    organization: PartnerOrganization,
    fields: EntryFields,
    changed_by: User | None,
    last_updated: date | None = None,
    hsds_id: str | None = None,
    action: ChangeAction = ChangeAction.CREATED,
) -> PartnerEntry:
    """A new entry, last updated today unless the caller knows better (an import carries the
    date the source last assured it)."""
    require_working_for(district, organization)
    entry = PartnerEntry(
        district=district,
        organization=organization,
        last_updated=last_updated or district.today(),
    )
    if hsds_id:
        entry.hsds_id = hsds_id
    _apply(entry, fields, district)
    _record(
        entry=entry, action=action, changed_by=changed_by, changes=_difference({}, _snapshot(entry))
    )
    return entry


@transaction.atomic
def partner_entry_update(
    *,
    entry: PartnerEntry,
    fields: EntryFields,
    changed_by: User | None,
    organization: PartnerOrganization | None = None,
    last_updated: date | None = None,
    action: ChangeAction = ChangeAction.UPDATED,
) -> PartnerEntry:
    """Saving an entry counts as updating it (the worksheet's "last updated on"), even when no
    field changed: the person saving has looked at it."""
    district = entry.district
    require_working_for(district, organization)
    before = _snapshot(entry)
    if organization is not None:
        entry.organization = organization
    entry.last_updated = last_updated or district.today()
    _apply(entry, fields, district)
    changes = _difference(before, _snapshot(entry))
    _record(
        entry=entry,
        action=action,
        changed_by=changed_by,
        changes=changes,
    )
    return entry


@transaction.atomic
def partner_entry_confirm(*, entry: PartnerEntry, changed_by: User) -> PartnerEntry:
    """ "Still current": the annual update when nothing has changed."""
    require_working_for(entry.district)
    before = _snapshot(entry)
    entry.last_updated = entry.district.today()
    entry.updated_at = now()
    entry.full_clean()
    entry.save(update_fields=["last_updated", "updated_at"])
    _record(
        entry=entry,
        action=ChangeAction.CONFIRMED,
        changed_by=changed_by,
        changes=_difference(before, _snapshot(entry)),
    )
    return entry


@transaction.atomic
def partner_entry_delete(*, entry: PartnerEntry, changed_by: User) -> None:
    require_working_for(entry.district)
    _record(
        entry=entry,
        action=ChangeAction.DELETED,
        changed_by=changed_by,
        changes=_difference(_snapshot(entry), {}),
    )
    entry.delete()


@transaction.atomic
def partner_staff_invite(
    *,
    district: District,
    organization: PartnerOrganization,
    email: str,
    full_name: str,
    invited_by: User,
) -> PartnerStaffLink:
    """Gives someone at a partner organisation a sign-in limited to that organisation's
    entries. A new person gets an email with a link to choose their password; someone who
    already has an account keeps it and is told where to sign in (districts/invitations.py,
    as for everyone invited from the People page)."""
    require_working_for(district, organization)
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_create(email=email, password=None, full_name=full_name.strip())
    existing = Membership.unscoped.filter(district=district, user=user).first()
    if existing is not None and existing.role != Role.PARTNER_STAFF:
        raise ValidationError(
            f"{email} already signs in to {district} as {existing.get_role_display().lower()}. "
            "Partner staff need an address of their own: invite their work address at the "
            "partner organisation instead."
        )
    if existing is not None:
        link = PartnerStaffLink.objects.filter(membership=existing).first()
        if link is not None and link.organization_id != organization.pk:
            raise ValidationError(
                f"{email} already works for {link.organization} in this district. Remove that "
                "access first, or invite another address."
            )
    membership = membership_grant(district=district, user=user, role=Role.PARTNER_STAFF)
    link = partner_staff_link_create(
        membership=membership, organization=organization, invited_by=invited_by
    )
    invitation_send(
        membership=membership,
        invited_by=invited_by,
        about=f"You will keep {organization}'s entries in the district's partner registry up to "
        f"date, and see and edit only {organization}'s entries.",
    )
    return link


@transaction.atomic
def partner_staff_link_create(
    *, membership: Membership, organization: PartnerOrganization, invited_by: User | None = None
) -> PartnerStaffLink:
    """Links a partner-staff membership to the organisation whose entries it keeps (kept as
    it is when the link already exists)."""
    require_working_for(membership.district, organization)
    if membership.role != Role.PARTNER_STAFF:
        raise ValidationError(f"{membership.user} is not partner staff in {membership.district}.")
    existing = PartnerStaffLink.objects.filter(membership=membership).first()
    if existing is not None:
        return existing
    link = PartnerStaffLink(
        district=membership.district,
        membership=membership,
        organization=organization,
        invited_by=invited_by,
    )
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def partner_staff_remove(*, link: PartnerStaffLink) -> None:
    """Ends a partner's staff member's access to this district, signing them out at once
    (their account stays, for any other district they work with)."""
    require_working_for(link.district)
    membership = link.membership
    link.delete()
    membership_revoke(membership=membership)


def _reminder_recipients(entry: PartnerEntry) -> list[str]:
    staff = PartnerStaffLink.objects.filter(
        organization_id=entry.organization_id, membership__user__is_active=True
    ).values_list("membership__user__email", flat=True)
    return sorted({e.lower() for e in [entry.contact_email, *staff] if e})


@transaction.atomic
def stale_entry_reminders_send(*, district: District, today: date) -> int:
    """Emails the contacts of each stale entry, at most once every REMINDER_INTERVAL_DAYS per
    entry. Returns how many entries were reminded."""
    require_working_for(district)
    recent = now() - timedelta(days=REMINDER_INTERVAL_DAYS)
    due = (
        PartnerEntry.objects.for_district(district)
        .stale(today)
        .exclude(reminded_at__gte=recent)
        .select_related("organization")
        .select_for_update(of=("self",))
    )
    reminded = 0
    for entry in due:
        recipients = _reminder_recipients(entry)
        if not recipients:
            continue
        url = settings.SITE_URL + reverse(
            "partners:edit", kwargs={"district_slug": district.slug, "entry_id": entry.pk}
        )
        send_mail(
            subject=f"{district}: please update {entry.organization}'s partner entry",
            message=(
                f"Hello,\n\n{district} keeps a list of its community partners and updates each "
                "entry at least once a year. This entry was last updated on "
                f"{entry.last_updated:%B %-d, %Y}:\n\n  {entry}\n\n"
                f"Please check it and save it (or confirm it is still current) here:\n{url}\n\n"
                "If you no longer work with this partnership, reply to let the district's "
                "attendance team know.\n"
            ),
            from_email=None,
            recipient_list=recipients,
        )
        entry.reminded_at = now()
        entry.save(update_fields=["reminded_at"])
        reminded += 1
    return reminded


class HsdsImportError(Exception):
    """An HSDS import that changed nothing, with one message per problem."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem(s); nothing was changed.")
        self.errors = errors


@dataclass
class HsdsImportResult:
    organizations_created: int = 0
    entries_created: int = 0
    entries_updated: int = 0
    entries_unchanged: int = 0


def _resolve(codes: list[str], known: dict, where: str, what: str, errors: list[str]) -> list:
    unknown = [c for c in codes if c not in known]
    if unknown:
        errors.append(
            f"{where}, field attributes: {what} {', '.join(unknown)} "
            f"{'is' if len(unknown) == 1 else 'are'} not in the registry's list."
        )
    return [known[c] for c in codes if c in known]


@transaction.atomic
def partner_registry_import_hsds(
    *, district: District, raw: bytes, changed_by: User | None
) -> HsdsImportResult:
    """Creates or updates organisations and entries from an HSDS document, matched by their
    HSDS ids (organisations also by name). It lands whole or changes nothing: any problem
    raises HsdsImportError listing every record and field at fault."""
    require_working_for(district)
    try:
        organizations, services, errors = hsds.parse_document(raw)
    except hsds.HsdsFormatError as error:
        raise HsdsImportError([str(error)]) from None
    schools = {s.name.casefold(): s for s in School.objects.for_district(district)}
    reasons = {r.code: r for r in AbsenceReason.objects.all()}
    reasons |= {old: reasons[kept] for old, kept in MERGED_REASON_CODES.items() if kept in reasons}
    interventions = {i.code: i for i in Intervention.objects.all()}
    tiers = {t.value: t.value for t in Tier}
    result = HsdsImportResult()
    by_hsds_id: dict[str, PartnerOrganization] = {}
    for n, org in enumerate(organizations, start=1):
        where = f"Organization {n} ({org.name or org.id})"
        existing = (
            PartnerOrganization.objects.for_district(district).filter(hsds_id=org.id).first()
            or PartnerOrganization.objects.for_district(district)
            .filter(name__iexact=org.name)
            .first()
        )
        if existing is not None:
            by_hsds_id[org.id] = existing
            continue
        if org.partner_type not in PartnerType.values:
            errors.append(
                f"{where}, field attributes: needs a partner type from the "
                f"{hsds.TAXONOMY_PARTNER_TYPE} taxonomy (one of {', '.join(PartnerType.values)})."
            )
            continue
        try:
            with transaction.atomic():
                by_hsds_id[org.id] = partner_organization_create(
                    district=district,
                    name=org.name,
                    partner_type=org.partner_type,
                    description=org.description,
                    website=org.website,
                    email=org.email,
                    hsds_id=org.id,
                )
                result.organizations_created += 1
        except ValidationError as error:
            errors.append(f"{where}: {' '.join(error.messages)}")
    for n, service in enumerate(services, start=1):
        where = f"Service {n} ({service.name or service.id})"
        unknown_schools = [name for name in service.schools if name.casefold() not in schools]
        if unknown_schools:
            errors.append(
                f"{where}, field service_areas: {', '.join(unknown_schools)} "
                f"{'is not a school' if len(unknown_schools) == 1 else 'are not schools'} of "
                f"{district}. Use the schools' names as the registry lists them."
            )
        fields = EntryFields(
            contact_name=service.contact.name,
            contact_email=service.contact.email,
            contact_phone=service.contact.phone,
            provided=service.name,
            description=service.description,
            served=service.served,
            time_period=service.time_period,
            established_by_name=service.established_by.name,
            established_by_email=service.established_by.email,
            established_by_phone=service.established_by.phone,
            tiers=_resolve(service.tiers, tiers, where, "tier", errors),
            schools=[schools[n.casefold()] for n in service.schools if n.casefold() in schools],
            reasons=_resolve(service.reasons, reasons, where, "reason for absence", errors),
            interventions=_resolve(
                service.interventions, interventions, where, "intervention", errors
            ),
        )
        organization = by_hsds_id.get(service.organization_id)
        if organization is None or service.assured_date is None:
            continue  # already reported by the parser or the organisation step
        entry = PartnerEntry.objects.for_district(district).filter(hsds_id=service.id).first()
        try:
            with transaction.atomic():
                if entry is None:
                    partner_entry_create(
                        district=district,
                        organization=organization,
                        fields=fields,
                        changed_by=changed_by,
                        last_updated=service.assured_date,
                        hsds_id=service.id,
                        action=ChangeAction.IMPORTED,
                    )
                    result.entries_created += 1
                else:
                    before = _snapshot(entry)
                    partner_entry_update(
                        entry=entry,
                        fields=fields,
                        changed_by=changed_by,
                        organization=organization,
                        last_updated=service.assured_date,
                        action=ChangeAction.IMPORTED,
                    )
                    if _snapshot(entry) == before:
                        # Re-importing what is already here records nothing.
                        transaction.set_rollback(True)
                        result.entries_unchanged += 1
                    else:
                        result.entries_updated += 1
        except ValidationError as error:
            errors.append(f"{where}: {' '.join(error.messages)}")
    if errors:
        raise HsdsImportError(errors)
    return result


def partner_registry_export_hsds(*, district: District, entries, exported_at) -> dict:
    """The HSDS document for `entries` (already scoped by the caller) and their
    organisations."""
    require_working_for(district)
    entries = list(entries)
    organizations = {e.organization_id: e.organization for e in entries}
    return hsds.export_document(
        publisher=district.name,
        exported_at=exported_at,
        organizations=[
            (
                hsds.Organization(
                    id=o.hsds_id,
                    name=o.name,
                    partner_type=o.partner_type,
                    description=o.description,
                    email=o.email,
                    website=o.website,
                ),
                hsds.Term(hsds.TAXONOMY_PARTNER_TYPE, o.partner_type, o.get_partner_type_display()),
            )
            for o in sorted(organizations.values(), key=lambda o: o.name)
        ],
        services=[(_hsds_service(e), _hsds_terms(e)) for e in entries],
    )


def _hsds_service(entry: PartnerEntry) -> hsds.Service:
    return hsds.Service(
        id=entry.hsds_id,
        organization_id=entry.organization.hsds_id,
        name=entry.provided,
        description=entry.description,
        served=entry.served,
        time_period=entry.time_period,
        assured_date=entry.last_updated,
        last_modified=entry.updated_at,
        contact=hsds.Person(entry.contact_name, entry.contact_email, entry.contact_phone),
        established_by=hsds.Person(
            entry.established_by_name, entry.established_by_email, entry.established_by_phone
        ),
        schools=sorted(s.name for s in entry.schools.all()),
    )


def _hsds_terms(entry: PartnerEntry) -> list[hsds.Term]:
    return [
        *(hsds.Term(hsds.TAXONOMY_TIER, t, Tier(t).label) for t in entry.tiers),
        *(hsds.Term(hsds.TAXONOMY_REASON, r.code, r.name) for r in entry.reasons.all()),
        *(hsds.Term(hsds.TAXONOMY_INTERVENTION, i.code, i.name) for i in entry.interventions.all()),
    ]
