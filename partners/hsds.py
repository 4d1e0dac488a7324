"""The registry in the Open Referral Human Services Data Specification (HSDS 3.0), so a district
can exchange entries with 211-style directories.

One JSON document rather than HSDS's tabular datapackage (a zip of CSVs joined by ids): HSDS
3.0's API publishes each `service` as one object with its contacts, phones, service areas and
attributes nested, which is what 211 directories exchange, and a nested document round-trips
without id-join bookkeeping. The document carries `organizations`, `services` and the
`taxonomy_terms` they use, under their HSDS field names.

Mapping (worksheet field → HSDS):
  partner name, partner type  → organization.name; attribute (partner-type taxonomy)
  what is being provided      → service.name (details → service.description)
  who is being served         → service.eligibility_description
  time period of partnership  → service.schedules[0].description
  contact (name, email, phone)→ service.contacts[0] (+ phones); email also service.email
  who established it          → service.contacts[] titled ESTABLISHED_TITLE
  last updated on             → service.assured_date (last_modified: the last edit's time)
  schools served              → service.service_areas[].name (none: every school)
  tiers, reasons, interventions → service.attributes[] with taxonomy_term

No Django here: the export takes plain values and the parser returns plain values and
per-record errors; partners.services resolves them against the district's rows.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

HSDS_VERSION = "3.0"
CONTACT_TITLE = "Partner contact"
ESTABLISHED_TITLE = "Established this partnership"
SERVICE_AREA_DESCRIPTION = "School served"

# Our own taxonomies, named so that another directory can tell them apart from its own.
TAXONOMY_PARTNER_TYPE = "attendanceworks-partner-type"
TAXONOMY_REASON = "attendanceworks-reason-for-absence"
TAXONOMY_INTERVENTION = "attendanceworks-intervention"
TAXONOMY_TIER = "mtss-tier"
TAXONOMIES = {
    TAXONOMY_PARTNER_TYPE: "Partners for Change: types of community partner (Attendance Works)",
    TAXONOMY_REASON: "Reasons for absence: barriers, aversion, disengagement, misconceptions",
    TAXONOMY_INTERVENTION: "Interventions aligned to reasons for absence and Attendance Playbook",
    TAXONOMY_TIER: "Tiers of a multi-tiered system of support (I, II, III)",
}

_NAMESPACE = uuid.UUID("0f6d3c8e-6b0e-4c9e-9a51-3b2f7f1f5a10")


def stable_id(*parts: str) -> str:
    """Ids for nested records, the same on every export of the same entry."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


@dataclass(frozen=True)
class Term:
    taxonomy: str
    code: str
    name: str

    def as_hsds(self) -> dict:
        return {
            "id": stable_id("taxonomy_term", self.taxonomy, self.code),
            "code": self.code,
            "name": self.name,
            "taxonomy": self.taxonomy,
            "taxonomy_id": stable_id("taxonomy", self.taxonomy),
        }


@dataclass
class Person:
    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass
class Organization:
    id: str
    name: str
    partner_type: str = ""
    description: str = ""
    email: str = ""
    website: str = ""


@dataclass
class Service:
    id: str
    organization_id: str
    name: str
    served: str
    assured_date: date | None
    description: str = ""
    time_period: str = ""
    last_modified: datetime | None = None
    contact: Person = field(default_factory=Person)
    established_by: Person = field(default_factory=Person)
    schools: list[str] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)


# --- export ---------------------------------------------------------------------------------


def _attribute(link_id: str, term: Term) -> dict:
    return {
        "id": stable_id("attribute", link_id, term.taxonomy, term.code),
        "link_id": link_id,
        "link_type": "service" if term.taxonomy != TAXONOMY_PARTNER_TYPE else "organization",
        "link_entity": "service" if term.taxonomy != TAXONOMY_PARTNER_TYPE else "organization",
        "taxonomy_term_id": term.as_hsds()["id"],
        "value": term.name,
        "taxonomy_term": term.as_hsds(),
    }


