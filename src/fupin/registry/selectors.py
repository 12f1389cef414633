"""Reads of the registry. Every function takes the user and starts from :func:`restrict`."""

from __future__ import annotations

import re

from django.db.models import Count, Prefetch, Q, QuerySet

from fupin.accounts.scoping import has_perm, restrict, subtree_q
from fupin.areas import codes as area_codes
from fupin.assistance.models import HelperAssignment
from fupin.core.models import ObjectChange

from .models import Household, IncomeRecord, Member, WorkRecord

_ID_LIKE = re.compile(r"^[0-9Xx]{4,20}$")


def households_visible(user, action: str = "view") -> QuerySet[Household]:
    return restrict(Household.objects.all(), user, action)


def households_for_list(user) -> QuerySet[Household]:
    return households_visible(user).select_related("village", "village__parent")


def prefix_range(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, as an index range (LIKE with ESCAPE cannot use SQLite indexes)."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\uffff"})


def search_households(qs: QuerySet[Household], text: str) -> QuerySet[Household]:
    """Name (prefix, any member), ID number (prefix or whole) or household number (prefix)."""
    text = re.sub(r"\s+", "", text or "")
    if not text:
        return qs
    if _ID_LIKE.match(text):
        text = text.upper()
        member_q = Q(id_number=text) if len(text) == 18 else prefix_range("id_number", text)
        return qs.filter(prefix_range("number", text) | Q(id__in=Member.objects.filter(member_q)
                                                           .values("household_id")))
    return qs.filter(Q(id__in=Member.objects.filter(prefix_range("name", text)).values("household_id")))


def in_area(qs: QuerySet, field: str, code: str) -> QuerySet:
    code = (code or "").strip()
    if not code:
        return qs
    try:
        code = area_codes.normalize(code)
    except area_codes.AreaCodeError:
        return qs.none()
    return qs.filter(subtree_q(field, [code]))


def household_detail(user, pk: int) -> Household:
    """The household with what its page shows, in a fixed number of queries (no N+1)."""
    from django.shortcuts import get_object_or_404

    qs = households_visible(user).select_related("village", "village__parent", "village__parent__parent", "group",
                                                 "created_by", "updated_by")
    qs = qs.prefetch_related(
        Prefetch("members", queryset=Member.objects.order_by("-is_active", "relationship", "birth_date")
                 .prefetch_related(Prefetch("work_records", queryset=WorkRecord.objects.order_by("start_month")))),
        Prefetch("incomes", queryset=IncomeRecord.objects.order_by("-year")),
        Prefetch("helper_assignments", queryset=HelperAssignment.objects.select_related("helper")
                 .order_by("-start_date")),
    )
    return get_object_or_404(qs, pk=pk)


def household_history(household: Household) -> QuerySet[ObjectChange]:
    return ObjectChange.objects.filter(household_id=household.pk).select_related("content_type").order_by("-time", "-id")


def counts_by_type(user, area_code: str | None = None) -> dict:
    """Households and persons by household type and monitored kind, inside the user's scope (and an area)."""
    qs = households_visible(user).filter(is_active=True)
    if area_code:
        qs = in_area(qs, "village_id", area_code)
    by_type = {r["household_type"]: r for r in qs.values("household_type").annotate(
        households=Count("id"), persons=_sum_size())}
    by_kind = {}
    for r in qs.exclude(monitor_kind="").values("monitor_kind", "risk_eliminated").annotate(
            households=Count("id"), persons=_sum_size()):
        entry = by_kind.setdefault(r["monitor_kind"], {"households": 0, "persons": 0, "open": 0, "eliminated": 0})
        entry["households"] += r["households"]
        entry["persons"] += r["persons"] or 0
        entry["eliminated" if r["risk_eliminated"] else "open"] += r["households"]
    return {"by_type": by_type, "by_kind": by_kind}


def _sum_size():
    from django.db.models import Sum

    return Sum("size")


def child_area_counts(user, parent_code: str, child_level: int) -> dict[str, dict]:
    """Per child area: households, persons, exited, monitored (open) — one grouped query on the code prefix."""
    from django.db.models import Sum
    from django.db.models.functions import Substr

    length = area_codes.PREFIX_LENGTHS[child_level]
    qs = in_area(households_visible(user).filter(is_active=True), "village_id", parent_code)
    rows = qs.annotate(prefix=Substr("village_id", 1, length)).values("prefix").annotate(
        households=Count("id"), persons=Sum("size"),
        exited=Count("id", filter=Q(household_type="2")),
        poor=Count("id", filter=Q(household_type="1")),
        monitored=Count("id", filter=~Q(monitor_kind="")),
        monitored_open=Count("id", filter=~Q(monitor_kind="") & Q(risk_eliminated=False)),
    )
    return {r["prefix"].ljust(12, "0"): r for r in rows}


def export_visibility(qs, user) -> tuple[bool, bool]:
    """Whether an export of ``qs`` may show full ID numbers and full phones/bank accounts: only when the user may
    see them for every household in it (a role granted in one village does not unmask a township's list)."""
    def allowed(action: str) -> bool:
        return has_perm(user, f"registry.{action}") and not qs.exclude(
            pk__in=restrict(qs, user, action).values("pk")).exists()

    return allowed("view_id"), allowed("view_contact")
