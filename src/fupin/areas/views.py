from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from fupin.accounts.scoping import has_perm, restrict, user_root_areas
from fupin.core import codes as codelists
from fupin.registry import selectors

from .models import Area


@login_required
def home(request):
    """Counts by household type and monitored kind for the user's area(s)."""
    roots = list(Area.objects.filter(code__in=user_root_areas(request.user)).order_by("code"))
    counts = selectors.counts_by_type(request.user) if has_perm(request.user, "registry.view") else None
    rows_type = []
    rows_kind = []
    if counts:
        total = sum(r["households"] for r in counts["by_type"].values()) or 1
        for code, label in codelists.choices("household_type"):
            r = counts["by_type"].get(code, {"households": 0, "persons": 0})
            rows_type.append({"code": code, "label": label, "households": r["households"],
                              "persons": r["persons"] or 0, "share": 100 * r["households"] / total,
                              "colour": codelists.get("household_type").attr(code, "colour")})
        for code, label in codelists.choices("monitor_kind"):
            r = counts["by_kind"].get(code, {"households": 0, "persons": 0, "open": 0, "eliminated": 0})
            rows_kind.append({"code": code, "label": label, **r})
    return render(request, "home.html", {"roots": roots, "rows_type": rows_type, "rows_kind": rows_kind,
                                         "total_households": sum(r["households"] for r in rows_type),
                                         "total_persons": sum(r["persons"] for r in rows_type),
                                         "quality": _quality_summary(request.user, roots)})


def _quality_summary(user, roots: list[Area]) -> dict | None:
    """The quality score of the user's (first) area and of its child areas, for the home page."""
    if not roots or not has_perm(user, "quality.view"):
        return None
    from fupin.quality import selectors as quality

    area = roots[0]
    children = []
    if area.level < 5:
        scores = quality.scores(user, area.code, area.level + 1)
        names = dict(Area.objects.filter(parent=area).values_list("code", "name"))
        children = sorted(([names.get(code, code), code, v] for code, v in scores.items() if code in names),
                          key=lambda r: -(r[2]["per100"] or 0))[:12]
    top = max([r[2]["per100"] or 0 for r in children] or [0]) or 1
    return {"area": area, "total": quality.area_score(user, area.code), "children": children, "max": top,
            "mine": quality.my_problems(user).count()}


@login_required
def browse(request, code: str | None = None):
    """Drill down province → village with registry counts per child area."""
    if not has_perm(request.user, "areas.view"):
        raise Http404
    visible = restrict(Area.objects.all(), request.user, "view")
    if code is None:
        roots = user_root_areas(request.user)
        if len(roots) == 1:
            return redirect("areas:browse", code=roots[0])
        children = list(visible.filter(code__in=roots).order_by("code"))
        area = None
    else:
        area = get_object_or_404(visible, code=code)
        children = list(visible.filter(parent=area).order_by("code"))
    counts = {}
    if children and has_perm(request.user, "registry.view"):
        level = children[0].level
        parent_code = area.code if area else None
        if parent_code:
            counts = selectors.child_area_counts(request.user, parent_code, level)
        else:
            for c in children:
                counts.update(selectors.child_area_counts(request.user, c.code, c.level))
    rows = [(c, counts.get(c.code, {})) for c in children]
    ancestors = Area.objects.filter(code__in=area.ancestor_codes()).order_by("code") if area else []
    in_scope = area is None or has_perm(request.user, "areas.view", area.code)
    return render(request, "areas/browse.html", {
        "area": area, "rows": rows, "ancestors": ancestors, "in_scope": in_scope,
        "groups": list(area.groups.all()) if area and area.is_village else [],
        "profile": getattr(area, "profile", None) if area and area.is_village else None,
        "totals": selectors.counts_by_type(request.user, area.code) if area and in_scope else None,
    })
