"""Registry rows in the database from the rule-test kit's dicts (:mod:`tests.quality.kit`).

    hh, members = create(village, household={"phone": ""}, members=[kit.head(), kit.spouse()])

Rows are written with the ORM, not the registry services: fast, and on purpose past the model validation, because
the rules exist for data the forms refuse but imports and old data contain. Every column defaults to the kit's
clean exited household (head 46 and spouse 44, one income record for 2025), on which no rule finds anything.
``members`` maps the kit's member ids to the rows, so a rule table's expected ids can be translated.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.db import models

from fupin.areas.models import Area, VillageProfile
from fupin.assistance.models import Helper, HelperAssignment
from fupin.core import idnumber
from fupin.quality import frames
from fupin.registry.models import Household, IncomeRecord, Member, WorkRecord
from tests.quality import kit

CHECK_DATE = kit.CHECK_DATE
_phones = itertools.count(1)
_villages = itertools.count(1)


class Unplantable(ValueError):
    """The case needs a value the database cannot hold (e.g. NULL in a NOT NULL column)."""


def _value(model, name: str, value):
    field = model._meta.get_field(name)
    if name in ("risk_types", "other_causes") and isinstance(value, str):
        return [c for c in value.split(",") if c]
    if value is None and not field.null:
        if isinstance(field, models.CharField):
            return ""  # the frames read an empty text and NULL alike
        raise Unplantable(f"{model.__name__}.{name} cannot be NULL")
    if isinstance(field, models.DecimalField) and value is not None:
        return Decimal(str(value))
    return value


def _fields(model, row: dict, skip: set[str]) -> dict:
    return {k: _value(model, k, v) for k, v in row.items() if k not in skip}


def _free_id(number: str) -> str:
    """``number`` if no active member holds it, else a valid number with the same area, birth date and sex."""
    if not number or not Member.objects.filter(id_number=number, is_active=True).exists():
        return number
    try:
        info = idnumber.parse(number)
    except idnumber.IdNumberError:
        raise Unplantable(f"invalid ID {number} used twice") from None
    for seq in range(1 if info.sex == "1" else 2, 1000, 2):
        candidate = idnumber.make(number[:6], info.birth_date, seq)
        if not Member.objects.filter(id_number=candidate, is_active=True).exists():
            return candidate
    raise Unplantable(f"no free ID like {number}")


def village(parent: Area, name: str | None = None, *, profile: dict | None = None) -> Area:
    """A new village under the township ``parent`` (optionally with its profile)."""
    n = next(_villages)
    code = f"{parent.code[:9]}{n:03d}"
    area = Area.objects.create(code=code, name=name or f"种植村{n}", level=5, parent=parent)
    if profile is not None:
        VillageProfile.objects.create(village=area, **profile)
    return area


def create(village: Area, *, household: dict | None = None, members: list[dict] | None = None,
           incomes: list[dict] | None = None, work: list[dict] | None = None,
           extra_households: list[tuple[dict, list[dict]]] = (), members_by_id: dict | None = None
           ) -> tuple[Household, dict[int, Member]]:
    """The household (and ``extra_households``) of a rule-table case; returns the first household and the
    members by kit id. Members' phones are unique per household unless the case sets them (the shared-phone rule
    looks across households)."""
    by_id: dict[int, Member] = {} if members_by_id is None else members_by_id
    first = None
    for n, (h, ms) in enumerate([(household or {}, members), *extra_households]):
        hh = _household(village, h, ms, by_id)
        if n == 0:
            first = hh
            for inc in incomes if incomes is not None else [{}]:
                row = {**kit.INCOME, **inc}
                IncomeRecord.objects.create(household=hh, household_size=max(hh.size, 1),
                                            **_fields(IncomeRecord, row, set()))
    for w in work or ():
        row = {"kind": "actual", "county": "", "start_month": None, "end_month": None, "monthly_income": None, **w}
        member = by_id[row.pop("member_id")]
        WorkRecord.objects.create(member=member, **_fields(WorkRecord, row, set()))
    return first, by_id


def _household(village: Area, h: dict, ms: list[dict] | None, by_id: dict) -> Household:
    from fupin.registry.services import next_household_number

    phone = f"139{next(_phones):08d}"
    rows = [kit.member(0, **dict(m)) for m in (ms if ms is not None else [{"age": 46}, kit.SPOUSE])]
    for m, given in zip(rows, ms if ms is not None else [{}, kit.SPOUSE], strict=True):
        if "phone" not in given:
            m["phone"] = phone
    heads = [m for m in rows if m["relationship"] == "01"]
    row = {**kit.HOUSEHOLD, **h}
    # The kit's measure categories are texts of the national measure columns (Household.extra), its counts rows.
    measures = {k: row.pop(k) for k in list(row) if k in frames.MEASURE_SOURCES}
    extra = {frames.MEASURE_SOURCES[k][0]: text for k, text in measures.items() if text}
    helpers, disabled_left = row.pop("helpers"), row.pop("disabled_left")
    hh = Household.objects.create(
        number=next_household_number(village.code), village=village, size=len(rows),
        head_name=heads[0]["name"] if heads else "", extra=extra,
        **_fields(Household, row, {"id", "number", "village_id", "version", "head_name", "size"}))
    for _ in range(helpers):
        helper = Helper.objects.create(name="帮扶人", unit="县农业农村局", phone=f"137{next(_phones):08d}",
                                       area=village)
        HelperAssignment.objects.create(helper=helper, household=hh, start_date=dt.date(2021, 1, 1))
    for _ in range(disabled_left):
        Member.objects.create(household=hh, name="已故成员", relationship="03", sex="1", health="4",
                              birth_date=dt.date(1950, 1, 1), is_active=False, left_reason="1",
                              left_date=dt.date(2024, 5, 1))
    for m in rows:
        kit_id = m["id"]
        fields = _fields(Member, m, {"id", "household_id", "version"})
        fields["id_number"] = _free_id(fields["id_number"])
        by_id[kit_id] = Member.objects.create(household=hh, **fields)
    return hh


def clean_household(village: Area, **kw) -> Household:
    """The kit's clean exited household (no rule finds anything in it), with ``kw`` over the household columns."""
    hh, _ = create(village, household=kw)
    return hh


def birth(age: int) -> dt.date:
    return dt.date(CHECK_DATE.year - age, 1, 1)
