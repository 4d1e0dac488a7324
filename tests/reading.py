"""Tests run as the app's database role, which sees a district's rows only inside that
district's context: assertions about stored rows read them the way a task would."""

from districts.models import District
from districts.tenancy import system_context


def reading(district: District | str = "riverside"):
    if isinstance(district, str):
        district = District.objects.get(slug=district)
    return system_context(district, reason="test assertion")
