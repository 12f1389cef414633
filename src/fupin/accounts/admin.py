from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from fupin.core.admin import LoggedAdmin

from .models import Role, RoleAssignment, User


class AssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    raw_id_fields = ["area"]
    fields = ["role", "area", "department"]
    readonly_fields = ["role", "area", "department"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # add assignments on the role-assignment page (change-logged)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("单位", {"fields": ("full_name", "phone", "unit")}),)
    list_display = ["username", "full_name", "unit", "is_active", "is_staff", "last_login"]
    inlines = [AssignmentInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "description"]
    readonly_fields = ["code", "name", "description", "permissions"]

    def has_add_permission(self, request):
        return False  # roles come from config/roles.yaml


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(LoggedAdmin):
    list_display = ["user", "role", "area", "department"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "area__name", "area__code"]
    raw_id_fields = ["user", "area"]
