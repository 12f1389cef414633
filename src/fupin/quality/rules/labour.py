"""劳动能力与务工: labour capacity against age, health and schooling; work status and work records.

Code mapping where QUALITY-RULES.md lists several codes on one line:
1111_14 弱劳动力或半劳动力 / 1111_15 无劳动力或丧失劳动力 (healthy working-age persons, all registered households),
5_12_008 either of them in monitored households; the other pairs are exited / monitored.
"""

from __future__ import annotations

import polars as pl

from ..catalogue import EXITED, MONITORED, PERSON, REGISTERED, Param, rule
from .common import LABOUR, codes_where, col, months_between

SCHOOL_UP_TO_HIGH = codes_where("student_status", "stage", "preschool", "kindergarten", "primary", "junior",
                                "senior", "sec_vocational")
NO_LABOUR = "5"  # 无劳动力
SKILLED = "1"  # 技能劳动力
PHYSICAL = "4"  # 肢体残疾

_age = lambda p: pl.format("{}岁", col("age"))  # noqa: E731


def _capacity_filled_not_none() -> pl.Expr:
    """Labour capacity filled in and other than 无劳动力."""
    return (col("labour_capacity") != "") & (col("labour_capacity") != NO_LABOUR)


def _working_age(p) -> pl.Expr:
    return col("age").is_between(p.min_age, p.max_age)


def _away_or_planned() -> pl.Expr:
    return col("away") | (col("wr_planned") > 0)


WORKING_AGE = (Param("min_age", "劳动年龄下限(岁)", 16, minimum=0, maximum=120),
               Param("max_age", "劳动年龄上限(岁)", 59, minimum=0, maximum=120))


@rule("2_12_014", family=LABOUR, level=PERSON, applies=REGISTERED, fields=("labour_capacity", "birth_date"),
      title="未满16周岁人员劳动技能不是无劳动力", message="未满{min_age}周岁人员的劳动技能应为无劳动力",
      params=(Param("min_age", "劳动年龄下限(岁)", 16, minimum=0, maximum=120),), detail=_age)
def child_with_labour(p):
    return (col("age") < p.min_age) & _capacity_filled_not_none()


@rule("1111_07", family=LABOUR, level=PERSON, applies=REGISTERED, fields=("labour_capacity", "student_status"),
      title="在校生劳动技能不是无劳动力", message="在校生的劳动技能应为无劳动力")
def student_with_labour(p):
    return col("is_student") & _capacity_filled_not_none()


def _healthy_adult(p) -> pl.Expr:
    return (col("health") == "1") & _working_age(p) & ~col("is_student")


@rule("1111_14", family=LABOUR, level=PERSON, applies=REGISTERED, fields=("labour_capacity", "health"),
      title="健康劳动年龄人员为弱劳动力或半劳动力",
      message="{min_age}至{max_age}岁、健康、非在校生，劳动技能为弱劳动力或半劳动力", params=WORKING_AGE, detail=_age)
def healthy_partial_labour(p):
    return _healthy_adult(p) & (col("can_work") == "partial")


@rule("1111_15", family=LABOUR, level=PERSON, applies=REGISTERED, fields=("labour_capacity", "health"),
      title="健康劳动年龄人员无劳动力或丧失劳动力",
      message="{min_age}至{max_age}岁、健康、非在校生，劳动技能为无劳动力或丧失劳动力", params=WORKING_AGE, detail=_age)
def healthy_no_labour(p):
    return _healthy_adult(p) & (col("can_work") == "none")


@rule("5_12_008", family=LABOUR, level=PERSON, applies=MONITORED, fields=("labour_capacity", "health"),
      title="健康劳动年龄人员劳动技能偏低",
      message="{min_age}至{max_age}岁、健康、非在校生，劳动技能为弱劳动力或半劳动力、无劳动力或丧失劳动力",
      params=WORKING_AGE, detail=_age)
def healthy_low_labour(p):
    return _healthy_adult(p) & col("can_work").is_in(["partial", "none"])


@rule("4_01_008", family=LABOUR, level=PERSON, applies=EXITED,
      fields=("labour_capacity", "disability_category", "disability_grade"),
      title="重度肢体残疾人员为普通或技能劳动力", message="肢体残疾一级至{max_grade}级人员的劳动技能为普通劳动力或技能劳动力",
      params=(Param("max_grade", "重度残疾最低等级(级)", 2, minimum=1, maximum=4),),
      detail=lambda p: pl.format("残疾等级{}级", col("disability_grade")))
def severe_disability_with_labour(p):
    grade = col("disability_grade").cast(pl.Int32, strict=False)
    return (col("disability_category") == PHYSICAL) & (grade <= p.max_grade) & (col("can_work") == "full")


@rule("2_12_004", family=LABOUR, level=PERSON, applies=REGISTERED, fields=("labour_capacity", "work_status"),
      title="无劳动力人员外出务工", message="劳动技能为无劳动力或丧失劳动力，但已外出务工或计划外出务工")
