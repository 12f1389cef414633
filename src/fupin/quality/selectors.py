"""Reads of the data-quality module: problem lists, counts by rule and area, quality scores, runs."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from fupin.accounts.scoping import grants, restrict
from fupin.areas import codes as area_codes
from fupin.registry import selectors as registry_selectors

from .models import Problem, Run

ACTIVE = Q(status__in=Problem.ACTIVE)


def problems_visible(user) -> QuerySet:
    return restrict(Problem.objects.all(), user, "view")


def in_area(qs: QuerySet, code: str | None) -> QuerySet:
    if not code:
        return qs
    lo, hi = area_codes.subtree_range(code)
    return qs.filter(village_id__gte=lo, village_id__lte=hi)


def my_problems(user) -> QuerySet:
    """Active problems assigned to the user: those of the villages where the user holds a role that rectifies
    (the village information officer). Township and county users review their area's lists instead."""
    villages = sorted({g.area_code for g in grants(user)
                       if "quality.fix" in g.permissions and area_codes.level_of(g.area_code) == 5})
    if not villages:
        return Problem.objects.none()
    return Problem.objects.filter(ACTIVE, village_id__in=villages)


def problem_list(user, *, area: str | None = None, rule: str | None = None, status: str | None = None,
                 severity: str | None = None, level: str | None = None, mine: bool = False,
                 overdue: bool = False, household: int | None = None) -> QuerySet:
    qs = my_problems(user) if mine else problems_visible(user)
    qs = in_area(qs, area)
    if rule:
        qs = qs.filter(rule_code=rule)
    if status == "active" or (status is None and not household):
        qs = qs.filter(ACTIVE)
    elif status and status != "all":
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    if level:
        qs = qs.filter(level=level)
    if overdue:
        qs = qs.filter(ACTIVE, due_date__lt=timezone.localdate())
    if household:
        qs = qs.filter(household_id=household)
    return qs.select_related("village", "household")


def counts_by_rule(qs: QuerySet) -> list[dict]:
    from .catalogue import CATALOGUE

    rows = qs.values("rule_code").annotate(n=Count("id"), households=Count("household_id", distinct=True)) \
        .order_by("-n")
    out = []
    for r in rows:
        rule = CATALOGUE.get(r["rule_code"])
        out.append({**r, "rule": rule, "title": rule.title if rule else r["rule_code"]})
    return out


def scores(user, parent_code: str, child_level: int) -> dict[str, dict]:
    """Per child area of ``parent_code``: open problems per 100 persons, share fixed, share overdue.

    Persons come from the registry (active households); problems from the list. One grouped query each."""
    length = area_codes.PREFIX_LENGTHS[child_level]
    today = timezone.localdate()
    qs = in_area(problems_visible(user), parent_code)
    rows = qs.annotate(prefix=Substr("village_id", 1, length)).values("prefix").annotate(
        total=Count("id"), active=Count("id", filter=ACTIVE), fixed=Count("id", filter=Q(status="fixed")),
        exempted=Count("id", filter=Q(status="exempted")),
        overdue=Count("id", filter=ACTIVE & Q(due_date__lt=today)),
    )
    registry = registry_selectors.child_area_counts(user, parent_code, child_level)
    out: dict[str, dict] = {}
    for code, r in registry.items():
        out[code] = {"persons": r.get("persons") or 0, "households": r.get("households") or 0, "total": 0,
                     "active": 0, "fixed": 0, "exempted": 0, "overdue": 0}
    for r in rows:
        code = r["prefix"].ljust(12, "0")
        out.setdefault(code, {"persons": 0, "households": 0})
        out[code].update({k: r[k] for k in ("total", "active", "fixed", "exempted", "overdue")})
    for v in out.values():
        v["per100"] = round(100 * v["active"] / v["persons"], 2) if v["persons"] else None
        v["share_fixed"] = round(100 * v["fixed"] / v["total"], 1) if v["total"] else None
        v["share_overdue"] = round(100 * v["overdue"] / v["active"], 1) if v["active"] else None
    return out


def area_score(user, code: str) -> dict:
    """The same figures for one area as a whole (grouped on the area's own code prefix)."""
    return scores(user, code, area_codes.level_of(code)).get(code, {
        "persons": 0, "total": 0, "active": 0, "fixed": 0, "overdue": 0, "per100": None, "share_fixed": None,
        "share_overdue": None})


def runs_visible(user) -> QuerySet:
    return restrict(Run.objects.all(), user, "view").select_related("area")