def _contact(service_id: str, role: str, title: str, person: Person) -> dict:
    contact_id = stable_id("contact", service_id, role)
    return {
        "id": contact_id,
        "service_id": service_id,
        "name": person.name,
        "title": title,
        "email": person.email,
        "phones": (
            [
                {
                    "id": stable_id("phone", contact_id),
                    "contact_id": contact_id,
                    "number": person.phone,
                }
            ]
            if person.phone
            else []
        ),
    }


def export_document(
    *,
    publisher: str,
    exported_at: datetime,
    organizations: list[tuple[Organization, Term]],
    services: list[tuple[Service, list[Term]]],
) -> dict:
    used_terms: dict[str, Term] = {}
    orgs = []
    for org, type_term in organizations:
        used_terms[type_term.as_hsds()["id"]] = type_term
        orgs.append(
            {
                "id": org.id,
                "name": org.name,
                "description": org.description,
                "email": org.email,
                "website": org.website,
                "attributes": [_attribute(org.id, type_term)],
            }
        )
    out_services = []
    for service, terms in services:
        for term in terms:
            used_terms[term.as_hsds()["id"]] = term
        contacts = [_contact(service.id, "contact", CONTACT_TITLE, service.contact)]
        if service.established_by.name or service.established_by.email:
            contacts.append(
                _contact(service.id, "established", ESTABLISHED_TITLE, service.established_by)
            )
        out_services.append(
            {
                "id": service.id,
                "organization_id": service.organization_id,
                "name": service.name,
                "description": service.description,
                "status": "active",
                "email": service.contact.email,
                "eligibility_description": service.served,
                "assured_date": service.assured_date.isoformat() if service.assured_date else None,
                "last_modified": service.last_modified.isoformat()
                if service.last_modified
                else None,
                "schedules": (
                    [
                        {
                            "id": stable_id("schedule", service.id),
                            "service_id": service.id,
                            "description": service.time_period,
                        }
                    ]
                    if service.time_period
                    else []
                ),
                "contacts": contacts,
                "service_areas": [
                    {
                        "id": stable_id("service_area", service.id, school),
                        "service_id": service.id,
                        "name": school,
                        "description": SERVICE_AREA_DESCRIPTION,
                    }
                    for school in service.schools
                ],
                "attributes": [_attribute(service.id, term) for term in terms],
            }
        )
    return {
        "hsds_version": HSDS_VERSION,
        "publisher": publisher,
        "exported_at": exported_at.isoformat(),
        "taxonomies": [
            {"id": stable_id("taxonomy", name), "name": name, "description": description}
            for name, description in TAXONOMIES.items()
        ],
        "taxonomy_terms": [used_terms[k].as_hsds() for k in sorted(used_terms)],
        "organizations": orgs,
        "services": out_services,
    }


# --- import ---------------------------------------------------------------------------------


class HsdsFormatError(ValueError):
    """The document is not HSDS JSON this importer can read; nothing was changed."""


def _text(record: dict, key: str, where: str, errors: list[str], *, required=False) -> str:
    value = record.get(key)
    if value is None or value == "":
        if required:
            errors.append(f"{where}, field {key}: is missing; it is required.")
        return ""
    if not isinstance(value, str):
        errors.append(f"{where}, field {key}: must be text, not {type(value).__name__}.")
        return ""
    return value.strip()


def _date(value: object, where: str, key: str, errors: list[str]) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        errors.append(f"{where}, field {key}: “{value}” is not a date (YYYY-MM-DD).")
        return None


