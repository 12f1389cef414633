"""View helpers: scoped object lookup (404 outside the user's areas, 403 without the permission)."""

from __future__ import annotations

from functools import reduce

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from fupin.accounts.scoping import has_perm, perm_name, restrict


def area_code_of(obj: Model) -> str:
    """Follow the model's ``scope_field`` path (``household__village_id``) to the object's area code."""
    return reduce(lambda o, attr: getattr(o, attr), obj.scope_field.split("__"), obj)


def scoped_object_or_404(queryset: QuerySet, user, action: str = "view", **lookup) -> Model:
    """The object if the user may see it (else 404); with another action, 403 unless the user may do it there."""
    obj = get_object_or_404(restrict(queryset, user, "view"), **lookup)
    if action != "view" and not has_perm(user, perm_name(queryset.model, action), area_code_of(obj)):
        raise PermissionDenied("您没有在该区划进行此操作的权限")
    return obj


class PermissionRequiredMixin(LoginRequiredMixin):
    """Logged in and holding ``permission`` in some area (the object-level check is scoped_object_or_404)."""

    permission: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.permission and not has_perm(request.user, self.permission):
            raise PermissionDenied("您的角色没有此项权限")
        return super().dispatch(request, *args, **kwargs)
