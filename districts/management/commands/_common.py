from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from districts.models import District


def describe(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


def district_or_error(slug: str) -> District:
    district = District.objects.filter(slug=slug).first()
    if district is None:
        raise CommandError(f"No district with slug {slug!r}. Create it with create_district.")
    return district
