"""Tiering configuration in the operators' admin (/operators/): rule sets (a second, e.g. a
state accountability definition), attendance codes and saved column matchings. District staff
do not use this site; a settings page of their own comes with the next tiering work."""

from django.contrib import admin

from districts.admin import UnscopedAdmin

from .models import AttendanceCode, AttendanceImport, ImportProfile, RuleSet


@admin.register(RuleSet)
class RuleSetAdmin(UnscopedAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
