"""The operators' admin site (/operators/): for the people who run the service, not for
district staff, who do their work in the product's own pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor
from .models import District, Membership, School, SchoolYear, User
from .services import user_deactivate, user_sessions_end
from .tenancy import system_context

# django-otp's own admins show operators each person's authenticator secret and backup codes.
# What operators need is to reset a lost phone: an action on people, below.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


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
    list_display = ["name", "slug", "state", "minimum_days_enrolled", "require_admin_two_factor"]
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
    list_display = [
        "email",
        "full_name",
        "is_facilitator",
        "is_active",
        "is_staff",
        "has_two_factor",
    ]
    search_fields = ["email", "full_name"]
    actions = ["two_factor_reset"]
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

    def get_queryset(self, request):
        authenticator = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(two_factor=Exists(authenticator))

    @admin.display(boolean=True, description="Two-factor", ordering="two_factor")
    def has_two_factor(self, user) -> bool:
        return user.two_factor

    @admin.action(
        description="Turn off two-factor sign-in (lost phone and backup codes)",
        permissions=["change"],
    )
    def two_factor_reset(self, request, queryset):
        reset = [
            user.email
            for user in queryset
            if two_factor.two_factor_disable(user=user, by=request.user, path=request.path)
        ]
        self.message_user(
            request,
            f"Two-factor sign-in turned off for {', '.join(reset)}: they sign in with their "
            "password alone, and may set it up again."
            if reset
            else "None of them had two-factor sign-in on.",
        )