def _datetime(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _records(document: dict, key: str) -> list:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise HsdsFormatError(f"“{key}” must be a list of objects.")
    return value


def _terms(record: dict) -> list[tuple[str, str]]:
    """(taxonomy, code) of each attribute's taxonomy term."""
    found = []
    for attribute in record.get("attributes") or []:
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if isinstance(term, dict) and term.get("code"):
            found.append((str(term.get("taxonomy") or ""), str(term["code"])))
    return found


def _person(contact: dict) -> Person:
    phones = [p for p in contact.get("phones") or [] if isinstance(p, dict) and p.get("number")]
    return Person(
        name=str(contact.get("name") or "").strip(),
        email=str(contact.get("email") or "").strip(),
        phone=str(phones[0]["number"]).strip() if phones else "",
    )


def parse_document(raw: bytes) -> tuple[list[Organization], list[Service], list[str]]:
    """Reads an HSDS document. Raises HsdsFormatError when it cannot be read at all; otherwise
    returns what it read and one message per problem, naming the record and the field."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HsdsFormatError(
            f"This file is not JSON ({error}). Export HSDS as JSON and upload that file."
        ) from None
    if not isinstance(document, dict) or "services" not in document:
        raise HsdsFormatError(
            "This JSON has no “services” list, so it is not an HSDS export of services."
        )
    errors: list[str] = []
    organizations = []
    for n, record in enumerate(_records(document, "organizations"), start=1):
        where = f"Organization {n} ({record.get('name') or record.get('id') or 'no name'})"
        org = Organization(
            id=_text(record, "id", where, errors, required=True),
            name=_text(record, "name", where, errors, required=True),
            description=_text(record, "description", where, errors),
            email=_text(record, "email", where, errors),
            website=_text(record, "website", where, errors),
        )
        types = [code for taxonomy, code in _terms(record) if taxonomy == TAXONOMY_PARTNER_TYPE]
        org.partner_type = types[0] if types else ""
        organizations.append(org)
    known_orgs = {o.id for o in organizations}
    services = []
    for n, record in enumerate(_records(document, "services"), start=1):
        where = f"Service {n} ({record.get('name') or record.get('id') or 'no name'})"
        service = Service(
            id=_text(record, "id", where, errors, required=True),
            organization_id=_text(record, "organization_id", where, errors, required=True),
            name=_text(record, "name", where, errors, required=True),
            description=_text(record, "description", where, errors),
            served=_text(record, "eligibility_description", where, errors, required=True),
            assured_date=_date(record.get("assured_date"), where, "assured_date", errors),
            last_modified=_datetime(record.get("last_modified")),
        )
        if service.organization_id and service.organization_id not in known_orgs:
            errors.append(
                f"{where}, field organization_id: no organization with id "
                f"{service.organization_id} is in this file; include its organization."
            )
        if record.get("assured_date") in (None, ""):
            if service.last_modified is not None:
                service.assured_date = service.last_modified.date()
            else:
                errors.append(
                    f"{where}, field assured_date: is missing (and so is last_modified); the "
                    "registry needs the date the entry was last updated."
                )
        schedules = [s for s in record.get("schedules") or [] if isinstance(s, dict)]
        if schedules:
            service.time_period = str(schedules[0].get("description") or "").strip()
        contacts = [c for c in record.get("contacts") or [] if isinstance(c, dict)]
        established = [c for c in contacts if c.get("title") == ESTABLISHED_TITLE]
        others = [c for c in contacts if c.get("title") != ESTABLISHED_TITLE]
        if established:
            service.established_by = _person(established[0])
        if others:
            service.contact = _person(others[0])
        if not service.contact.name:
            errors.append(
                f"{where}, field contacts: needs a contact with a name (the worksheet's "
                "“contact info”)."
            )
        if not service.contact.email:
            service.contact.email = str(record.get("email") or "").strip()
        service.schools = [
            str(a["name"]).strip()
            for a in record.get("service_areas") or []
            if isinstance(a, dict) and a.get("name")
        ]
        for taxonomy, code in _terms(record):
            target = {
                TAXONOMY_TIER: service.tiers,
                TAXONOMY_REASON: service.reasons,
                TAXONOMY_INTERVENTION: service.interventions,
            }.get(taxonomy)
            if target is not None:
                target.append(code)
        services.append(service)
    return organizations, services, errors
