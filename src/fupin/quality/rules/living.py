"""生活条件与土地: empty living-condition and land fields, implausible land areas and road distance.

Code mapping for the lines of QUALITY-RULES.md that list ranges of codes:
- empty fields, exited / monitored: 耕地 3_02_004 / 5_14_015, 林地 3_02_005 / 5_14_016, 退耕还林 3_02_006 / 5_14_017,
  林果 3_02_007 / 5_14_018, 牧草地 3_02_008 / 5_14_019, 水面 LAND_01 / 5_14_020, 入户路类型 LAND_02 / LAND_03
  (the list has fewer codes than fields); housing area empty is 5_19_005 for all registered households.
- area out of range, exited / monitored: 耕地 5_14_001 / 5_14_008, 林地 5_14_002 / 5_14_009, 退耕还林 5_14_003 /
  5_14_010, 林果 5_14_004 / 5_14_011, 牧草地 5_14_005 / 5_14_012, 水面 5_14_006 / 5_14_013; road distance
  5_14_007 / 5_14_014.
"""

from __future__ import annotations

import polars as pl

from ..catalogue import EXITED, HOUSEHOLD, MONITORED, REGISTERED, Param, rule
from .common import LIVING, col, empty, is_false

_mu = lambda name: lambda p: pl.format("{}亩", col(name))  # noqa: E731


def _out_of_range(name: str, p) -> pl.Expr:
    return (col(name) < 0) | (col(name) > p.max_area)


def _max_area(label: str, default: int) -> tuple[Param, ...]:
    return (Param("max_area", f"{label}上限(亩)", default, kind="number", minimum=0, maximum=100000),)


@rule(("3_02_002", "5_19_002"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.water_safe",), title="是否解决安全饮用水为空", message="是否解决安全饮用水为空")
def water_safe_empty(p):
    return col("water_safe").is_null()


@rule("3_02_003", family=LIVING, level=HOUSEHOLD, applies=REGISTERED, fields=("household.has_sanitary_toilet",),
      title="是否有卫生厕所为空", message="是否有卫生厕所为空")
def toilet_empty(p):
    return col("has_sanitary_toilet").is_null()


@rule("2_02_002", family=LIVING, level=HOUSEHOLD, applies=REGISTERED, fields=("household.has_living_power",),
      title="未通生活用电", message="是否通生活用电为否")
def no_living_power(p):
    return is_false("has_living_power")


@rule(("3_02_004", "5_14_015"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.land_cultivated",), title="耕地面积为空", message="耕地面积(亩)为空")
def cultivated_empty(p):
    return col("land_cultivated").is_null()


@rule(("5_14_001", "5_14_008"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.land_cultivated",), title="耕地面积异常",
      message="耕地面积为负数或大于{max_area}亩", params=_max_area("耕地面积", 100),
      detail=_mu("land_cultivated"))
def cultivated_out_of_range(p):
    return _out_of_range("land_cultivated", p)


@rule(("3_02_005", "5_14_016"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.land_forest",), title="林地面积为空", message="林地面积(亩)为空")
def forest_empty(p):
    return col("land_forest").is_null()


@rule(("5_14_002", "5_14_009"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.land_forest",), title="林地面积异常",
      message="林地面积为负数或大于{max_area}亩", params=_max_area("林地面积", 200),
      detail=_mu("land_forest"))
def forest_out_of_range(p):
    return _out_of_range("land_forest", p)


@rule(("3_02_006", "5_14_017"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.land_returned",), title="退耕还林面积为空", message="退耕还林面积(亩)为空")
def returned_empty(p):
    return col("land_returned").is_null()


@rule(("5_14_003", "5_14_010"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.land_returned",), title="退耕还林面积异常",
      message="退耕还林面积为负数或大于{max_area}亩", params=_max_area("退耕还林面积", 200),
      detail=_mu("land_returned"))
def returned_out_of_range(p):
    return _out_of_range("land_returned", p)


@rule(("3_02_007", "5_14_018"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.land_orchard",), title="林果面积为空", message="林果面积(亩)为空")
def orchard_empty(p):
    return col("land_orchard").is_null()


@rule(("5_14_004", "5_14_011"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.land_orchard",), title="林果面积异常",
      message="林果面积为负数或大于{max_area}亩", params=_max_area("林果面积", 200),
      detail=_mu("land_orchard"))
def orchard_out_of_range(p):
    return _out_of_range("land_orchard", p)


@rule(("3_02_008", "5_14_019"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.land_pasture",), title="牧草地面积为空", message="牧草地面积(亩)为空")
def pasture_empty(p):
    return col("land_pasture").is_null()


@rule(("5_14_005", "5_14_012"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.land_pasture",), title="牧草地面积异常",
      message="牧草地面积为负数或大于{max_area}亩", params=_max_area("牧草地面积", 100),
      detail=_mu("land_pasture"))
def pasture_out_of_range(p):
    return _out_of_range("land_pasture", p)


@rule(("LAND_01", "5_14_020"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.land_water",), title="水面面积为空", message="水面面积(亩)为空")
def water_empty(p):
    return col("land_water").is_null()


@rule(("5_14_006", "5_14_013"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.land_water",), title="水面面积异常",
      message="水面面积为负数或大于{max_area}亩", params=_max_area("水面面积", 100),
      detail=_mu("land_water"))
def water_out_of_range(p):
    return _out_of_range("land_water", p)


@rule(("LAND_02", "LAND_03"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.entry_road",), title="入户路类型为空", message="入户路类型为空")
def entry_road_empty(p):
    return empty("entry_road")


@rule(("5_14_007", "5_14_014"), applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD,
      fields=("household.road_distance_km",), title="与村主干路距离过远", message="与村主干路距离大于{max_km}公里",
      params=(Param("max_km", "最大距离(公里)", 5, kind="number", minimum=0, maximum=1000),),
      detail=lambda p: pl.format("{}公里", col("road_distance_km")))
def road_too_far(p):
    return col("road_distance_km") > p.max_km


@rule("5_19_004", family=LIVING, level=HOUSEHOLD, applies=REGISTERED, fields=("household.entry_road_hardened",),
      title="入户道路是否硬化为空", message="入户道路是否硬化为空")
def road_hardened_empty(p):
    return col("entry_road_hardened").is_null()


@rule("5_19_005", family=LIVING, level=HOUSEHOLD, applies=REGISTERED, fields=("household.housing_area",),
      title="住房面积为空", message="住房面积(平方米)为空")
def housing_area_empty(p):
    return col("housing_area").is_null()


@rule("5_19_006", family=LIVING, level=HOUSEHOLD, applies=REGISTERED, fields=("household.dangerous_house",),
      title="是否危房户为空", message="是否危房户为空")
def dangerous_house_empty(p):
    return empty("dangerous_house")
