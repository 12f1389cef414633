"""Frames for rule tests without a database: a household (or several) from dicts, with every column defaulted.

    frames = household_frames(household={"household_type": "2"}, members=[{"age": 14, "student_status": "17"}])
    assert found("5_17_003", frames) == {1}

Rule tests are tables: ``CASES = {code: [case(expected_ids, household=..., members=...), ...]}`` per family, run by
:func:`table`; the expected ids are members (person rules), households (household rules) or villages (village
rules), an empty set when the rule must find nothing.

Members may give ``age`` instead of ``birth_date`` (born on 1 January, so the age at CHECK_DATE is exact). The
defaults make a clean exited household: every rule of the catalogue must find nothing in it
(``test_clean_household_has_no_findings``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

import polars as pl
import pytest

from fupin.core import idnumber
from fupin.quality import catalogue, engine, frames

CHECK_DATE = dt.date(2026, 6, 30)
_ids = itertools.count(1)

HOUSEHOLD = {
    "id": 1, "number": "4502991002010001", "village_id": "450299100201", "version": 1, "phone": "13800138000",
    "household_type": "2", "attribute": "1", "year_identified": 2016, "year_exited": 2019, "main_cause": "01",
    "other_causes": "", "relocation": "", "no_labour_support": False, "monitor_kind": "", "risk_types": "",
    "monitor_identified_month": None, "risk_eliminated": False, "elimination_way": "", "eliminated_month": None,
    "land_cultivated": 3.0, "land_irrigated": 1.0, "land_forest": 2.0, "land_returned": 0.0, "land_orchard": 0.0,
    "land_pasture": 0.0, "land_water": 0.0, "road_distance_km": 0.5, "entry_road": "3", "entry_road_hardened": True,
    "housing_area": 120.0, "dangerous_house": "0", "has_living_power": True, "water_difficult": False,
    "water_safe": True, "has_sanitary_toilet": True, "toilet_usable": True, "education_secured": True,
    "medical_secured": True, "housing_secured": True, "water_secured": True, "head_name": "张三", "size": 2,
    # measure texts by category (frames.MEASURE_SOURCES): an exited household has the medical-insurance subsidy
    "ms_health": "城乡居民基本医疗保险参保资助", "ms_industry": "发展种植业产业奖补",
    # not columns: current helpers with a phone, members who left with a disability (frames.OPTIONAL_COUNTS)
    "helpers": 1, "disabled_left": 0,
}
MEMBER = {
    "version": 1, "name": "张三", "id_type": "1", "sex": "1", "relationship": "01", "education": "03",
    "student_status": "", "not_in_school_reason": "", "dropout_reason": "", "health": "1", "disability_category": "",
    "disability_grade": "", "disability_certificate": "", "labour_capacity": "2", "work_status": "0",
    "work_months": None, "welfare_post": False, "welfare_post_months": None, "med_resident": True,
    "med_employee": False, "med_critical": True, "pension_resident": True, "pension_employee": False, "dibao": "0",
    "tekun": "0", "medical_assistance": False, "phone": "13800138000",
}
INCOME = {"year": 2025, "wage": 20000.0, "operating": 5000.0, "property": 0.0, "transfer": 1000.0,
          "production_expenses": 2000.0, "medical_out_of_pocket": 0.0, "per_capita_income": 12000.0}
SPOUSE = {"name": "李四", "sex": "2", "relationship": "02", "age": 44}


def extra_json(row: dict, *, ascii: bool = False) -> str:
    """``Household.extra`` as the import writes it (UTF-8; ``ascii``: \\u-escaped, as Django writes it) from the
    kit's ``ms_*`` keys: each category's text under its first national column."""
    return json.dumps({frames.MEASURE_SOURCES[k][0]: v for k, v in row.items() if k in frames.MEASURE_SOURCES and v},
                      ensure_ascii=ascii)


def member(household_id: int = 1, **kw) -> dict:
    """A member row: ``age`` (years at CHECK_DATE) sets the birth date and a valid ID number."""
    row = {**MEMBER, "id": next(_ids) + 1000, "household_id": household_id}
    age = kw.pop("age", 46)
    sex = kw.get("sex", row["sex"])
    birth = dt.date(CHECK_DATE.year - age, 1, 1)
    row.update(birth_date=birth, id_number=idnumber.make("450299", birth, (next(_ids) * 2 + (sex == "1")) % 1000))
    row.update(kw)
    return row


def household_frames(*, household: dict | None = None, members: list[dict] | None = None,
                     incomes: list[dict] | None = None, work: list[dict] | None = None,
                     villages: list[dict] | None = None, extra_households: list[tuple[dict, list[dict]]] = ()
                     ) -> frames.Frames:
    """Frames for one household (head + spouse unless ``members`` is given) and optional further ones."""
    hh_rows, m_rows = [], []
    units = [(household or {}, members)] + list(extra_households)
    for n, (h, ms) in enumerate(units, start=1):
        hid = h.get("id", n)
        row = {**HOUSEHOLD, "id": hid, "number": f"45029910020100{hid:02d}", **h}
        hh_rows.append({**row, "extra": extra_json(row)})
        if ms is None:
            ms = [{"age": 46}, SPOUSE]
        m_rows += [member(hid, **dict(m)) for m in ms]
    inc_rows = [{"household_id": 1, **INCOME, **i} for i in (incomes if incomes is not None else [{}])]
    counts = [{"household_id": h["id"], "what": what} for h in hh_rows
              for what, key in ((1, "helpers"), (2, "disabled_left")) for _ in range(h[key])]
    return frames.build(
        _frame(hh_rows, frames.HOUSEHOLD_COLUMNS), _frame(m_rows, frames.MEMBER_COLUMNS),
        _frame(inc_rows, {"household_id": frames.INT, **frames.INCOME_COLUMNS}),
        _frame(work or [], frames.WORK_COLUMNS),
        _frame(villages or [{"village_id": "450299100201", "is_exited": False, "total_households": 1,
                             "total_population": 2}], frames.PROFILE_COLUMNS),
        check_date=CHECK_DATE, counts=_frame(counts, frames.COUNT_COLUMNS))


_DTYPES = {frames.BOOL: pl.Boolean, frames.INT: pl.Int64, frames.NUM: pl.Float64, frames.DATE: pl.Date,
           frames.TEXT: pl.Utf8}


def _frame(rows: list[dict], columns: dict[str, str]) -> pl.DataFrame:
    schema = {c: _DTYPES[k] for c, k in columns.items()}
    return pl.DataFrame([{c: r.get(c) for c in columns} for r in rows], schema=schema, orient="row")


def hits(code: str, fr: frames.Frames, **params) -> pl.DataFrame:
    """The findings of one rule (parameters: defaults, overridden by ``params``)."""
    rule = catalogue.get(code)
    return engine.evaluate_rule(fr, rule, [(None, rule.resolve(params or None))])


def hit(code: str, fr: frames.Frames, **params) -> bool:
    return hits(code, fr, **params).height > 0


# --- rule tables ------------------------------------------------------------------------------------------------
VILLAGE_ID = HOUSEHOLD["village_id"]
# A monitored household that is not an exited one (边缘易致贫户, identified March 2024): the other side of every
# exited / monitored pair of codes.
MON = {"household_type": "3", "monitor_kind": "2", "monitor_identified_month": dt.date(2024, 3, 1)}
# Monitored and risk not eliminated / eliminated (naturally, December 2024).
OPEN_HH = {**MON, "risk_eliminated": False}
ELIM = {**MON, "risk_eliminated": True, "elimination_way": "2", "eliminated_month": dt.date(2024, 12, 1)}


def head(id: int = 1, **kw) -> dict:
    """The head (46, male, ordinary labour) with a fixed member id."""
    return {"id": id, "age": 46, **kw}


def spouse(id: int = 2, **kw) -> dict:
    return {"id": id, **SPOUSE, **kw}


def person(id: int, **kw) -> dict:
    """A further member (a son unless told otherwise) with a fixed id."""
    return {"id": id, "name": f"成员{id}", "relationship": "03", **kw}


def with_member(**kw) -> list[dict]:
    """Head, spouse and member 3 with ``kw``."""
    return [head(), spouse(), person(3, **kw)]


def case(expected, params: dict | None = None, **frame_kwargs) -> tuple:
    """One row of a rule table: who must be found (ids) in the frames of ``frame_kwargs`` with ``params``."""
    return set(expected), params or {}, frame_kwargs


def found(code: str, fr: frames.Frames, **params) -> set:
    """Who a rule finds: member ids (person rules), household ids or village ids."""
    key = {catalogue.PERSON: "member_id", catalogue.HOUSEHOLD: "household_id",
           catalogue.VILLAGE: "village_id"}[catalogue.get(code).level]
    return set(hits(code, fr, **params)[key].to_list())


def table(cases: dict[str, list[tuple]]) -> list:
    """``pytest.param`` rows (code, expected, params, frame kwargs) of a family's CASES."""
    return [pytest.param(code, *row, id=f"{code}-{n}") for code, rows in cases.items()
            for n, row in enumerate(rows, start=1)]


def check(code: str, expected: set, params: dict, frame_kwargs: dict) -> None:
    got = found(code, household_frames(**frame_kwargs), **params)
    assert got == expected, f"{code}: expected {sorted(expected, key=str)}, found {sorted(got, key=str)}"
