"""Names the rules share: family labels, code sets read from the code lists, small expression helpers."""

from __future__ import annotations

import polars as pl

from fupin.core import codes

col = pl.col

IDENTITY = "身份与家庭结构"
EDUCATION = "教育与年龄"
LABOUR = "劳动能力与务工"
WELFARE_POST = "公益性岗位"
HEALTH = "健康、保险与社会保障"
LIVING = "生活条件与土地"
MONITORING = "监测逻辑"
MEASURES = "帮扶措施"
CONTACT = "联系方式"
VILLAGE_FAMILY = "村级数据"


def student_codes(*stages: str) -> list[str]:
    return [i.code for i in codes.get("student_status").items if i.attrs.get("stage") in stages]


def relationship_codes(sex: str) -> list[str]:
    return [i.code for i in codes.get("relationship").items if i.attrs.get("sex") == sex]


def has_risk(code: str, prefix: str = "") -> pl.Expr:
    """The household's risk types (stored as ``,01,08,``) include ``code``."""
    return col(prefix + "risk_types").str.contains(f",{code},", literal=True)


def empty(name: str) -> pl.Expr:
    """Not filled in: null, or empty text."""
    c = col(name)
    return c.is_null() | (c.cast(pl.Utf8) == "")


def months_between(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    """Whole calendar months from ``earlier`` to ``later`` (both first-of-month dates)."""
    return (later.dt.year() - earlier.dt.year()) * 12 + later.dt.month() - earlier.dt.month()


def insured_medical(prefix: str = "") -> pl.Expr:
    return col(prefix + "med_resident").fill_null(False) | col(prefix + "med_employee").fill_null(False)


def is_true(name: str) -> pl.Expr:
    """A yes/no field answered yes (an empty answer is not yes)."""
    return col(name).fill_null(False)


def is_false(name: str) -> pl.Expr:
    """A yes/no field answered no (an empty answer is not no)."""
    return ~col(name).fill_null(True)


def uninsured_medical(prefix: str = "") -> pl.Expr:
    """Medical insurance answered and neither resident nor employee insurance (both empty is *not answered*)."""
    answered = col(prefix + "med_resident").is_not_null() | col(prefix + "med_employee").is_not_null()
    return answered & ~insured_medical(prefix)


def codes_where(list_name: str, attr: str, *values) -> list[str]:
    """Codes of a list whose attribute ``attr`` is one of ``values``."""
    return [i.code for i in codes.get(list_name).items if i.attrs.get(attr) in values]


def codes_except(list_name: str, *excluded: str) -> list[str]:
    return [i.code for i in codes.get(list_name).items if i.code not in excluded]


def month_text(name: str) -> pl.Expr:
    """A first-of-month date as ``2023-04`` for messages."""
    return col(name).dt.strftime("%Y-%m")
