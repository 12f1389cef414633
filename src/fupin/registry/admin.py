from django.contrib import admin

from fupin.core.admin import ReadOnlyAdmin

from .models import Household, IncomeRecord, Member, WorkRecord

# The registry is edited in the application (services, scoping, locking); the admin only reads it.


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["number", "head_name", "village", "household_type", "monitor_kind", "size", "is_active"]
    list_filter = ["household_type", "monitor_kind", "is_active"]
    search_fields = ["number", "head_name"]
    list_select_related = ["village"]
    show_full_result_count = False


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ["name", "household", "relationship", "sex", "birth_date", "is_active"]
    search_fields = ["name"]
    list_select_related = ["household"]
    show_full_result_count = False
    exclude = ["id_number", "phone"]


@admin.register(IncomeRecord)
class IncomeRecordAdmin(ReadOnlyAdmin):
    list_display = ["household", "year", "net_income", "per_capita_income"]
    list_select_related = ["household"]
    show_full_result_count = False


@admin.register(WorkRecord)
class WorkRecordAdmin(ReadOnlyAdmin):
    list_display = ["member", "kind", "place", "start_month", "end_month"]
