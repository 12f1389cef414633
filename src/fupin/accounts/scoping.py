"""The one scoping function.

Every list, detail, form, API call, export, report and job limits its queryset with :func:`restrict`. A user holds
roles in areas; a permission (``registry.view``, ``registry.change`` ...) applies inside the subtrees of the areas
where the user holds a role that grants it. A model declares where its area code lives:

    scope_app = "registry"             # permission prefix
    scope_field = "village_id"         # path to a 12-digit area code

Subtrees are code ranges (see ``fupin.areas.codes``), so the filter is an index range scan on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet

from fupin.areas import codes as area_codes

ALL = object()  # sentinel: no area restriction (superusers)


@dataclass(frozen=True)
class Grant:
    area_code: str
    role: str
    permissions: frozenset[str]
    department: str


def grants(user) -> list[Grant]:
    """The user's role assignments, loaded once per user object (i.e. once per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_fupin_grants", None)
    if cached is None:
        cached = [
            Grant(a.area_id, a.role_id, frozenset(a.role.permissions), a.department)
            for a in user.assignments.select_related("role").order_by("area_id")
        ]
        user._fupin_grants = cached
    return cached


def areas_with(user, perm: str):
    """Area codes where ``user`` holds ``perm``, with nested ones dropped; ALL for superusers."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return ALL
    found = sorted({g.area_code for g in grants(user) if perm in g.permissions})
    roots: list[str] = []
    for code in found:
        if not any(area_codes.is_within(code, r) for r in roots):
            roots.append(code)
    return roots


def has_perm(user, perm: str, area_code: str | None = None) -> bool:
    """Whether the user holds ``perm`` anywhere (area_code None) or over the given area."""
    areas = areas_with(user, perm)
    if areas is ALL:
        return True
    if area_code is None:
        return bool(areas)
    return any(area_codes.is_within(area_code, a) for a in areas)


def subtree_q(field: str, area_list: list[str]) -> Q:
    q = Q(pk__in=[])
    for code in area_list:
        lo, hi = area_codes.subtree_range(code)
        q |= Q(**{f"{field}__gte": lo, f"{field}__lte": hi})
    return q


def perm_name(model: type[Model], action: str) -> str:
    return action if "." in action else f"{model.scope_app}.{action}"


def restrict(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    """Limit ``queryset`` to what ``user`` may ``action`` (view, change, export ...)."""
    model = queryset.model
    areas = areas_with(user, perm_name(model, action))
    if areas is ALL:
        return queryset
    if not areas:
        return queryset.none()
    q = subtree_q(model.scope_field, areas)
    if model._meta.label == "areas.Area" and action == "view":
        # Users see the names of the areas above theirs (breadcrumbs, drill-down from the top).
        q |= Q(code__in={a for code in areas for a in area_codes.ancestors(code)})
    return queryset.filter(q)


def is_visible(obj: Model, user, action: str = "view") -> bool:
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def user_root_areas(user) -> list[str]:
    """The top areas the user works in (for the home page and the area browser)."""
    areas = areas_with(user, "areas.view")
    if areas is ALL:
        from fupin.areas.models import Area

        return list(Area.objects.filter(level=1).values_list("code", flat=True))
    return areas
