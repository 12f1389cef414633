"""村级数据: the village information sheet (行政村信息表) against itself and the registry.

The totals are compared only where the profile has a value; the registry counts (``reg_households``,
``reg_persons``) are the active households and their active members in the village. The sheet has no 低保, 特困,
disability or dangerous-house totals yet, so those comparisons of QUALITY-RULES.md are not implemented.
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
