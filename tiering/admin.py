"""Tiering configuration in the operators' admin (/operators/): rule sets (a second, e.g. a
state accountability definition), attendance codes and saved column matchings. District staff
do not use this site; a settings page of their own comes with the next tiering work."""

from django.contrib import admin

from districts.admin import KeepsStudentRecords, UnscopedAdmin

from .models import AttendanceCode, AttendanceImport, ImportProfile, RuleSet


@admin.register(RuleSet)
class RuleSetAdmin(KeepsStudentRecords, UnscopedAdmin):
    list_display = [
        "name",
        "district",
        "is_primary",
        "minimum_days_enrolled",
        "count_in_school_suspension",
        "partial_day_fraction",
    ]
    list_filter = ["district"]


@admin.register(AttendanceCode)
class AttendanceCodeAdmin(UnscopedAdmin):
    list_display = ["code", "category", "absent_fraction", "district"]
    list_filter = ["district", "category"]
    search_fields = ["code"]


@admin.register(ImportProfile)
class ImportProfileAdmin(UnscopedAdmin):
    list_display = ["district", "kind", "updated_at"]
    list_filter = ["district"]


@admin.register(AttendanceImport)
class AttendanceImportAdmin(UnscopedAdmin):
    # The record of what was imported is history: readable here, changed only by imports.
    list_display = ["filename", "district", "kind", "status", "created_at", "rows_imported"]
    list_filter = ["district", "status", "kind"]
    # Named, so that the page never builds a form: a form's choices for the school year and
    # the duplicated import would read tenant tables outside any tenant context.
    fields = readonly_fields = [
        "district",
        "filename",
        "kind",
        "status",
        "daily_mode",
        "create_schools",
        "source",
        "uploaded_by",
        "as_of",
        "school_year",
        "duplicate_of",
        "sha256",
        "size_bytes",
        "created_at",
        "started_at",
        "finished_at",
        "rows_read",
        "rows_imported",
        "error_count",
        "message",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
