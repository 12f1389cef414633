from django.contrib import admin

from fupin.core.admin import LoggedAdmin

from .models import Helper, HelperAssignment


@admin.register(Helper)
class HelperAdmin(LoggedAdmin):
    list_display = ["name", "unit", "post", "phone", "area"]
    search_fields = ["name", "unit"]
    raw_id_fields = ["area", "user"]


@admin.register(HelperAssignment)
class HelperAssignmentAdmin(LoggedAdmin):
    list_display = ["helper", "household", "start_date", "end_date"]
    raw_id_fields = ["helper", "household"]
