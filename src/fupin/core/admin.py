from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .changes import create_logged, delete_logged, update_logged
from .errors import ConcurrentEditError
from .models import AccessLog, Job, ObjectChange


class VersionedAdminForm(forms.ModelForm):
    """Carries the version the form was opened at; a save after someone else's is refused."""

    _version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("_version") is not None:
            current = type(self.instance)._base_manager.filter(pk=self.instance.pk).values_list(
                "version", flat=True).first()
            if current != cleaned["_version"]:
                raise ValidationError(ConcurrentEditError().message)
        return cleaned


class LoggedAdmin(admin.ModelAdmin):
    """Admin edits go through the change log like every other write, with the same optimistic locking."""

    form = VersionedAdminForm

    def save_model(self, request, obj, form, change):
        if not change:
            create_logged(actor=request.user, instance=obj, summary="系统管理")
            return
        fresh = type(obj)._base_manager.get(pk=obj.pk)
        changes = {f: getattr(obj, f) for f in form.changed_data if f != "_version"}
        update_logged(actor=request.user, instance=fresh, changes=changes,
                      expected_version=form.cleaned_data.get("_version"), summary="系统管理")

    def delete_model(self, request, obj):
        delete_logged(actor=request.user, instance=obj, summary="系统管理")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ObjectChange)
class ObjectChangeAdmin(ReadOnlyAdmin):
    list_display = ["time", "user_name", "action", "content_type", "object_repr", "summary", "area_code"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "user_name", "object_id"]
    date_hierarchy = "time"


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["time", "user_name", "action", "object_type", "object_id", "fields", "row_count", "unmasked"]
    list_filter = ["action", "unmasked"]
    search_fields = ["user_name", "object_id"]
    date_hierarchy = "time"


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "status", "user", "progress", "message"]
    list_filter = ["kind", "status"]
