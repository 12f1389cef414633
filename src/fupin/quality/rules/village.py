"""村级数据: the village information sheet (行政村信息表) against itself and the registry.

The totals are compared only where the profile has a value; the registry counts (``reg_*``) are the active
households and their active members in the village: persons on 低保 or 特困 (in the registry's sense: the member's
own 享受低保/特困 field), disabled members, dangerous houses (any grade but 非危房).
"""

from __future__ import annotations

import polars as pl

from ..catalogue import VILLAGE, rule
from .common import VILLAGE_FAMILY, col


@rule("1_03_002", family=VILLAGE_FAMILY, level=VILLAGE, fields=("is_exited", "total_population"),
      title="已出列村总人口为0", message="村标记为已出列，但总人口数为0")
def exited_without_population(p):
    return col("is_exited").fill_null(False) & (col("total_population") == 0)


@rule("VIL_01", family=VILLAGE_FAMILY, level=VILLAGE, fields=("total_households",),
      title="村总户数与系统登记户数不一致", message="行政村信息表的总户数与系统中在册户数不一致",
      detail=lambda p: pl.format("信息表{}户，系统{}户", col("total_households"), col("reg_households")))
def households_disagree(p):
    return col("total_households").is_not_null() & (col("total_households") != col("reg_households"))


@rule("VIL_02", family=VILLAGE_FAMILY, level=VILLAGE, fields=("total_population",),
      title="村总人口数与系统登记人数不一致", message="行政村信息表的总人口数与系统中在户人数不一致",
      detail=lambda p: pl.format("信息表{}人，系统{}人", col("total_population"), col("reg_persons")))
def persons_disagree(p):
    return col("total_population").is_not_null() & (col("total_population") != col("reg_persons"))


# code, profile field, registry count, title, what the sheet counts, what the registry counts, unit.
TOTALS = (
    ("VIL_03", "dibao_persons", "reg_dibao", "村低保人数与系统登记不一致", "低保人数", "在户成员中享受低保的人数", "人"),
    ("VIL_04", "tekun_persons", "reg_tekun", "村特困供养人数与系统登记不一致", "特困供养人数", "在户成员中享受特困供养的人数",
     "人"),
    ("VIL_05", "disabled_persons", "reg_disabled", "村残疾人数与系统登记不一致", "残疾人数", "健康状况为残疾的在户成员人数",
     "人"),
    ("VIL_06", "dangerous_houses", "reg_dangerous", "村危房户数与系统登记不一致", "危房户数", "住房为危房的在册户数", "户"),
)


def _total_disagrees(field: str, registered: str):
    def expr(p):
        return col(field).is_not_null() & (col(field) != col(registered))
    return expr


def _total_detail(field: str, registered: str, unit: str):
    return lambda p: pl.format(f"信息表{{}}{unit}，系统{{}}{unit}", col(field), col(registered))


for _code, _field, _registered, _title, _sheet, _registry, _unit in TOTALS:
    rule(_code, family=VILLAGE_FAMILY, level=VILLAGE, fields=(_field,), title=_title,
         message=f"行政村信息表的{_sheet}与系统中{_registry}不一致",
         detail=_total_detail(_field, _registered, _unit))(_total_disagrees(_field, _registered))
