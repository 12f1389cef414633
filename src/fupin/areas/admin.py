from django.contrib import admin

from fupin.core.admin import LoggedAdmin

from .models import Area, VillageGroup, VillageProfile


@admin.register(Area)
class AreaAdmin(LoggedAdmin):
    list_display = ["code", "name", "level", "parent", "is_poverty_county", "is_poverty_village", "poverty_exit_year"]
    list_filter = ["level", "is_poverty_county", "is_poverty_village"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "level", "parent"]

    def has_add_permission(self, request):
        return False  # areas come from the official code list: `fupin areas import`

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VillageGroup)
class VillageGroupAdmin(LoggedAdmin):
    list_display = ["village", "name", "sort"]
    search_fields = ["name", "village__name"]
    raw_id_fields = ["village"]


@admin.register(VillageProfile)
class VillageProfileAdmin(LoggedAdmin):
    list_display = ["village", "is_exited", "total_households", "total_population", "first_secretary"]
    raw_id_fields = ["village"]
