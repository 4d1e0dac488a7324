"""The operators' admin site (/operators/): for the people who run the service, not for
district staff, who do their work in the product's own pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import District, Membership, School, SchoolYear, User
from .services import user_deactivate, user_sessions_end
from .tenancy import system_context


class KeepsStudentRecords:
    """Deleting one of these would cascade into student records, which the operators'
    database persona may not read or delete: a district leaves with `delete_district`, a
    person is deactivated, a role is changed rather than removed."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class UnscopedAdmin(admin.ModelAdmin):
    # Operators work across districts, so the admin reads through the unscoped manager;
    # tenant scoping applies to district users' routes.
    def get_queryset(self, request):
        return self.model.unscoped.all()

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)

        class InDistrictForm(base):
            def _post_clean(self):
                # Unique and constraint checks read the table through its scoped manager: run
                # them inside the district of the row being saved, like any other write.
                district = self.cleaned_data.get("district") or (
                    District.objects.filter(pk=self.instance.district_id).first()
                )
                if district is None:
                    return super()._post_clean()
                with system_context(district, reason="operators-admin"):
                    return super()._post_clean()

        return InDistrictForm


@admin.register(District)
class DistrictAdmin(KeepsStudentRecords, admin.ModelAdmin):
    list_display = ["name", "slug", "state", "minimum_days_enrolled"]
    search_fields = ["name", "slug"]


@admin.register(School)
class SchoolAdmin(KeepsStudentRecords, UnscopedAdmin):
    list_display = ["name", "sis_code", "district", "low_grade", "high_grade"]
    list_filter = ["district"]
    search_fields = ["name", "sis_code"]


@admin.register(SchoolYear)
class SchoolYearAdmin(KeepsStudentRecords, UnscopedAdmin):
    list_display = ["label", "district", "first_day", "last_day", "instructional_days"]
    list_filter = ["district"]


@admin.register(Membership)
class MembershipAdmin(KeepsStudentRecords, UnscopedAdmin):
    list_display = ["user", "district", "role"]
    list_filter = ["district", "role"]
    search_fields = ["user__email", "user__full_name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"user", "district"} & set(form.changed_data):
            # Moving a role to another person or district takes it from its holder.
            user_sessions_end(user=User.objects.get(pk=form.initial["user"]))


@admin.register(User)
class UserAdmin(KeepsStudentRecords, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_facilitator", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "is_facilitator"]}),
        ("Operator access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_deactivate(user=obj)
