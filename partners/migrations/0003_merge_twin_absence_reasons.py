"""Each reason for absence once. "Know Your Challenge" and the alignment table name three
reasons twice ("Poor transportation" and "Transportation Barriers", "Family responsibilities—
sibling, eldercare, etc." and "Family/Work Responsibilities", "Social anxiety" and "Anxiety"),
so a partner could cover one twin while the coverage map showed the other uncovered.

The alignment table's row is kept (its interventions and potential partners hang on it); it
takes the root-cause list's wording as its description and that list's place in the order.
Every row referring to the twin — partner entries' reasons, interventions, anything added
later — is moved to the kept reason first (a row that would then repeat one already there is
dropped), in every district, then the twin is deleted. Reversing brings the twins back, empty:
which links were on which twin is not recoverable.
"""

from django.db import migrations, models

# (the twin from "Know Your Challenge": code, family, name, position in 0002; the kept code,
# its position in 0002)
TWINS = [
    (
        "family-responsibilities",
        "barriers",
        "Family responsibilities—sibling, eldercare, etc.",
        1,
        "family-work-responsibilities",
        29,
    ),
    ("poor-transportation", "barriers", "Poor transportation", 5, "transportation-barriers", 30),
    ("social-anxiety", "aversion", "Social anxiety", 10, "anxiety", 27),
]


def _references(AbsenceReason):
    """(model, field name) of every foreign key to a reason; many-to-many relations are
    reached through their own models' keys."""
    return [
        (rel.related_model, rel.field.name)
        for rel in AbsenceReason._meta.related_objects
        if rel.one_to_many
    ]


def _repoint(model, field: str, twin_id: int, kept_id: int) -> None:
    unique_sets = [
        [name for name in constraint.fields if name != field]
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and field in constraint.fields
    ]
    for row in model._base_manager.filter(**{f"{field}_id": twin_id}):
        repeats = any(
            model._base_manager.filter(
                **{f"{field}_id": kept_id},
                **{
                    model._meta.get_field(name).attname: getattr(
                        row, model._meta.get_field(name).attname
                    )
                    for name in others
                },
            ).exists()
            for others in unique_sets
        )
        if repeats:
            row.delete()
        else:
            setattr(row, f"{field}_id", kept_id)
            row.save(update_fields=[field])


def move_links(apps, connection) -> None:
    """Moves every reference from a twin to its kept reason. Tenant tables force row-level
    security even on their owner, so each district's rows are moved inside its own setting."""
    AbsenceReason = apps.get_model("partners", "AbsenceReason")
    District = apps.get_model("districts", "District")
    ids = dict(AbsenceReason.objects.values_list("code", "pk"))
    pairs = [(ids[twin], ids[kept]) for twin, *_, kept, _ in TWINS if twin in ids]
    if not pairs:
        return
    references = _references(AbsenceReason)
    tenant = [(m, f) for m, f in references if any(x.name == "district" for x in m._meta.fields)]
    shared = [(m, f) for m, f in references if (m, f) not in tenant]
    with connection.cursor() as cursor:
        for district_id in District.objects.values_list("pk", flat=True):
            cursor.execute("SELECT set_config('app.district_id', %s, true)", [str(district_id)])
            for model, field in tenant:
                for twin_id, kept_id in pairs:
                    _repoint(model, field, twin_id, kept_id)
        cursor.execute("SELECT set_config('app.district_id', '', true)")
    for model, field in shared:
        for twin_id, kept_id in pairs:
            _repoint(model, field, twin_id, kept_id)


def merge_taxonomy(apps, connection) -> None:
    """The kept reasons take their twins' wording and places; the twins go. Deleted in SQL:
    the database's own foreign keys refuse a twin anything still refers to, without reading
    tenant tables that the operators, who reseed the taxonomy in tests, may not read."""
    AbsenceReason = apps.get_model("partners", "AbsenceReason")
    for twin_code, *_, kept_code, _ in TWINS:
        twin = AbsenceReason.objects.filter(code=twin_code).first()
        if twin is None:
            continue
        kept = AbsenceReason.objects.get(code=kept_code)
        kept.description = twin.name
        kept.position = twin.position
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(AbsenceReason._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [twin.pk])  # noqa: S608
        kept.save(update_fields=["description", "position"])


def merge(apps, schema_editor):
    move_links(apps, schema_editor.connection)
    merge_taxonomy(apps, schema_editor.connection)


def unmerge(apps, schema_editor):
    AbsenceReason = apps.get_model("partners", "AbsenceReason")
    for twin_code, family, name, position, kept_code, kept_position in TWINS:
        AbsenceReason.objects.filter(code=kept_code).update(description="", position=kept_position)
        AbsenceReason.objects.get_or_create(
            code=twin_code, defaults={"family": family, "name": name, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0010_district_update_walls"),
        ("partners", "0002_seed_taxonomy"),
    ]

    operations = [
        migrations.AddField(
            model_name="absencereason",
            name="description",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(merge, unmerge),
    ]
