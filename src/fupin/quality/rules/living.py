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


# Land areas: for each kind, an "empty" check and a "negative or too large" check, exited / monitored variants.
# (field, name, codes when empty, codes when out of range, default upper bound in mu)
LAND = (
    ("land_cultivated", "耕地面积", ("3_02_004", "5_14_015"), ("5_14_001", "5_14_008"), 100),
    ("land_forest", "林地面积", ("3_02_005", "5_14_016"), ("5_14_002", "5_14_009"), 200),
    ("land_returned", "退耕还林面积", ("3_02_006", "5_14_017"), ("5_14_003", "5_14_010"), 200),
    ("land_orchard", "林果面积", ("3_02_007", "5_14_018"), ("5_14_004", "5_14_011"), 200),
    ("land_pasture", "牧草地面积", ("3_02_008", "5_14_019"), ("5_14_005", "5_14_012"), 100),
    ("land_water", "水面面积", ("LAND_01", "5_14_020"), ("5_14_006", "5_14_013"), 100),
)


def _land_rules(field: str, name: str, empty_codes, range_codes, bound: int) -> None:
    rule(empty_codes, applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD, fields=(f"household.{field}",),
         title=f"{name}为空", message=f"{name}(亩)为空")(lambda p: col(field).is_null())
    rule(range_codes, applies=(EXITED, MONITORED), family=LIVING, level=HOUSEHOLD, fields=(f"household.{field}",),
         title=f"{name}异常", message=f"{name}为负数或大于{{max_area}}亩", params=_max_area(name, bound),
         detail=_mu(field))(lambda p: _out_of_range(field, p))


for _land in LAND:
    _land_rules(*_land)


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
