"""Every problem an import stores says what kind it is in a ``code`` (readers.ProblemCode), so
that the import page finds the unknown attendance codes by it rather than by how a reason
begins (issue 16). Problems stored before this are given theirs from their wording, unchanged
since the first import was written, or else from where they point: row 0 is the whole file,
row 1 its header, any other row a value. Reversing takes the codes off again."""

from django.db import migrations

# Wording only one kind of problem has, and its code, as readers and ingest wrote them; frozen
# here, as a migration's data must be, whatever the code says later.
WORDING = (
    ("Unknown attendance code.", "unknown_attendance_code"),
    ("Unknown school code.", "unknown_school"),
    ("Outside the school year (", "outside_school_year"),
    ("This day is already imported for this student.", "day_already_imported"),
    ("This student appears with different values here", "conflicting_values"),
    ("The same student and day appear twice", "repeated_row"),
    ("This student appears twice for the same school", "repeated_row"),
    ("Too long: ", "too_long"),
    ("not listed here; fix the ones above", "not_listed"),
    # The CSV parser's refusals point at the row where reading stopped.
    ("values but there are only", "file"),
    ('opens a quote (") that is never closed', "file"),
)


def _code(problem: dict) -> str:
    for words, code in WORDING:
        if words in problem["reason"]:
            return code
    return {0: "file", 1: "columns"}.get(problem["row"], "value")


def _each_district_imports(apps, schema_editor, change) -> None:
    """Imports force row-level security even on their owner, so each district's are changed
    inside its own setting (as partners/migrations/0003 moves its links)."""
    AttendanceImport = apps.get_model("tiering", "AttendanceImport")
    District = apps.get_model("districts", "District")
    with schema_editor.connection.cursor() as cursor:
        for district_id in District.objects.values_list("pk", flat=True):
            cursor.execute("SELECT set_config('app.district_id', %s, true)", [str(district_id)])
            imports = AttendanceImport._base_manager.exclude(errors=[])
            for pk, errors in imports.values_list("pk", "errors"):
                imports.filter(pk=pk).update(errors=[change(problem) for problem in errors])
        cursor.execute("SELECT set_config('app.district_id', '', true)")


def add_codes(apps, schema_editor) -> None:
    _each_district_imports(apps, schema_editor, lambda problem: {"code": _code(problem), **problem})


def remove_codes(apps, schema_editor) -> None:
    _each_district_imports(
        apps,
        schema_editor,
        lambda problem: {key: value for key, value in problem.items() if key != "code"},
    )


class Migration(migrations.Migration):
    dependencies = [("tiering", "0011_import_preview_and_coverage")]

    operations = [migrations.RunPython(add_codes, remove_codes)]
