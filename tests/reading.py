"""Tests run as the app's database role, which sees a district's rows only inside that
district's context: assertions about stored rows read them the way a task would."""

from districts.models import District
from districts.tenancy import system_context


def reading(district: District | str = "riverside"):
    if isinstance(district, str):
        district = District.objects.get(slug=district)
    return system_context(district, reason="test assertion")


def tiering_tables() -> list[str]:
    """Every table an import can write: the tiering app's, and the schools it may register."""
    from django.apps import apps

    tables = [model._meta.db_table for model in apps.get_app_config("tiering").get_models()]
    return sorted({*tables, "districts_school"})


def fingerprint(district: District | str = "riverside", *, tables=None) -> dict[str, str]:
    """A digest of every row of each table the district's context sees, to prove that
    something changed nothing."""
    from django.db import connection

    digests = {}
    with reading(district), connection.cursor() as cursor:
        for table in tables or tiering_tables():
            # The table names come from the models, never from input.
            query = "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            cursor.execute(f"{query} FROM {connection.ops.quote_name(table)} t")
            count, digest = cursor.fetchone()
            digests[table] = f"{count} rows, {digest}"
    return digests
