"""The planning tool's versions, readable by operators. Versions are added by data migrations
only (so every text is reviewed in code); assessments are district data and stay in the
districts' own pages."""

from django.contrib import admin

from .models import Ingredient, Item, ReflectionQuestion, TemplateVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IngredientInline(admin.TabularInline):
    model = Ingredient
    fields = ["position", "name"]
    extra = 0

    has_add_permission = ReadOnlyAdmin.has_add_permission
    has_change_permission = ReadOnlyAdmin.has_change_permission
    has_delete_permission = ReadOnlyAdmin.has_delete_permission


@admin.register(TemplateVersion)
class TemplateVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "published_at"]
    inlines = [IngredientInline]


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ["key", "ingredient", "position", "text"]
    list_filter = ["ingredient__version"]
    search_fields = ["text", "key"]


@admin.register(ReflectionQuestion)
class ReflectionQuestionAdmin(ReadOnlyAdmin):
    list_display = ["version", "position", "heading"]
    list_filter = ["version"]