def no_labour_working_away(p):
    return (col("can_work") == "none") & _away_or_planned()


@rule(("4_01_006", "4_12_002"), applies=(EXITED, MONITORED), family=LABOUR, level=PERSON,
      fields=("student_status", "work_status"), title="在校生外出务工",
      message="学前至高中（中职）阶段在校生已外出务工或计划外出务工")
def student_working_away(p):
    return col("student_status").is_in(SCHOOL_UP_TO_HIGH) & _away_or_planned()


@rule(("5_01_004", "5_12_003"), applies=(EXITED, MONITORED), family=LABOUR, level=PERSON,
      fields=("tekun", "work_status"), title="特困供养人员外出务工", message="享受特困供养政策的人员务工状况为外出务工")
def tekun_working_away(p):
    return col("on_tekun") & col("away")


@rule(("5_15_018", "5_15_019"), applies=(EXITED, MONITORED), family=LABOUR, level=PERSON,
      fields=("tekun", "health", "birth_date"), title="健康劳动年龄人员享受特困供养",
      message="{min_age}至{max_age}岁、健康、非在校生，享受特困供养政策",
      params=(Param("min_age", "最小年龄", 18, minimum=0, maximum=120),
              Param("max_age", "最大年龄", 59, minimum=0, maximum=120)), detail=_age)
def healthy_adult_tekun(p):
    return col("on_tekun") & _healthy_adult(p)


@rule("5_16_010", family=LABOUR, level=PERSON, applies=REGISTERED, fields=("work_records", "birth_date"),
      title="务工开始时未满16周岁", message="务工开始时间早于本人年满{min_age}周岁的月份",
      params=(Param("min_age", "最小务工年龄(岁)", 16, minimum=0, maximum=120),),
      detail=lambda p: pl.format("务工开始于{}", col("wr_first_start").dt.strftime("%Y-%m")))
def work_before_min_age(p):
    return months_between(col("wr_first_start"), col("birth")) < p.min_age * 12


@rule("5_12_001", family=LABOUR, level=PERSON, applies=MONITORED, fields=("work_records",),
      title="务工时间段重叠", message="一段务工的开始时间早于上一段务工的结束时间")
def work_overlap(p):
    return col("wr_overlap")


@rule(("1111_16", "1111_17"), applies=(EXITED, MONITORED), family=LABOUR, level=PERSON,
      fields=("work_status", "work_records"), title="未外出务工但务工未结束",
      message="务工状况不是外出务工，但最近一段务工没有结束时间或结束时间晚于检查日期")
def not_away_but_open_work(p):
    return ~col("away") & (col("wr_count") > 0) & col("wr_open")


def _idle_adult(p) -> pl.Expr:
    return _working_age(p) & ~col("is_student") & ~col("working") & (col("can_work") != "none")


@rule(("5_20_028", "5_20_030"), applies=(EXITED, MONITORED), family=LABOUR, level=PERSON,
      fields=("education", "work_status"), title="大专及以上学历劳动年龄人员未务工",
      message="文化程度为大专及以上的{min_age}至{max_age}岁非在校生未务工", params=WORKING_AGE, detail=_age)
def college_not_working(p):
    return (col("edu_rank") >= 5) & _idle_adult(p)


@rule(("5_20_029", "5_20_031"), applies=(EXITED, MONITORED), family=LABOUR, level=PERSON,
      fields=("labour_capacity", "work_status"), title="技能劳动力未务工",
      message="劳动技能为技能劳动力的{min_age}至{max_age}岁非在校生未务工", params=WORKING_AGE, detail=_age)
def skilled_not_working(p):
    return (col("labour_capacity") == SKILLED) & _idle_adult(p)


@rule("1111_12", family=LABOUR, level=PERSON, applies=REGISTERED, fields=("work_records",),
      title="务工月收入过低", message="外出务工月收入低于{min_income}元",
      params=(Param("min_income", "最低月收入(元)", 400, kind="number", minimum=0, maximum=100000),),
      detail=lambda p: pl.format("月收入{}元", col("wr_min_monthly_income")))
def low_monthly_income(p):
    return col("wr_min_monthly_income") < p.min_income


@rule("5_15_021", family=LABOUR, level=PERSON, applies=REGISTERED, fields=("phone", "work_records"),
      title="不同县务工人员登记同一电话", message="与另一名在不同县务工的人员登记了同一联系电话",
      detail=lambda p: pl.format("务工所在县：{}", col("wr_county")))
def shared_phone_different_counties(p):
    # phone_county_min/max: over members sharing the phone across the whole run area (frames._area_wide_columns).
    county = pl.when((col("phone") != "") & (col("wr_county").fill_null("") != "")).then(col("wr_county"))
    return county.is_not_null() & (col("phone_county_max") != col("phone_county_min"))
